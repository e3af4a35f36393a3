"""Semantic segmentation: U-Net (from scratch or on a pretrained encoder) and the FCN it improves on.

Python API (the CLI's options as keyword arguments)::

    import apps.segmenter as segmenter
    run = segmenter.train(epochs=3, max_train_samples=400)   # RunResult(path, metrics)
    model = segmenter.load(run.path)
    model.predict(["photo.png"])   # [{"file": ..., "mask": ..., "overlay": ..., "class_shares": {...}}]
    segmenter.export(run.path, "out/")
"""

from shared.app import python_api

DESCRIPTION = "semantic segmentation: U-Net with skip connections vs a convolutionalized FCN"
METRIC = "mean_iou"
DEMO_ARGS = ["--epochs", "3", "--max-train-samples", "400"]

# train, load, export, main: from apps.segmenter.app, imported on first use so
# that `python -m apps list` and `apps.segmenter.config` stay light.
__getattr__ = python_api(__name__, "apps.segmenter.app")
