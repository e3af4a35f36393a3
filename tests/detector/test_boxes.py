"""Anchors, matching, box encoding round trip and non-maximum suppression."""

import numpy as np
import pytest

from apps.detector.boxes import (
    decode_boxes,
    encode_targets,
    make_anchors,
    match_anchors,
    non_max_suppression,
)


def test_anchors_cover_every_cell_of_every_level_at_cell_centres():
    anchors = make_anchors(64, 2, 4, num_scales=2, aspect_ratios=[0.5, 1.0, 2.0], anchor_size=2.0)
    assert anchors.shape == ((16 * 16 + 8 * 8 + 4 * 4) * 6, 4)
    # Cell (0, 0) of P2 (stride 4): square anchor of the first scale, 8 px, centred at (2, 2).
    np.testing.assert_array_equal(anchors[2], [-2, -2, 6, 6])
    centres = (anchors[:, :2] + anchors[:, 2:]) / 2
    np.testing.assert_array_equal(centres[6 * 17], [6, 6])  # P2 cell (row 1, column 1)
    first_p3 = 16 * 16 * 6
    np.testing.assert_array_equal(centres[first_p3], [4, 4])
    sides = anchors[first_p3:first_p3 + 6, 2:] - anchors[first_p3:first_p3 + 6, :2]
    np.testing.assert_array_equal(sides[2], [16, 16])  # P3: 2 strides of 8 px
    assert sorted(np.round(sides[:, 0] / sides[:, 1], 1))[0] < 1 < sorted(np.round(sides[:, 0] / sides[:, 1], 1))[-1]


def test_matcher_positive_ignored_background_and_forced_small_box():
    anchors = np.array([[0, 0, 10, 10], [20, 20, 30, 30], [0, 0, 10, 5], [40, 40, 50, 50]], "float32")
    boxes = np.array([[0, 0, 10, 10], [20, 20, 22, 22]], "float32")
    matched, values = match_anchors(anchors, boxes, positive_iou=0.6, negative_iou=0.4)
    np.testing.assert_array_equal(np.asarray(values), [1, 1, -2, -1])
    np.testing.assert_array_equal(np.asarray(matched)[:2], [0, 1])  # the small box is force-matched
    targets = encode_targets(anchors, boxes, np.array([2, 0], "int32"), 0.6, 0.4)
    np.testing.assert_array_equal(np.asarray(targets["classes"]), [3, 1, -1, 0])
    np.testing.assert_array_equal(np.asarray(targets["boxes"])[:, 4], [1, 1, 0, 0])


def test_image_without_boxes_is_all_background():
    anchors = make_anchors(32, 2, 3, 1, [1.0], 2.0)
    targets = encode_targets(anchors, np.zeros((0, 4), "float32"), np.zeros((0,), "int32"))
    assert np.all(np.asarray(targets["classes"]) == 0)
    assert np.all(np.asarray(targets["boxes"])[:, 4] == 0)
    assert np.all(np.isfinite(np.asarray(targets["boxes"])))


def test_encode_then_decode_returns_each_box():
    anchors = make_anchors(64, 2, 4, 2, [0.5, 1.0, 2.0], 2.0)
    rng = np.random.default_rng(0)
    corners = rng.uniform(0, 40, size=(5, 2))
    boxes = np.concatenate([corners, corners + rng.uniform(5, 24, size=(5, 2))], axis=1).astype("float32")
    targets = encode_targets(anchors, boxes, np.arange(5, dtype="int32") % 3)
    flags = np.asarray(targets["boxes"])[:, 4] > 0
    decoded = np.asarray(decode_boxes(anchors, np.asarray(targets["boxes"])[None, :, :4], 64))[0]
    matched = np.asarray(match_anchors(anchors, boxes)[0])
    assert flags.sum() >= 5
    np.testing.assert_allclose(decoded[flags], boxes[matched[flags]], atol=1e-3)


def nms_case():
    boxes = np.array([[[0, 0, 10, 10], [1, 1, 11, 11], [1, 1, 11, 11], [30, 30, 40, 40], [50, 50, 60, 60]]],
                     "float32")
    scores = np.array([[[0.9, 0.0], [0.8, 0.0], [0.0, 0.7], [0.6, 0.0], [0.05, 0.0]]], "float32")
    return boxes, scores


@pytest.mark.parametrize("kind,kept", [
    ("per_class", [(0, 0, 0.9), (2, 1, 0.7), (3, 0, 0.6)]),  # other classes never suppress each other
    ("keras_hub", [(0, 0, 0.9), (3, 0, 0.6)]),  # class-agnostic
])
def test_nms_keeps_the_right_boxes(kind, kept):
    boxes, scores = nms_case()
    found = non_max_suppression(boxes, scores, iou_threshold=0.5, score_threshold=0.1, max_detections=4, kind=kind)
    count = int(found["num_detections"][0])
    assert count == len(kept)
    np.testing.assert_allclose(np.asarray(found["boxes"])[0, :count], boxes[0, [k[0] for k in kept]])
    np.testing.assert_array_equal(np.asarray(found["classes"])[0, :count], [k[1] for k in kept])
    np.testing.assert_allclose(np.asarray(found["scores"])[0, :count], [k[2] for k in kept], atol=1e-6)
    assert np.all(np.asarray(found["classes"])[0, count:] == -1)
    assert np.all(np.asarray(found["scores"])[0, count:] == 0)
