"""UNetUpBlock: every argument back, each up-sampling, file round trip, gradients."""

import keras
import numpy as np
import pytest

from shared.layers.unet_up_block import UNetUpBlock
from tests.shared.test_layers import normalise

ARGUMENTS = dict(filters=6, upsampling="bilinear", batch_norm=False, dropout=0.1, activation="tanh",
                 kernel_initializer="glorot_normal")


def test_every_constructor_argument_comes_back():
    config = UNetUpBlock(**ARGUMENTS).get_config()
    for name, value in ARGUMENTS.items():
        assert normalise(config[name]) == normalise(value), name
    assert UNetUpBlock.from_config(config).get_config() == config


@pytest.mark.parametrize("upsampling", ["transpose", "bilinear", "nearest"])
def test_each_upsampling_reloads_with_equal_outputs(upsampling, tmp_path):
    low, skip = keras.Input((4, 4, 8)), keras.Input((8, 8, 3))
    model = keras.Model([low, skip], UNetUpBlock(5, upsampling=upsampling)([low, skip]))
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(2, 4, 4, 8)).astype("float32"), rng.normal(size=(2, 8, 8, 3)).astype("float32")]
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), reloaded.predict(x, verbose=0), atol=1e-5)
    assert model.output_shape == (None, 8, 8, 5)


def test_the_skip_connection_reaches_the_output():
    layer = UNetUpBlock(4, upsampling="nearest", batch_norm=False)
    low = np.zeros((1, 2, 2, 3), "float32")
    skip_a = np.zeros((1, 4, 4, 2), "float32")
    skip_b = np.random.default_rng(2).normal(size=(1, 4, 4, 2)).astype("float32")
    assert not np.allclose(layer([low, skip_a]), layer([low, skip_b]))
    assert tuple(layer.compute_output_shape([low.shape, skip_a.shape])) == (1, 4, 4, 4)


def test_bad_upsampling_quotes_the_value():
    with pytest.raises(ValueError, match="'cubic'"):
        UNetUpBlock(4, upsampling="cubic")
