"""RoiPooling: hand-checked bins, every argument in the config, save/load."""

import keras
import numpy as np
import pytest

from shared.layers.roi_pooling import RoiPooling
from tests.layer_test_case import run_layer_test


def feature_grid():
    """A (1, 4, 4, 2) map: channel 0 holds 0..15 row-major, channel 1 its negation."""
    values = np.arange(16, dtype="float32").reshape(4, 4)
    return np.stack([values, -values], axis=-1)[None]


def test_whole_map_into_two_by_two_bins_keeps_each_quadrant_maximum():
    boxes = np.array([[[0, 0, 4, 4]]], "float32")
    pooled = np.asarray(RoiPooling(2)(feature_grid(), boxes))
    assert pooled.shape == (1, 1, 2, 2, 2)
    np.testing.assert_array_equal(pooled[0, 0, :, :, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(pooled[0, 0, :, :, 1], [[0, -2], [-8, -10]])


def test_spatial_scale_maps_input_pixels_to_cells():
    # A box in 16-px input coordinates with stride 4: cells 1..2 x 2..3.
    boxes = np.array([[[4, 8, 12, 16], [0, 0, 2, 2]]], "float32")
    pooled = np.asarray(RoiPooling(1, spatial_scale=0.25)(feature_grid(), boxes))
    assert pooled[0, 0, 0, 0, 0] == 14  # max of rows 2..3, columns 1..2
    assert pooled[0, 1, 0, 0, 0] == 0  # a box inside cell (0, 0)


def test_small_region_repeats_cells_and_outside_bins_are_zero():
    boxes = np.array([[[1, 1, 2, 2], [8, 8, 12, 12]]], "float32")
    pooled = np.asarray(RoiPooling(3)(feature_grid(), boxes))
    np.testing.assert_array_equal(pooled[0, 0, :, :, 0], np.full((3, 3), 5.0))  # one cell, every bin
    np.testing.assert_array_equal(pooled[0, 1], np.zeros((3, 3, 2)))  # beyond the map


def test_layer_contract():
    boxes = np.array([[[0, 0, 16, 16], [2, 4, 9, 12]]] * 2, "float32")
    features = np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")
    run_layer_test(RoiPooling, {"pool_size": 5, "spatial_scale": 0.125}, input_data=[features, boxes],
                   expected_output_shape=(2, 2, 5, 5, 3))


def test_bad_values_fail():
    with pytest.raises(ValueError, match="pool_size"):
        RoiPooling(0)
    with pytest.raises(ValueError, match="spatial_scale"):
        RoiPooling(2, spatial_scale=0)


def test_model_with_the_layer_saves_and_reloads(tmp_path):
    features = keras.Input((8, 8, 3))
    boxes = keras.Input((2, 4))
    pooled = RoiPooling(2, spatial_scale=0.5)(features, boxes)
    assert tuple(pooled.shape) == (None, 2, 2, 2, 3)
    model = keras.Model([features, boxes], pooled)
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(2, 8, 8, 3)).astype("float32"), np.array([[[0, 0, 16, 16], [2, 4, 9, 12]]] * 2, "float32")]
    model.save(tmp_path / "roi.keras")
    reloaded = keras.saving.load_model(tmp_path / "roi.keras", safe_mode=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), reloaded.predict(x, verbose=0))
    expected = x[0][:, :4, :4].max(axis=(1, 2))  # bin (0, 0) of the whole-map box: cells 0..3
    np.testing.assert_allclose(model.predict(x, verbose=0)[:, 0, 0, 0], expected)
