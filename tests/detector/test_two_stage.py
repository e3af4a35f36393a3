"""The two-stage detector: RPN targets, proposals, second-stage sampling, save/load, one tiny run."""

import json

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from apps.detector import main
from apps.detector.config import DetectorConfig
from apps.detector.proposals import (
    decode_deltas,
    decode_proposals,
    encode_deltas,
    roi_targets,
    sample_labels,
)
from apps.detector.rpn import rpn_targets
from apps.detector.two_stage import RoiAlign, TwoStageDetector, build_two_stage
from apps.detector.two_stage_layers import ProposalDetections
from shared.layers.roi_pooling import RoiPooling
from tests.helpers import event_tags, model_file_predict_in_subprocess

TINY = ["--model", "two_stage", "--num-scenes", "40", "--epochs", "1", "--batch-size", "8", "--width", "4",
        "--fpn-filters", "8", "--map-images", "4", "--score-threshold", "0.001", "--max-detections", "10",
        "--patience", "0"]
SMALL = {"model": "two_stage", "width": 4, "fpn_filters": 8}


def test_rpn_targets_on_hand_made_anchors():
    anchors = np.array([[0, 0, 10, 10],     # IoU 1 with the box: object
                        [0, 0, 9, 10],      # IoU 0.9: object
                        [0, 0, 10, 20],     # IoU 0.5: between the thresholds, ignored
                        [30, 30, 40, 40],   # IoU 0: background
                        [32, 0, 42, 10]], "float32")  # IoU 0: background
    boxes = np.array([[0, 0, 10, 10]], "float32")
    found = rpn_targets(anchors, boxes, tf.linspace(0.0, 0.9, 5), samples=10)
    np.testing.assert_array_equal(found["rpn_objectness"], [1, 1, -1, 0, 0])
    np.testing.assert_array_equal(found["rpn_boxes"][:, 4], [1, 1, 0, 0, 0])
    np.testing.assert_allclose(found["rpn_boxes"][0, :4], 0.0, atol=1e-6)  # the anchor is the box
    # Two samples, at most half objects: the first object and the first background in the random order.
    found = rpn_targets(anchors, boxes, tf.constant([0.5, 0.1, 0.0, 0.9, 0.2]), samples=2)
    np.testing.assert_array_equal(found["rpn_objectness"], [-1, 1, -1, -1, 0])


def test_a_box_smaller_than_every_anchor_still_gets_its_best_anchor():
    anchors = np.array([[0, 0, 16, 16], [40, 40, 56, 56]], "float32")
    found = rpn_targets(anchors, np.array([[2, 2, 6, 6]], "float32"), tf.zeros([2]), samples=4)
    np.testing.assert_array_equal(found["rpn_objectness"], [1, 0])  # IoU 0.06 < 0.3, forced


def test_an_image_without_boxes_has_only_background_anchors():
    anchors = np.array([[0, 0, 8, 8], [8, 8, 16, 16], [0, 8, 8, 16]], "float32")
    found = rpn_targets(anchors, np.zeros((0, 4), "float32"), tf.constant([0.3, 0.1, 0.2]), samples=2)
    np.testing.assert_array_equal(found["rpn_objectness"], [-1, 0, 0])
    assert float(tf.reduce_sum(found["rpn_boxes"][:, 4])) == 0


def test_sample_labels_caps_the_positives_and_never_samples_ignored_items():
    labels = tf.constant([[2, 1, 3, 0, 0, -1, 0, 1], [0, 0, 0, 0, 0, 0, -1, -1]])
    random = tf.constant([[0.1, 0.5, 0.3, 0.2, 0.9, 0.0, 0.4, 0.05]] * 2)
    sampled = sample_labels(labels, random, count=4, positive_fraction=0.5)
    # Row 0: the two positives first in the random order (0.05, 0.1), then the two first negatives (0.2, 0.4).
    np.testing.assert_array_equal(sampled[0], [2, -1, -1, 0, -1, -1, 0, 1])
    # Row 1: no positives, so four negatives; never the ignored ones.
    np.testing.assert_array_equal(sampled[1] >= 0, [True, False, True, True, False, True, False, False])


def test_deltas_round_trip_and_decoding_clips_to_the_image():
    references = tf.constant([[[10.0, 10.0, 20.0, 30.0], [0.0, 0.0, 8.0, 8.0]]])
    boxes = tf.constant([[[12.0, 8.0, 22.0, 40.0], [1.0, 2.0, 5.0, 9.0]]])
    np.testing.assert_allclose(decode_deltas(references, encode_deltas(references, boxes), 64), boxes, atol=1e-4)
    wide = decode_deltas(tf.constant([[60.0, 60.0, 70.0, 70.0]]), tf.constant([[0.0, 0.0, 5.0, 5.0]]), 64)
    assert float(tf.reduce_max(wide)) == 64.0 and float(tf.reduce_min(wide)) >= 0.0


