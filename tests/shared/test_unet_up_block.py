"""UNetUpBlock: every argument back, each up-sampling, file round trip, gradients."""

import numpy as np
import pytest

from shared.layers.unet_up_block import UNetUpBlock
from tests.layer_test_case import run_layer_test

ARGUMENTS = dict(filters=6, upsampling="bilinear", batch_norm=False, dropout=0.1, activation="tanh",
                 kernel_initializer="glorot_normal")


@pytest.mark.parametrize("kwargs", [ARGUMENTS, dict(filters=5, upsampling="transpose"),
                                    dict(filters=5, upsampling="nearest")])
def test_layer_contract(kwargs):
    run_layer_test(UNetUpBlock, kwargs, input_shape=((2, 4, 4, 8), (2, 8, 8, 3)),
                   expected_output_shape=(2, 8, 8, kwargs["filters"]))


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
