"""Large images: random training crops, whole-image and overlap-tile prediction, and the
defaults resolved from the data (saved in config.json, the same on resume)."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from apps.segmenter import main
from apps.segmenter.app import APP
from apps.segmenter.config import SegmenterConfig
from apps.segmenter.data import make_dataset
from apps.segmenter.serving import inference_model
from apps.segmenter.tiles import ExtractTiles, StitchTiles
from shared.errors import UsageError
from shared.images import encode_png
from tests.helpers import write_png
from tests.segmenter.test_masks import write_masks


def test_training_crops_are_the_same_window_of_image_and_mask():
    y = np.random.default_rng(0).integers(0, 3, size=(6, 32, 32)).astype("int32")
    x = np.repeat((y * 40.0)[..., None], 3, axis=-1).astype("float32")
    images, masks = next(iter(make_dataset(x, y, 6, shuffle=True, seed=3, crop=16)))
    assert images.shape == (6, 16, 16, 3) and masks.shape == (6, 16, 16)
    np.testing.assert_array_equal(images.numpy()[..., 0], masks.numpy() * 40.0)
    whole = next(iter(make_dataset(x, y, 6)))[0]
    assert whole.shape == (6, 32, 32, 3)  # validation and test: whole images


def pointwise_network(classes=3):
    """A network without spatial context: tiles must stitch back to exactly its whole-image output."""
    images = keras.Input((None, None, 3))
    hidden = keras.layers.Conv2D(5, 1, activation="relu")(keras.layers.Rescaling(1 / 255.0)(images))
    return keras.Model(images, keras.layers.Conv2D(classes, 1, activation="softmax")(hidden))


def test_overlap_tiles_stitch_to_the_whole_image_prediction():
    network = pointwise_network()
    x = np.random.default_rng(1).uniform(0, 255, size=(2, 72, 72, 3)).astype("float32")
    images = keras.Input((None, None, 3))
    stitched = keras.Model(images, StitchTiles(32, 8)([network(ExtractTiles(32, 8)(images)), images]))
    np.testing.assert_allclose(stitched.predict(x, verbose=0), network.predict(x, verbose=0), atol=1e-6)
    assert ExtractTiles(32, 8)(tf.constant(x)).shape == (2 * 9, 32, 32, 3)  # 3 x 3 tiles, the last flush
    small = x[:, :24, :24]  # no larger than a tile: one tile, the whole image itself
    np.testing.assert_allclose(stitched.predict(small, verbose=0), network.predict(small, verbose=0), atol=1e-6)


def test_model_keras_tiles_images_larger_than_the_limit_like_the_whole_image(tmp_path):
    network = pointwise_network(2)
    whole = inference_model(network, 64, ["background", "foreground"], [0, 255])
    tiled = inference_model(network, 64, ["background", "foreground"], [0, 255], tile=32)
    assert "extract_tiles" in [layer.name for layer in tiled.layers]
    tiled.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    payload = tf.constant([encode_png(np.random.default_rng(2).integers(0, 255, (50, 70, 3)))])
    expected, got = whole.predict(payload, verbose=0), reloaded.predict(payload, verbose=0)
    np.testing.assert_allclose(got["probabilities"], expected["probabilities"], atol=1e-5)
    assert got["mask"].shape == (1, 50, 70) and set(np.unique(got["mask"])) <= {0, 255}


def test_defaults_on_generated_scenes_are_todays_values():
    config = SegmenterConfig()
    resolved = {}
    config = APP.resolve(config, {**APP.scan(config), "train_examples": 780}, (), resolved)
    assert (config.image_size, config.crop, config.depth, config.base_filters) == (64, 64, 3, 8)
    assert (config.batch_size, config.epochs, config.patience, config.lr_schedule) == (16, 10, 5, "constant")
    assert (config.loss, config.jitter, config.augment_scale) == ("ce", 0.0, 0.75)
    assert resolved["steps"]["value"] == 10 * 49


def test_large_images_resolve_a_scale_and_random_crops(tmp_path):
    for index in range(6):
        write_png(tmp_path / "images" / f"i{index}.png", np.zeros((512, 512, 3)))
        write_png(tmp_path / "masks" / f"i{index}.png", np.zeros((512, 512)))
    config = SegmenterConfig(data=str(tmp_path))
    profile = APP.scan(config)
    assert profile["images"] == 6 and profile["typical_side"] == 512
    resolved = {}
    config = APP.resolve(config, {**profile, "device": "cpu"}, ("patience",), resolved)
    assert config.image_size == 144 and config.crop == 96 and "crops" in resolved["crop"]["reason"]
    assert config.lr_schedule == "warmup_cosine" and "patience" not in resolved
    config = APP.resolve(config, {**profile, "device": "cpu", "train_examples": 300}, (), resolved)
    assert config.steps == resolved["steps"]["value"] and config.epochs == -(-config.steps // 38)


def test_resolved_defaults_are_saved_and_reused_on_resume(tmp_path):
    root = write_masks(tmp_path / "data", "0/255", count=10)
    run_dir = tmp_path / "run"
    argv = ["train", "--data", str(root), "--run-dir", str(run_dir), "--image-size", "32", "--base-filters", "4",
            "--depth", "2", "--steps", "2", "--batch-size", "4"]
    main(argv)
    first = json.loads((run_dir / "config.json").read_text())
    assert {"crop", "mask_values", "epochs", "patience", "lr_schedule"} <= set(first["resolved"])
    assert first["config"]["crop"] == 32 and first["config"]["epochs"] == 1
    again = main(argv)  # the same folder: the same resolved values, the finished run kept
    assert json.loads((run_dir / "config.json").read_text())["resolved"] == first["resolved"]
    assert again["test"] == json.loads((run_dir / "metrics.json").read_text())["test"]
    with pytest.raises(UsageError, match="other options"):
        main([*argv, "--crop", "16"])