def test_proposals_are_decoded_clipped_filtered_and_suppressed():
    anchors = np.array([[10, 10, 30, 30],    # best score
                        [11, 11, 31, 31],    # overlaps the best one: suppressed at IoU 0.7
                        [50, 50, 70, 70],    # leaves the 64 px image: clipped to 64
                        [0, 0, 1, 1],        # thinner than 2 px: dropped
                        [40, 0, 60, 20]], "float32")
    logits = tf.constant([[5.0, 4.0, 3.0, 6.0, -2.0]])
    boxes, scores, valid = decode_proposals(anchors, tf.zeros([1, 5, 4]), logits, 64, count=4)
    np.testing.assert_array_equal(valid, [[True, True, True, False]])
    np.testing.assert_allclose(boxes[0, :3], [[10, 10, 30, 30], [50, 50, 64, 64], [40, 0, 60, 20]], atol=1e-4)
    np.testing.assert_allclose(scores[0], [tf.sigmoid(5.0), tf.sigmoid(3.0), tf.sigmoid(-2.0), 0.0], atol=1e-6)
    np.testing.assert_array_equal(boxes[0, 3], [0, 0, 0, 0])
    moved, _, _ = decode_proposals(anchors[:1], tf.constant([[[1.0, 0.0, 0.0, 0.0]]]), logits[:, :1], 64, count=1)
    np.testing.assert_allclose(moved[0, 0], [10, 12, 30, 32], atol=1e-4)  # dy 1 * variance 0.1 * height 20


def test_second_stage_targets_sample_regions_with_their_classes_and_deltas():
    proposals = tf.constant([[[0, 0, 10, 10], [1, 0, 11, 10], [30, 30, 40, 40], [50, 50, 60, 60],
                              [0, 0, 0, 0]]], tf.float32)
    valid = tf.constant([[True, True, True, True, False]])
    truth = tf.constant([[[0, 0, 10, 10], [30, 30, 42, 40], [0, 0, 0, 0]]], tf.float32)
    classes = tf.constant([[2, 0, -1]])
    random = tf.constant([[0.1, 0.2, 0.3, 0.4, 0.0, 0.5, 0.6, 0.05]])
    found = roi_targets(proposals, valid, truth, classes, random, count=6, positive_fraction=0.5)
    labels = found["labels"].numpy()[0]
    # Regions: 4 proposals (labels 3, 3, 1, 0), the padding one, the 2 true boxes (3, 1), the padding
    # truth. At most 3 positives, first in the random order (0.1, 0.2, 0.3), then the one background
    # region; padding is never a sample, so 2 of the 6 rows are not samples (-1).
    assert sorted(labels.tolist()) == [-1, -1, 0, 1, 3, 3]
    rois = found["rois"].numpy()[0]
    for roi, label, delta in zip(rois, labels, found["deltas"].numpy()[0]):
        if label == 3:  # a region on the class-2 box: its deltas move it onto that box
            np.testing.assert_allclose(decode_deltas(roi, delta, 64), [0, 0, 10, 10], atol=1e-3)
        if label == 1:
            np.testing.assert_allclose(decode_deltas(roi, delta, 64), [30, 30, 42, 40], atol=1e-3)
        if label == 0:
            np.testing.assert_allclose(roi, [50, 50, 60, 60])
    everything = roi_targets(proposals, valid, truth, classes, random, count=6, positive_fraction=1.0)
    assert sorted(everything["labels"].numpy()[0].tolist()) == [0, 1, 1, 3, 3, 3]


def test_roi_align_samples_a_known_feature_map_bilinearly():
    columns = np.tile(np.arange(8, dtype="float32")[None, :, None], (8, 1, 1))[None]  # value = column index
    crops = RoiAlign(2, spatial_scale=0.5)(columns, tf.constant([[[0.0, 0.0, 8.0, 8.0]]]))
    assert crops.shape == (1, 1, 2, 2, 1)
    np.testing.assert_allclose(crops[0, 0, 0, :, 0], [0.5, 2.5], atol=1e-5)  # bin centres: cells 0-4 in two


def tiny_model(**options):
    config = DetectorConfig(**{**SMALL, **options})
    return build_two_stage(config, 64, 3)[0]


