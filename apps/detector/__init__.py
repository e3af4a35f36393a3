"""Object detector: anchors, focal loss, NMS and COCO mAP (RetinaNet-style, small)."""

DESCRIPTION = "object detection: anchors on a feature pyramid, focal loss, NMS, COCO mAP"
METRIC = "map50"
DEMO_ARGS = ["--epochs", "10", "--num-scenes", "600"]
