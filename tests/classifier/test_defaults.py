"""Defaults resolved from the data profile: photos vs the built-in digits, resume, lr-find, TTA."""

import json

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from PIL import Image

from apps.classifier import defaults, main
from apps.classifier.app import APP
from apps.classifier.config import ClassifierConfig
from apps.classifier.data import read_inputs
from apps.classifier.evaluation import probabilities
from apps.classifier.model import build_model, space_to_depth
from shared.backbones import build_backbone
from shared.cli import build_config
from tests.helpers import event_tags

pytestmark = pytest.mark.slow  # end-to-end photo-recipe runs (about 4 minutes): make test-all

DIGITS_TODAY = {"image_size": 16, "width": 16, "batch_size": 64, "epochs": 25, "patience": 5,
                "augmentation": "geometric", "augment_strength": 1.0, "label_smoothing": 0.0,
                "weight_decay": 0.0, "warmup_fraction": 0.0}
QUICK = ["--image-size", "24", "--epochs", "1", "--width", "4", "--patience", "0"]


def write_photos(root, per_class=12, val=4, size=(120, 90)):
    """root/train/<class>/*.jpg and root/val/<class>/*.jpg: coloured blobs on noise, as JPEG."""
    rng = np.random.default_rng(0)
    colours = {"red": (220, 40, 40), "green": (40, 200, 60), "blue": (40, 70, 230)}
    for split, count in (("train", per_class), ("val", val)):
        for name, colour in colours.items():
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for index in range(count):
                pixels = rng.integers(0, 80, (size[1], size[0], 3))
                top, left = rng.integers(0, size[1] // 2), rng.integers(0, size[0] // 2)
                pixels[top: top + size[1] // 2, left: left + size[0] // 2] = colour
                Image.fromarray(pixels.astype("uint8")).save(folder / f"{name}-{index:02d}.jpg", quality=90)
    return root


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    return write_photos(tmp_path_factory.mktemp("photos") / "photos")


def resolved_values(options, given=()):
    config = build_config(ClassifierConfig, options)
    config, data, resolved = APP.prepare(config, given)
    return config, data, {name: entry["value"] for name, entry in resolved.items()}


def test_digits_resolve_to_todays_defaults():
    config, _, values = resolved_values({})
    assert {name: values[name] for name in DIGITS_TODAY} == DIGITS_TODAY
    assert config.learning_rate == 1e-3 and config.mixup is False and config.tta is False


def test_photo_folder_resolves_the_photo_recipe(photos):
    config, data, values = resolved_values({"data": str(photos)})
    assert values["image_size"] == 90  # the median shorter side, under the CPU cap
    assert data.image_shape == (90, 90, 3)
    assert values["augmentation"] == "photo" and values["label_smoothing"] == 0.1
    assert values["stem_stride"] == 2  # the backbone works at 45 px
    assert values["weight_decay"] > 0 and values["warmup_fraction"] > 0
    assert values["batch_size"] == 32
    per_epoch = -(-len(data.y_train) // 32)
    assert values["epochs"] == defaults.PHOTO_EPOCHS and values["epochs"] * per_epoch >= 10 * per_epoch
    assert values["patience"] == values["epochs"] // 2
    assert len(data.y_test) == 12  # val/ is the held-out test split ...
    assert len(data.y_train) + len(data.y_val) == 36  # ... and validation comes out of train/


def test_large_photos_are_capped_on_cpu(tmp_path):
    config, _, values = resolved_values({"data": str(write_photos(tmp_path, 3, 1, (400, 300)))})
    assert values["image_size"] == defaults.PHOTO_SIZE["cpu"]
    small = defaults.image_size_rule({"format": "folder", "median_side": 28}, gpu=False)
    assert small[0] == 28 and defaults.image_size_rule({"format": "folder", "median_side": 400}, True)[0] == 224


def test_given_options_are_kept_and_feed_the_other_rules(photos):
    config, data, values = resolved_values({"data": str(photos), "batch_size": 4, "steps": 90},
                                           given=("batch_size", "steps"))
    assert "batch_size" not in values and config.batch_size == 4
    assert values["epochs"] == -(-90 // -(-len(data.y_train) // 4))


def test_resolved_values_are_reused_on_resume(photos, tmp_path, monkeypatch):
    argv = ["train", "--data", str(photos), "--run-dir", str(tmp_path / "run"), *QUICK]
    first = main(argv)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())["resolved"]
    assert saved["augment_strength"]["value"] == 1.0 and "reason" in saved["augment_strength"]
    monkeypatch.setattr(defaults, "LARGE_DATA", 1)  # the rule now says half strength
    assert resolved_values({"data": str(photos)})[2]["augment_strength"] == 0.5
    config, _, _ = APP.prepare(build_config(ClassifierConfig, {"data": str(photos), "run_dir": str(tmp_path / "run")}))
    assert config.augment_strength == 1.0  # the run's own value
    assert main(argv) == first  # no "holds a run with other options"


def test_lr_find_writes_the_curve_and_sets_the_rate(photos, tmp_path):
    run = tmp_path / "run"
    main(["train", "--data", str(photos), "--run-dir", str(run), *QUICK, "--lr-find", "--cutmix"])
    record = json.loads((run / "config.json").read_text())
    entry = record["resolved"]["learning_rate"]
    curve = json.loads((run / "lr_find.json").read_text())
    assert "lr-find" in entry["reason"] and entry["value"] == pytest.approx(curve["suggestion"])
    assert record["config"]["learning_rate"] == pytest.approx(curve["suggestion"])
    assert (run / "figures" / "lr_find.png").is_file()
    assert "lr_find/loss" in event_tags(run)["lr_find"]
    given = tmp_path / "given"
    main(["train", "--data", str(photos), "--run-dir", str(given), *QUICK, "--lr-find", "--learning-rate", "0.003"])
    record = json.loads((given / "config.json").read_text())
    assert record["config"]["learning_rate"] == 0.003 and "learning_rate" not in record["resolved"]
    assert (given / "figures" / "lr_find.png").is_file()


def test_tta_is_the_mean_of_the_image_and_its_mirror():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    x = np.random.default_rng(0).uniform(0, 255, (5, 8, 8, 3)).astype("float32")
    expected = (model.predict(x, verbose=0) + model.predict(x[:, :, ::-1], verbose=0)) / 2
    np.testing.assert_allclose(probabilities(model, x, tta=True), expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(probabilities(model, x), expected)


def test_tta_in_evaluate_and_predict(photos, tmp_path):
    run = tmp_path / "run"
    main(["train", "--data", str(photos), "--run-dir", str(run), *QUICK, "--mixup"])
    plain = main(["evaluate", "--run", str(run)])
    flipped = main(["evaluate", "--run", str(run), "--tta"])
    assert flipped["tta"] is True and plain["tta"] is False
    assert flipped["test"]["examples"] == plain["test"]["examples"] == 12
    files = sorted((photos / "val" / "red").glob("*.jpg"))[:2]
    rows = main(["predict", "--run", str(run), "--tta", *map(str, files)])["predictions"]
    network = keras.saving.load_model(run / "checkpoints" / "best.keras")
    images, _ = read_inputs(files, 24, 3, False)
    expected = probabilities(network, images, tta=True)
    assert [row["file"] for row in rows] == list(map(str, files))
    assert [row["label"] for row in rows] == [["blue", "green", "red"][i] for i in expected.argmax(axis=1)]
    np.testing.assert_allclose([row["probability"] for row in rows], expected.max(axis=1), atol=1e-5)


def test_two_phase_fine_tune_from_a_local_weights_file_keeps_batchnorm_in_inference(tmp_path):
    source, _ = build_backbone("resnet", (16, 16, 1), width=4)
    source.save_weights(tmp_path / "b.weights.h5")
    main(["train", "--run-dir", str(tmp_path / "w"), "--weights", str(tmp_path / "b.weights.h5"), "--epochs", "1",
          "--fine-tune-epochs", "1", "--unfreeze-blocks", "2", "--width", "4", "--max-train-samples", "128",
          "--channels", "1", "--patience", "0"])
    tuned = keras.saving.load_model(tmp_path / "w" / "checkpoints" / "best.keras").get_layer("backbone")
    pairs = [(before.path, before.numpy(), after.numpy()) for before, after in zip(source.weights, tuned.weights)]
    batch_norm = [p for p in pairs if any(k in p[0] for k in ("moving_mean", "moving_variance", "gamma", "beta"))]
    kernels = [p for p in pairs if p[0].endswith("kernel")]
    assert batch_norm and all(np.array_equal(before, after) for _, before, after in batch_norm)
    assert np.array_equal(kernels[0][1], kernels[0][2])  # the bottom blocks stay as loaded
    assert not np.array_equal(kernels[-1][1], kernels[-1][2])  # the top blocks trained
    assert pd.read_csv(tmp_path / "w" / "history.csv")["phase"].tolist() == ["head", "fine_tune"]


def test_space_to_depth_stem_keeps_every_pixel():
    images = keras.Input((8, 8, 3))
    model = keras.Model(images, space_to_depth(images, 2))
    x = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), tf.nn.space_to_depth(x, 2).numpy())
    config = build_config(ClassifierConfig, {"stem_stride": 2, "width": 4})
    classifier, backbone = build_model(config, (16, 16, 3), 3, augment=False)
    assert backbone.input_shape == (None, 8, 8, 12) and classifier.output_shape == (None, 3)
