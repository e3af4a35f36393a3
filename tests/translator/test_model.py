"""The three models: save/load round trips, masks, attention weights."""

import keras
import numpy as np
import pytest

from apps.translator.config import TranslatorConfig
from apps.translator.model import build_model

SMALL = dict(units=8, embedding_dim=8, feedforward_dim=16, num_heads=2, num_layers=1, max_length=8)


@pytest.mark.parametrize("model_name,extra", [("attention", {"attention": "bahdanau", "cell": "lstm"}),
                                              ("attention", {"attention": "luong"}),
                                              ("seq2seq", {}), ("transformer", {})])
def test_save_and_load_give_equal_outputs(tmp_path, model_name, extra):
    model = build_model(TranslatorConfig(model=model_name, **SMALL, **extra), 12, 10)
    source = np.array([[4, 5, 6, 0], [7, 0, 0, 0]], "int32")
    target_in = np.array([[2, 4, 5], [2, 6, 0]], "int32")
    expected = keras.ops.convert_to_numpy(model((source, target_in)))
    assert expected.shape == (2, 3, 10)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded((source, target_in))), expected, atol=1e-6)
    assert loaded.get_config() == model.get_config()


@pytest.mark.parametrize("model_name", ["attention", "transformer"])
def test_padding_gets_zero_attention_and_does_not_change_outputs(model_name):
    model = build_model(TranslatorConfig(model=model_name, **SMALL), 12, 10)
    source = np.array([[4, 5, 6, 0, 0]], "int32")
    target_in = np.array([[2, 4, 5]], "int32")
    weights = keras.ops.convert_to_numpy(model.attention_weights(source, target_in))
    assert weights.shape == (1, 3, 5)
    np.testing.assert_allclose(weights[..., 3:], 0.0, atol=1e-7)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    shorter = keras.ops.convert_to_numpy(model((source[:, :3], target_in)))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model((source, target_in))), shorter, atol=1e-5)


def test_seq2seq_has_no_attention():
    model = build_model(TranslatorConfig(model="seq2seq", **SMALL), 12, 10)
    assert model.attention_layer is None and model.attention_weights(np.ones((1, 2), "int32"), np.ones((1, 2), "int32")) is None
