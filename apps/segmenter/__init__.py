"""Semantic segmentation: U-Net (from scratch or on a pretrained encoder) and the FCN it improves on."""

DESCRIPTION = "semantic segmentation: U-Net with skip connections vs a convolutionalized FCN"
METRIC = "mean_iou"
DEMO_ARGS = ["--epochs", "3", "--max-train-samples", "400"]
