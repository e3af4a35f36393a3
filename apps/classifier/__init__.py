"""Image classifier: CNN families from LeNet-5 to ResNet, transfer learning, CAM.

Python API (the CLI's options as keyword arguments)::

    import apps.classifier as classifier
    run = classifier.train(data="photos/", epochs=3)
    model = classifier.load(run.path)
    model.predict(["photo.jpg"])     # [{"file": ..., "label": ..., "probability": ...}]
    classifier.export(run.path, "out/")
"""

from shared.app import python_api

DESCRIPTION = "image classification: LeNet-5 to ResNet, pretrained backbones, fine-tuning, CAM"
METRIC = "accuracy"
DEMO_ARGS = ["--epochs", "15"]

# train, load, export, main: from apps.classifier.app, imported on first use so
# that `python -m apps list` and `apps.classifier.config` stay light.
__getattr__ = python_api(__name__, "apps.classifier.app")
