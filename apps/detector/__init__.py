"""Object detector: anchors, focal loss, NMS and COCO mAP (RetinaNet-style, small).

Python API (the CLI's options as keyword arguments)::

    import apps.detector as detector
    run = detector.train(epochs=3, num_scenes=300)     # RunResult(path, metrics)
    model = detector.load(run.path)
    model.predict(["photo.jpg"])   # [{"file": ..., "detections": [{"box": [x0, y0, x1, y1], "class": ..., "score": ...}]}]
    detector.export(run.path, "out/")
"""

from shared.app import python_api

DESCRIPTION = "object detection: anchors on a feature pyramid, focal loss, NMS, COCO mAP"
METRIC = "map50"
DEMO_ARGS = ["--epochs", "10", "--num-scenes", "600"]

# train, load, export, main: from apps.detector.app, imported on first use so
# that `python -m apps list` and `apps.detector.config` stay light.
__getattr__ = python_api(__name__, "apps.detector.app")
