"""The sliding-window detector: its windows, crop targets, save/load and one tiny run."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from apps.detector import main
from apps.detector.boxes import anchors_for
from apps.detector.config import DetectorConfig
from apps.detector.data import Examples
from apps.detector.sliding_window import (
    POSITIVE_FRACTION,
    SAMPLES,
    build_sliding_window,
    sliding_window_dataset,
)

TINY = ["--model", "sliding_window", "--num-scenes", "40", "--epochs", "1", "--batch-size", "8", "--width", "4",
        "--map-images", "4", "--score-threshold", "0.001", "--max-detections", "10", "--patience", "0"]


def tiny_model(**options):
    config = DetectorConfig(**{"model": "sliding_window", "width": 4, **options})
    return build_sliding_window(config, 64, 3)[0], config


def test_every_window_is_classified_and_kept_as_it_is():
    model, config = tiny_model()
    assert len(model.windows) == len(anchors_for(config, 64)) == (16 * 16 + 8 * 8 + 4 * 4) * 6
    images = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    outputs = model.predict(images, verbose=0)
    assert outputs["classes"].shape == (2, len(model.windows), 4)
    np.testing.assert_allclose(outputs["classes"].sum(-1), 1.0, atol=1e-5)
    assert not outputs["boxes"].any()  # no box regression: the windows are the boxes


def test_a_window_classifies_the_crop_under_it():
    """Each window's probabilities are the classifier's on that window's crop, resized to window_size."""
    model, _ = tiny_model()
    image = np.random.default_rng(1).uniform(0, 255, (1, 64, 64, 3)).astype("float32")
    index = 100
    x0, y0, x1, y1 = model.windows[index]
    expected = model.classifier(model.cropper(image, tf.constant(model.windows[None, index: index + 1])).numpy()[0])
    np.testing.assert_allclose(model.predict(image, verbose=0)["classes"][0, index],
                               tf.nn.softmax(expected)[0], atol=1e-5)
    assert x1 - x0 > 0 and y1 - y0 > 0


def test_training_crops_are_a_sample_of_object_and_background_windows():
    _, config = tiny_model()
    windows = anchors_for(config, 64)
    examples = Examples(np.zeros((2, 64, 64, 3), "float32"), [np.array([[8, 8, 24, 24]], "float32"),
                                                              np.zeros((0, 4), "float32")],
                        [np.array([2], "int32"), np.zeros((0,), "int32")], ["a", "b"])
    images, targets = next(iter(sliding_window_dataset(examples, windows, config)))
    labels = targets["window_classes"].numpy()
    assert images.shape == (2, 64, 64, 3) and labels.shape == (2, len(windows))
    assert (labels >= 0).sum(axis=1).tolist() == [SAMPLES, SAMPLES]
    objects = labels[0][labels[0] > 0]
    box = np.array([8.0, 8.0, 24.0, 24.0])
    overlap = np.prod(np.clip(np.minimum(windows[:, 2:], box[2:]) - np.maximum(windows[:, :2], box[:2]), 0, None), 1)
    areas = np.prod(windows[:, 2:] - windows[:, :2], axis=1)
    matching = int((overlap / (areas + 256.0 - overlap) >= config.positive_iou).sum())
    assert 0 < matching <= SAMPLES * POSITIVE_FRACTION  # the set-up: every matching window fits the sample
    assert len(objects) == matching and set(objects) == {3}  # all of them taken; class 2 -> label 3
    assert (labels[1] > 0).sum() == 0  # no boxes: background crops only


def test_the_sliding_window_model_survives_a_save_and_load(tmp_path):
    model, _ = tiny_model(window_size=12)
    images = np.random.default_rng(2).uniform(0, 255, (1, 64, 64, 3)).astype("float32")
    before = model.predict(images, verbose=0)["classes"]
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(loaded.predict(images, verbose=0)["classes"], before, atol=1e-6)
    config = loaded.get_config()
    assert (config["window_size"], config["samples"], config["image_size"]) == (12, SAMPLES, 64)


@pytest.mark.slow
def test_train_evaluate_and_export_a_tiny_sliding_window_run(tmp_path):
    run_dir = tmp_path / "run"
    metrics = main(["train", "--run-dir", str(run_dir), *TINY])
    assert metrics["model"] == "sliding_window"
    assert metrics["classifier_evaluations_per_image"] == (16 * 16 + 8 * 8 + 4 * 4) * 6
    assert 0.0 <= metrics["test"]["map"] <= metrics["test"]["map50"] <= 1.0
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    evaluated = main(["evaluate", "--run", str(run_dir)])
    assert evaluated["test"]["map50"] == pytest.approx(metrics["test"]["map50"])
    assert main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])["max_abs_difference"] <= 1e-4
