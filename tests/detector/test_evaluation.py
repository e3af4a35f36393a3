"""COCO mAP (pycocotools) on hand-made detections with known answers."""

import numpy as np
import pytest

from apps.detector.evaluation import coco_metrics

NAMES = ["a", "b"]


def found(boxes, scores, classes):
    return {"boxes": np.asarray(boxes, "float32").reshape(-1, 4), "scores": np.asarray(scores, "float32"),
            "classes": np.asarray(classes, "int32")}


def test_perfect_detections_score_one():
    boxes = [np.array([[0, 0, 10, 10], [20, 20, 40, 30]], "float32"), np.array([[5, 5, 15, 25]], "float32")]
    classes = [np.array([0, 1]), np.array([1])]
    detections = [found(b, [0.9] * len(b), c) for b, c in zip(boxes, classes)]
    metrics = coco_metrics(boxes, classes, detections, NAMES)
    assert metrics["map"] == pytest.approx(1.0) and metrics["map50"] == pytest.approx(1.0)
    assert metrics["ap_a"] == pytest.approx(1.0) and metrics["recall100"] == pytest.approx(1.0)


def test_half_the_objects_found_gives_coco_interpolated_half():
    boxes = [np.array([[0, 0, 10, 10], [30, 30, 40, 40]], "float32")]
    classes = [np.array([0, 0])]
    # One exact hit ranked first, one false positive; the second object is missed.
    detections = [found([[0, 0, 10, 10], [60, 60, 70, 70]], [0.9, 0.8], [0, 0])]
    metrics = coco_metrics(boxes, classes, detections, ["a"])
    assert metrics["map50"] == pytest.approx(51 / 101)  # precision 1 on 51 of 101 recall points
    assert metrics["recall100"] == pytest.approx(0.5)


def test_loose_box_counts_only_at_low_iou_thresholds_and_wrong_class_never():
    boxes = [np.array([[0, 0, 10, 10]], "float32"), np.array([[0, 0, 10, 10]], "float32")]
    classes = [np.array([0]), np.array([1])]
    # IoU 0.62: a hit at thresholds 0.50, 0.55 and 0.60 only.
    detections = [found([[0, 0, 10, 6.2]], [0.9], [0]), found([[0, 0, 10, 10]], [0.9], [0])]
    metrics = coco_metrics(boxes, classes, detections, NAMES)
    assert metrics["ap50_a"] == pytest.approx(1.0)
    assert metrics["ap_a"] == pytest.approx(0.3)
    assert metrics["ap_b"] == 0.0 and metrics["ap50_b"] == 0.0
    assert metrics["map50"] == pytest.approx(0.5)


def test_no_detections_score_zero():
    metrics = coco_metrics([np.array([[0, 0, 5, 5]], "float32")], [np.array([0])], [found([], [], [])], NAMES)
    assert metrics["map"] == 0.0 and metrics["map50"] == 0.0
