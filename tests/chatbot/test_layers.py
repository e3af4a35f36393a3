"""The chatbot's layers: masks, outputs, config and serialization round trips."""

import keras
import numpy as np
import pytest

from apps.chatbot.config import ChatbotConfig
from apps.chatbot.decoding import ResponseBank
from apps.chatbot.inference import generative_bot, response_decoder, retrieval_bot
from apps.chatbot.layers import CopyGenerator, InBatchSimilarity, UtteranceEncoder
from apps.chatbot.model import build_generator, build_retrieval, side_encoder
from apps.chatbot.preprocessing import BertInputs, ContextIds
from apps.chatbot.turn_encoder import TurnAttentionEncoder
from shared.text import SPECIALS

WORDS = [*SPECIALS, "hi", "you", "red", "hat", "?"]
BERT_WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hi", "you", "red", "hat", "?"]

CASES = [
    (UtteranceEncoder, {"vocabulary_size": 30, "embedding_dim": 8, "units": 12,
                        "attention_units": 6, "dropout": 0.2}),
    (CopyGenerator, {"vocabulary_size": 30}),
    (InBatchSimilarity, {"scale": 7.5}),
    (TurnAttentionEncoder, {"vocabulary_size": 30, "embedding_dim": 8, "heads": 3,
                            "attention_units": 6, "dropout": 0.1}),
    (ContextIds, {"vocabulary": WORDS, "utterances": 3, "utterance_length": 5, "kind": "word", "proto": None,
                  "lowercase": True, "punctuation": "sentence", "separator": "||"}),
    (BertInputs, {"vocabulary": BERT_WORDS, "lowercase": True, "sequence_length": 8, "utterances": 3,
                  "side": "context", "separator": "||"}),
    (ResponseBank, {"candidates": ["red hat.", "hi you."], "top_k": 5}),
]


@pytest.mark.parametrize("cls, kwargs", CASES)
def test_config_returns_every_argument(cls, kwargs):
    layer = cls(**kwargs, name="layer")
    config = layer.get_config()
    assert {k: config[k] for k in kwargs} == kwargs
    assert cls.from_config(config).get_config() == config


def tokens():
    ids = np.zeros((2, 3, 5), "int32")
    ids[0, 1, :3] = [4, 5, 6]
    ids[0, 2, :2] = [7, 8]
    ids[1, 2, :4] = [9, 10, 11, 12]
    return ids


def test_utterance_encoder_masks_padding_and_empty_utterances():
    encoder = UtteranceEncoder(30, 8, 12, 6)
    vectors, word_states, word_mask, weights, present = (np.asarray(t) for t in encoder(tokens()))
    assert vectors.shape == (2, 3, 12) and word_states.shape == (2, 15, 12)
    np.testing.assert_array_equal(present, [[False, True, True], [False, False, True]])
    np.testing.assert_array_equal(word_mask, tokens().reshape(2, 15) != 0)
    np.testing.assert_allclose(weights.sum(-1), present.astype("float32"), atol=1e-5)
    assert np.all(weights[tokens() == 0] == 0) and np.all(vectors[~present] == 0)


def test_turn_attention_encoder_masks_padding_and_sees_turn_positions():
    encoder = TurnAttentionEncoder(30, 8, heads=3, attention_units=6)
    ids = tokens()
    out = np.asarray(encoder(ids))
    assert out.shape == (2, 24)
    assert np.asarray(encoder(np.zeros_like(ids))).max() == 0  # nothing to pool: zeros
    padded = np.concatenate([ids, np.zeros((2, 3, 4), "int32")], axis=2)  # longer padding
    padded_encoder = TurnAttentionEncoder(30, 8, heads=3, attention_units=6)
    padded_encoder(padded)
    padded_encoder.set_weights(encoder.get_weights())
    np.testing.assert_allclose(np.asarray(padded_encoder(padded)), out, atol=1e-5)
    encoder.positions.assign(np.arange(3 * 8, dtype="float32").reshape(3, 8) / 4.0)
    swapped = ids[:, [0, 2, 1]]  # the same words in other turns
    assert not np.allclose(np.asarray(encoder(swapped))[0], np.asarray(encoder(ids))[0])


def test_copy_generator_gives_a_distribution_that_can_copy():
    layer = CopyGenerator(30)
    logits = np.zeros((2, 4, 30), "float32")
    weights = np.zeros((2, 4, 15), "float32")
    weights[:, :, 5] = 1.0  # all attention on flat position 5: id 4 in row 0
    out = np.exp(np.asarray(layer(logits, weights, tokens(), np.ones((2, 4, 3), "float32"))))
    np.testing.assert_allclose(out.sum(-1), 1.0, atol=1e-4)
    assert out[0, 0, 4] > out[0, 0, 6]


def test_in_batch_similarity_ignores_repeated_responses():
    vectors = np.eye(3, dtype="float32")
    responses = np.array([[1, 2], [1, 2], [3, 0]], "int32")
    logits = np.asarray(InBatchSimilarity(10.0)(vectors, vectors, responses))
    np.testing.assert_allclose(np.diag(logits), 10.0)
    assert logits[0, 1] < -1e8 and logits[1, 0] < -1e8 and logits[0, 2] == 0.0


