"""UNetConvBlock: every argument back, config and file round trips, a fit step."""

import keras
import numpy as np
import pytest

from shared.layers.unet_conv_block import UNetConvBlock
from tests.shared.test_layers import normalise

ARGUMENTS = dict(filters=6, batch_norm=False, dropout=0.25, activation="elu", kernel_initializer="glorot_uniform",
                 momentum=0.8)


def test_every_constructor_argument_comes_back():
    config = UNetConvBlock(**ARGUMENTS).get_config()
    for name, value in ARGUMENTS.items():
        assert normalise(config[name]) == normalise(value), name
    clone = UNetConvBlock.from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("kwargs", [ARGUMENTS, dict(filters=4)])
def test_model_file_reloads_with_equal_outputs(kwargs, tmp_path):
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, UNetConvBlock(**kwargs)(inputs))
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), reloaded.predict(x, verbose=0), atol=1e-5)
    assert model.output_shape == (None, 8, 8, kwargs["filters"])


def test_shape_and_one_fit_step_changes_both_convolutions():
    layer = UNetConvBlock(5)
    x = np.random.default_rng(1).normal(size=(2, 6, 6, 3)).astype("float32")
    assert tuple(layer(x).shape) == tuple(layer.compute_output_shape(x.shape)) == (2, 6, 6, 5)
    model = keras.Sequential([keras.Input((6, 6, 3)), layer])
    model.compile("sgd", "mse")
    before = [w.numpy().copy() for w in layer.trainable_weights]
    model.fit(x, np.ones((2, 6, 6, 5), "float32"), epochs=1, verbose=0)
    assert all(not np.allclose(b, w.numpy()) for b, w in zip(before, layer.trainable_weights, strict=True))


def test_bad_arguments_quote_the_value():
    with pytest.raises(ValueError, match="1.5"):
        UNetConvBlock(4, dropout=1.5)
    with pytest.raises(ValueError, match="0"):
        UNetConvBlock(0)