@pytest.mark.parametrize("roi", ["pool", "align"])
def test_the_whole_two_stage_model_survives_a_save_and_load(tmp_path, roi):
    model = tiny_model(roi=roi, test_proposals=12)
    images = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    before = model.predict(images, verbose=0)
    assert before["boxes"].shape == (2, 12, 3, 4) and before["classes"].shape == (2, 12, 4)
    assert isinstance(model.roi_layer, RoiPooling if roi == "pool" else RoiAlign)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    after = loaded.predict(images, verbose=0)
    for key in before:
        np.testing.assert_allclose(after[key], before[key], atol=1e-5)
    config = loaded.get_config()
    assert (config["roi"], config["test_proposals"], config["proposals"], config["roi_samples"]) == (roi, 12, 64, 32)
    assert config["aspect_ratios"] == [0.5, 1.0, 2.0] and config["image_size"] == 64


def test_detection_layer_config_comes_back_with_every_argument():
    layer = ProposalDetections(["a", "b"], 48, iou_threshold=0.4, score_threshold=0.2, max_detections=7)
    again = ProposalDetections.from_config(layer.get_config())
    assert (again.class_names, again.image_size, again.iou_threshold, again.score_threshold,
            again.max_detections, again.nms) == (["a", "b"], 48, 0.4, 0.2, 7, "per_class")
    with pytest.raises(ValueError, match="per_class"):
        ProposalDetections(["a"], 48, nms="keras_hub")


def test_a_fit_step_updates_every_stage_and_logs_each_loss():
    model = tiny_model(proposals=16, roi_samples=8)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    assert isinstance(model, TwoStageDetector)
    images = np.random.default_rng(1).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    anchors = model.anchors
    targets = [rpn_targets(anchors, tf.constant([[8.0, 8.0, 30.0, 24.0]]), tf.random.uniform([len(anchors)]), 32)
               for _ in range(2)]
    batch = {key: tf.stack([t[key] for t in targets]) for key in targets[0]}
    batch["true_boxes"] = tf.constant([[[8.0, 8.0, 30.0, 24.0]]] * 2)
    batch["true_classes"] = tf.constant([[1]] * 2)
    head = [w.numpy().copy() for w in model.head.weights]
    logs = model.fit(images, batch, epochs=1, batch_size=2, verbose=0).history
    assert set(logs) == {"loss", "rpn_objectness_loss", "rpn_box_loss", "roi_class_loss", "roi_box_loss"}
    assert all(np.isfinite(values[0]) for values in logs.values())
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(head, model.head.weights))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("two_stage") / "run"
    return run_dir, main(["train", "--run-dir", str(run_dir), *TINY])


@pytest.mark.slow
def test_train_evaluate_predict_and_export_a_tiny_two_stage_run(trained, tmp_path):
    run_dir, metrics = trained
    assert metrics["model"] == "two_stage" and 0.0 <= metrics["test"]["map"] <= metrics["test"]["map50"] <= 1.0
    history = pd.read_csv(run_dir / "history.csv")
    assert {"rpn_objectness_loss", "rpn_box_loss", "roi_class_loss", "roi_box_loss", "val_roi_class_loss",
            "val_map"} <= set(history.columns)
    tags = event_tags(run_dir)
    assert {"epoch_rpn_objectness_loss", "epoch_roi_box_loss"} <= set(tags["train"])
    assert {"epoch_map50", "epoch_rpn_box_loss"} <= set(tags["validation"])
    assert tags["validation"]["proposals_and_detections"] == "image"
    evaluated = main(["evaluate", "--run", str(run_dir)])
    assert evaluated["test"]["map50"] == pytest.approx(metrics["test"]["map50"])
    image = run_dir / "examples" / "test-000.png"
    rows = main(["predict", "--run", str(run_dir), str(image), "--out", str(tmp_path / "out"), "--min-score", "0"])
    found = rows["detections"][str(image)]
    assert len(found) == 10 and all(0 <= v <= 64 for d in found for v in d["box"])
    raw = model_file_predict_in_subprocess(run_dir, [image.read_bytes()])
    assert set(raw) == {"boxes", "scores", "classes", "labels", "num_detections"}
    np.testing.assert_allclose([d["score"] for d in found], raw["scores"][0][:10], atol=1e-4)
    exported = main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])
    assert exported["max_abs_difference"] <= 1e-4
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    assert set(serve(image_bytes=tf.constant([image.read_bytes()]))) == set(raw)
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
