"""The three models: save/load round trips, masks, attention weights; model.keras."""

import keras
import numpy as np
import pytest

from apps.translator.config import TranslatorConfig
from apps.translator.inference import Translator, build_inference_model
from apps.translator.model import build_model
from shared.text import Vocabulary, train_tokenizer

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


@pytest.mark.parametrize("kind,model_name", [("word", "attention"), ("sentencepiece", "transformer")])
def test_the_inference_model_reloads_in_safe_mode_and_translates_the_same(tmp_path, kind, model_name):
    sources = ["one two three", "four five", "six", "seven eight nine ten"] * 4
    targets = ["un deux trois", "quatre cinq", "six", "sept huit neuf dix"] * 4
    tokenizers = tuple(train_tokenizer(kind, side, 40) for side in (sources, targets))
    vocabularies = tuple(Vocabulary.build(t.tokenize(side)) for t, side in zip(tokenizers, (sources, targets)))
    network = build_model(TranslatorConfig(model=model_name, **SMALL), len(vocabularies[0]), len(vocabularies[1]))
    model = build_inference_model(network, tokenizers, vocabularies, 8)
    inputs = np.array(["one two", "Zzz unknown!", "six", ""], dtype=object)
    expected = Translator(model).translate(list(inputs))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert [t.decode() for t in loaded.predict(inputs, verbose=0)["translation"]] == expected
    assert Translator(loaded).translate(list(inputs), beam=2) == Translator(model).translate(list(inputs), beam=2)
    for got, want in zip(loaded.get_layer("decoder").network.get_weights(), network.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert loaded.get_layer("source_text").kind == kind and loaded.get_layer("decoder").steps == 9
