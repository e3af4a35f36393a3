"""UNetConvBlock: every argument back, config and file round trips, a fit step."""

import keras
import numpy as np
import pytest

from shared.layers.unet_conv_block import UNetConvBlock
from tests.layer_test_case import run_layer_test

ARGUMENTS = dict(filters=6, batch_norm=False, dropout=0.25, activation="elu", kernel_initializer="glorot_uniform",
                 momentum=0.8)


@pytest.mark.parametrize("kwargs", [ARGUMENTS, dict(filters=4)])
def test_layer_contract(kwargs):
    run_layer_test(UNetConvBlock, kwargs, input_shape=(2, 8, 8, 3),
                   expected_output_shape=(2, 8, 8, kwargs["filters"]))


def test_one_fit_step_changes_both_convolutions():
    layer = UNetConvBlock(5)
    x = np.random.default_rng(1).normal(size=(2, 6, 6, 3)).astype("float32")
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