def test_models_with_the_layers_round_trip(tmp_path):
    config = ChatbotConfig(embedding_dim=8, units=12, attention_units=6, turns=1,
                           utterance_length=5, response_length=4)
    for model in (build_generator(config, 30), build_retrieval(config, 30)):
        inputs = {"context": tokens(), "decoder_input": np.ones((2, 5), "int32"),
                  "response": np.arange(8, dtype="int32").reshape(2, 1, 4)}
        inputs = {k: v for k, v in inputs.items() if k in model.input}
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        np.testing.assert_allclose(loaded(inputs), model(inputs), atol=1e-5)


def test_context_ids_keep_the_window_of_non_empty_turns_padded_at_the_start():
    layer = ContextIds(WORDS, utterances=2, utterance_length=3)
    ids = np.asarray(layer(np.array(["Red hat? || hi || you", "hi ||  ||", ""], dtype=object)))
    assert ids.shape == (3, 2, 3)
    np.testing.assert_array_equal(ids[0], [[4, 0, 0], [5, 0, 0]])  # the last two turns
    np.testing.assert_array_equal(ids[1], [[0, 0, 0], [4, 0, 0]])  # blank turns are no turns
    assert not ids[2].any()


def test_context_ids_split_the_sentence_marks_only_and_old_configs_reload_as_split():
    words = [*SPECIALS, "i'll", "take", "-3", ".", "?", "\uffed.", "i", "\uffed'\uffed", "ll"]
    layer = ContextIds(words, utterances=1, utterance_length=6)
    assert layer.punctuation == "sentence"  # the chatbot's rule: . , ! ? ; : " ( ) only
    ids = np.asarray(layer(np.array(["I'll take -3.", "i'll?"], dtype=object)))[:, 0]
    np.testing.assert_array_equal(ids, [[4, 5, 6, 7, 0, 0], [4, 8, 0, 0, 0, 0]])
    config = layer.get_config()
    assert ContextIds.from_config(config).punctuation == "sentence"
    del config["punctuation"]  # a model.keras saved before the mode was carried: shared.text's "split"
    old = ContextIds.from_config(config)
    assert old.punctuation == "split"
    np.testing.assert_array_equal(np.asarray(old(np.array(["i'll."], dtype=object)))[0, 0],
                                  [10, 11, 12, 9, 0, 0])


def test_bert_inputs_pack_contexts_and_responses():
    context = BertInputs(BERT_WORDS, sequence_length=6, utterances=2)
    out = {k: np.asarray(v) for k, v in context(np.array(["hi || red hat? || you"], dtype=object)).items()}
    # [CLS], then the last 5 of: red hat ? [SEP] you [SEP]
    np.testing.assert_array_equal(out["context_token_ids"], [[2, 8, 9, 3, 6, 3]])
    assert not out["context_segment_ids"].any() and out["context_padding_mask"].all()
    response = BertInputs(BERT_WORDS, sequence_length=5, side="response")
    out = {k: np.asarray(v) for k, v in response(np.array(["red hat? you", "hi"], dtype=object)).items()}
    np.testing.assert_array_equal(out["response_token_ids"], [[2, 7, 8, 9, 3], [2, 5, 3, 0, 0]])
    np.testing.assert_array_equal(out["response_padding_mask"][1], [True, True, True, False, False])


def test_response_bank_returns_the_nearest_responses():
    bank = ResponseBank(["a.", "b.", "c."], top_k=2)
    bank.build((None, 2))
    bank.set_embeddings(np.array([[1, 0], [0, 1], [0.6, 0.8]], "float32"))
    out = bank(np.array([[0.0, 1.0], [1.0, 0.0]], "float32"))
    assert [[c.decode() for c in row] for row in np.asarray(out["candidates"])] == [["b.", "c."], ["a.", "c."]]
    assert [r.decode() for r in np.asarray(out["response"])] == ["b.", "a."]
    np.testing.assert_allclose(np.asarray(out["scores"]), [[1.0, 0.8], [1.0, 0.6]], atol=1e-6)


def test_bots_round_trip_through_model_keras_in_safe_mode(tmp_path):
    config = ChatbotConfig(embedding_dim=8, units=12, attention_units=6, turns=1, utterance_length=5,
                           response_length=4, top_k=2)
    context_ids = ContextIds(WORDS, config.utterances, config.utterance_length, name="context_ids")
    generator = generative_bot(context_ids, response_decoder(build_generator(config, len(WORDS)), config))
    network = build_retrieval(config, len(WORDS))
    retriever = retrieval_bot(context_ids, side_encoder(network, "context"), ["red hat.", "hi you.", "you?"],
                              np.eye(3, config.projection_dim, dtype="float32"), config.top_k)
    conversations = np.array(["hi || red hat?", "you"], dtype=object)
    assert generator.get_layer("ids_to_text").punctuation == "sentence"  # as the context's words
    for model in (generator, retriever):
        model.save(tmp_path / f"{model.name}.keras")
        loaded = keras.saving.load_model(tmp_path / f"{model.name}.keras", safe_mode=True)
        expected, got = model.predict(conversations, verbose=0), loaded.predict(conversations, verbose=0)
        assert set(got) == set(expected) and "response" in got
        for name in expected:
            if expected[name].dtype == object:
                np.testing.assert_array_equal(got[name], expected[name])
            else:
                np.testing.assert_allclose(got[name], expected[name], atol=1e-6)
