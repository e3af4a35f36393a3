"""The one text stack: normalisation, the three tokenizer kinds, the layers that carry them."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from shared.text import (
    END_ID,
    SPECIALS,
    START_ID,
    IdsToText,
    TextToIds,
    Vocabulary,
    WordTokenizer,
    train_tokenizer,
)
from tests.layer_test_case import run_layer_test

TRAIN = ["The cat sat on the mat.", "A dog ran, then sat!", "Quatre-vingts chats ?", "the mat is red"] * 8
TEXTS = np.array(["the cat ran", "Quatre-vingts dogs sat on a mat.", "zebra!"], dtype=object)


def tokenizer_and_vocabulary(kind):
    tokenizer = train_tokenizer(kind, TRAIN, vocab_size=60)
    return tokenizer, tokenizer.vocabulary(TRAIN)


def test_words_and_punctuation_round_trip_to_the_lower_cased_text():
    tokenizer = WordTokenizer()
    tokens = tokenizer.tokenize(["Quatre-vingts ans.", "Va !", "Go."])
    assert tokens == [["quatre", "￭-￭", "vingts", "ans", "￭."], ["va", "!"], ["go", "￭."]]
    assert tokenizer.detokenize(tokens) == ["quatre-vingts ans.", "va !", "go."]


def test_vocabulary_puts_the_special_tokens_first_and_counts_words():
    vocabulary = Vocabulary.build([["b", "a", "b"], ["c"]], min_count=1)
    assert vocabulary.tokens == [*SPECIALS, "b", "a", "c"]
    ids = vocabulary.encode([["a", "z"]], length=5, add_start=True, add_end=True)
    assert ids.tolist() == [[START_ID, 5, 1, END_ID, 0]]
    assert vocabulary.decode(ids) == [["a", "[UNK]"]]
    with pytest.raises(ValueError, match="special tokens"):
        TextToIds("word", ["a", "b"])


def test_the_layer_gives_the_vocabularys_ids():
    tokenizer, vocabulary = tokenizer_and_vocabulary("word")
    layer = TextToIds.from_tokenizer(tokenizer, vocabulary, sequence_length=7, add_start=True, add_end=True)
    expected = vocabulary.encode(tokenizer.tokenize(list(TEXTS)), 7, add_start=True, add_end=True)
    np.testing.assert_array_equal(layer(TEXTS).numpy(), expected)


@pytest.mark.parametrize("kind", ["word", "wordpiece", "sentencepiece"])
def test_same_ids_in_tf_data_in_a_reloaded_keras_model_and_in_a_saved_model(kind, tmp_path):
    tokenizer, vocabulary = tokenizer_and_vocabulary(kind)
    to_ids = TextToIds.from_tokenizer(tokenizer, vocabulary, sequence_length=12, add_end=True)
    eager = to_ids(TEXTS).numpy()
    batches = tf.data.Dataset.from_tensor_slices(TEXTS).batch(2).map(to_ids)
    np.testing.assert_array_equal(np.concatenate([b.numpy() for b in batches]), eager)
    strings = keras.Input((), dtype="string")
    ids = to_ids(strings)
    model = keras.Model(strings, [ids, IdsToText.from_tokenizer(tokenizer, vocabulary)(ids)])
    model.save(tmp_path / "text.keras")
    reloaded = keras.saving.load_model(tmp_path / "text.keras", safe_mode=True)
    ids_back, texts_back = reloaded.predict(TEXTS, verbose=0)
    np.testing.assert_array_equal(ids_back, eager)
    module = tf.Module()
    module.model = reloaded
    module.serve = tf.function(lambda text: {"ids": reloaded(text)[0]},
                               input_signature=[tf.TensorSpec([None], tf.string)])
    tf.saved_model.save(module, str(tmp_path / "saved"), signatures={"serving_default": module.serve})
    served = tf.saved_model.load(str(tmp_path / "saved")).signatures["serving_default"]
    np.testing.assert_array_equal(served(text=tf.constant(TEXTS))["ids"].numpy(), eager)
    assert [t.decode() for t in texts_back[:1]] == ["the cat ran"]  # every word of it was seen


@pytest.mark.parametrize("kind", ["word", "sentencepiece"])
def test_text_layers_keep_the_layer_contract(kind):
    tokenizer, vocabulary = tokenizer_and_vocabulary(kind)
    layer = TextToIds.from_tokenizer(tokenizer, vocabulary, sequence_length=6, add_start=True)
    run_layer_test(TextToIds, layer.get_config(), input_data=TEXTS, expected_output_shape=(3, 6),
                   run_training_check=False)
    ids = layer(TEXTS).numpy()
    run_layer_test(IdsToText, IdsToText.from_tokenizer(tokenizer, vocabulary).get_config(), input_data=ids,
                   expected_output_shape=(3,), run_training_check=False)


def test_ids_to_text_stops_at_the_end_token():
    vocabulary = Vocabulary(["hi", "you"])
    layer = IdsToText("word", vocabulary.tokens)
    texts = layer(np.array([[START_ID, 4, 5, END_ID, 4], [4, 0, 0, 0, 0]])).numpy()
    assert [t.decode() for t in texts] == ["hi you", "hi"]


def test_punctuation_modes():
    texts = ["I'll pay -3 dollars, OK?", "Not bad, at all!"]
    sentence = WordTokenizer(punctuation="sentence")
    assert sentence.tokenize(texts) == [["i'll", "pay", "-3", "dollars", ",", "ok", "?"],
                                        ["not", "bad", ",", "at", "all", "!"]]
    assert sentence.detokenize(sentence.tokenize(texts)) == ["i'll pay -3 dollars, ok?", "not bad, at all!"]
    assert WordTokenizer(punctuation="drop").tokenize(texts) == [["i", "ll", "pay", "3", "dollars", "ok"],
                                                                 ["not", "bad", "at", "all"]]
    with pytest.raises(ValueError, match="punctuation"):
        WordTokenizer(punctuation="keep")


def test_the_mode_travels_with_the_layer():
    tokenizer = WordTokenizer(punctuation="sentence")
    vocabulary = tokenizer.vocabulary(["i'll go, ok"])
    layer = TextToIds.from_tokenizer(tokenizer, vocabulary, sequence_length=5)
    clone = TextToIds.from_config(layer.get_config())
    assert clone.punctuation == "sentence"
    ids = clone(np.array(["I'll go, ok"], dtype=object)).numpy()
    assert [vocabulary.tokens[i] for i in ids[0][:4]] == ["i'll", "go", ",", "ok"]
