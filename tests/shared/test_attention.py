"""The shared attention layers: shapes, masks, weights and round trips."""

import keras
import numpy as np
import pytest

from shared.layers.attention import (
    AttentionPooling,
    BahdanauAttention,
    LuongAttention,
    masked_softmax,
)
from tests.layer_test_case import run_layer_test

RNG = np.random.default_rng(0)
VALUES = RNG.normal(size=(2, 5, 6)).astype("float32")
MASK = np.array([[True] * 5, [True, True, True, False, False]])


def attention_layers():
    return [BahdanauAttention(4), LuongAttention("general"), LuongAttention("dot", scale=True)]


@pytest.mark.parametrize("layer", attention_layers(), ids=lambda layer: layer.name)
def test_weights_sum_to_one_and_padding_gets_none(layer):
    query = RNG.normal(size=(2, 3, 6)).astype("float32")
    context, weights = layer(query, VALUES, mask=MASK)
    context, weights = np.asarray(context), np.asarray(weights)
    assert context.shape == (2, 3, 6) and weights.shape == (2, 3, 5)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    assert np.all(weights[1, :, 3:] == 0.0)
    expected = np.einsum("bqt,btd->bqd", weights, VALUES)
    np.testing.assert_allclose(context, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layer", attention_layers(), ids=lambda layer: layer.name)
def test_single_query_vector_drops_the_query_axis(layer):
    context, weights = layer(VALUES[:, 0], VALUES, mask=MASK)
    assert tuple(context.shape) == (2, 6) and tuple(weights.shape) == (2, 5)


def test_padding_does_not_change_the_context():
    layer = BahdanauAttention(4)
    query = RNG.normal(size=(1, 6)).astype("float32")
    short, _ = layer(query, VALUES[1:, :3])
    padded = VALUES[1:].copy()
    padded[:, 3:] = 99.0
    long, _ = layer(query, padded, mask=MASK[1:])
    np.testing.assert_allclose(np.asarray(short), np.asarray(long), rtol=1e-5, atol=1e-6)


def test_dot_score_picks_the_matching_key():
    keys = np.eye(4, dtype="float32")[None] * 10.0
    _, weights = LuongAttention("dot")(keys[:, 2], keys)
    assert int(np.argmax(np.asarray(weights)[0])) == 2


def test_dot_score_refuses_unequal_sizes():
    with pytest.raises(ValueError, match="one size"):
        LuongAttention("dot")(np.zeros((1, 3), "float32"), VALUES[:1])


def test_fully_masked_row_gives_zero_weights_not_nan():
    weights = np.asarray(masked_softmax(np.zeros((1, 3), "float32"), np.zeros((1, 3), bool)))
    assert np.all(weights == 0.0)


def test_attention_pooling_uses_the_embedding_mask():
    tokens = keras.Input((5,), dtype="int32")
    embedded = keras.layers.Embedding(10, 6, mask_zero=True)(tokens)
    pooled, weights = AttentionPooling(4, return_weights=True)(embedded)
    model = keras.Model(tokens, [pooled, weights])
    out, w = model.predict(np.array([[3, 4, 0, 0, 0]]), verbose=0)
    assert out.shape == (1, 6) and np.all(w[0, 2:] == 0.0)
    np.testing.assert_allclose(w.sum(), 1.0, rtol=1e-5)


@pytest.mark.parametrize("cls,kwargs", [(BahdanauAttention, {"units": 4}),
                                        (LuongAttention, {"score_mode": "general"}),
                                        (LuongAttention, {"score_mode": "dot", "scale": True})])
def test_attention_layer_contract(cls, kwargs):
    run_layer_test(cls, kwargs, input_data=[VALUES[:, :3], VALUES],
                   expected_output_shape=[(2, 3, 6), (2, 3, 5)])


@pytest.mark.parametrize("return_weights", [False, True])
def test_attention_pooling_layer_contract(return_weights):
    shapes = [(2, 6), (2, 5)] if return_weights else (2, 6)
    run_layer_test(AttentionPooling, {"units": 3, "return_weights": return_weights}, input_data=VALUES,
                   expected_output_shape=shapes)


def test_model_with_attention_reloads_with_equal_outputs(tmp_path):
    query, values = keras.Input((6,)), keras.Input((5, 6))
    context, _ = BahdanauAttention(4)(query, values)
    context2, _ = LuongAttention("general")(context, values)
    pooled = AttentionPooling(3)(values)
    model = keras.Model([query, values], [context2, pooled])
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    inputs = [VALUES[:, 0], VALUES]
    for a, b in zip(model.predict(inputs, verbose=0), again.predict(inputs, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
