"""Image classifier: CNN families from LeNet-5 to ResNet, transfer learning, CAM."""

DESCRIPTION = "image classification: LeNet-5 to ResNet, pretrained backbones, fine-tuning, CAM"
METRIC = "accuracy"
DEMO_ARGS = ["--epochs", "15"]
