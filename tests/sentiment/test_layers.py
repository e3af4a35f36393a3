"""The sentiment layers: the bag of words on TextToIds ids, two-class probabilities, label aliases."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import apps  # noqa: F401 - registers every layer model.keras files hold
from apps.sentiment.config import SentimentConfig
from apps.sentiment.data import label_index
from apps.sentiment.layers import BagOfWords, ClassProbabilities
from apps.sentiment.model import WORDS, inverse_document_frequencies, text_layer, token_counts
from shared.text import TextToIds, Vocabulary, WordTokenizer

TEXTS = ["good good plot", "bad plot", "the plot was good", "the ending"]


def test_text_to_ids_drops_punctuation_marks_like_text_vectorization(tmp_path):
    texts = ["Not bad, at all!", "the plot ; however , the END..."]
    assert WordTokenizer(punctuation="drop").tokenize(texts) == [["not", "bad", "at", "all"],
                                                                 ["the", "plot", "however", "the", "end"]]
    layer = TextToIds("word", Vocabulary(["the", "not", "bad", "plot"]).tokens, sequence_length=6, punctuation="drop")
    expected = [[5, 6, 1, 1, 0, 0], [4, 7, 1, 4, 1, 0]]
    np.testing.assert_array_equal(layer(tf.constant(texts)).numpy(), expected)
    inputs = keras.Input((), dtype="string")
    keras.Model(inputs, layer(inputs)).save(tmp_path / "ids.keras")
    reloaded = keras.saving.load_model(tmp_path / "ids.keras", safe_mode=True)
    np.testing.assert_array_equal(reloaded.predict(np.array(texts, dtype=object), verbose=0), expected)
    assert reloaded.layers[-1].punctuation == "drop"  # the mode travels in the layer's config
    dataset = tf.data.Dataset.from_tensor_slices(texts).batch(2).map(layer)
    np.testing.assert_array_equal(next(iter(dataset)).numpy(), expected)


def test_the_text_layer_and_the_token_profile_see_the_same_words():
    texts = ["Not bad, at all!", "e-mail me -- it's 3.5 times (better)...", "!!!"]
    layer, vocabulary, _ = text_layer(SentimentConfig(sequence_length=12), texts)
    assert layer.kind == "word" and layer.punctuation == WORDS.punctuation == "drop"
    tokens = layer.tokenizer.tokenize(texts)
    assert tokens == WORDS.tokenize(texts) and tokens[2] == []
    assert token_counts(texts).tolist() == [len(row) for row in tokens] == [4, 9, 0]
    ids = layer(tf.constant(texts)).numpy()
    assert (ids > 0).sum(axis=1).tolist() == [4, 9, 0]
    assert all(token in vocabulary.index for row in tokens for token in row)


@pytest.mark.parametrize("mode, expected", [("count", [0, 0, 0, 0, 2, 1]), ("multi_hot", [0, 0, 0, 0, 1, 1])])
def test_bag_of_words_counts_every_id_but_padding(mode, expected):
    layer = BagOfWords(6, mode)
    np.testing.assert_array_equal(layer(tf.constant([[4, 5, 4, 0, 0]])).numpy(), [expected])
    again = BagOfWords.from_config(layer.get_config())
    np.testing.assert_array_equal(again(tf.constant([[4, 5, 4, 0]])).numpy(), [expected])


def test_tf_idf_bag_matches_text_vectorization_on_plain_words():
    config = SentimentConfig(model="bow", sequence_length=8)
    layer, vocabulary, rows = text_layer(config, TEXTS)
    idf = inverse_document_frequencies(rows, len(vocabulary))
    bag = BagOfWords(len(vocabulary), "tf_idf", idf)
    reference = keras.layers.TextVectorization(output_mode="tf_idf")
    reference.adapt(TEXTS)
    text = "good good plot unseen"
    ours, theirs = bag(layer(tf.constant([text]))).numpy()[0], reference(tf.constant([text])).numpy()[0]
    known = reference.get_vocabulary()
    for word in ("good", "plot", "[UNK]"):
        assert ours[vocabulary.index[word]] == pytest.approx(theirs[known.index(word)], rel=1e-6)
    assert ours[0] == 0.0  # padding never counts


def test_tf_idf_needs_one_weight_per_id():
    with pytest.raises(ValueError, match="needs 6 idf weights"):
        BagOfWords(6, "tf_idf", [1.0, 2.0])
    with pytest.raises(ValueError, match="mode must be one of"):
        BagOfWords(6, "tfidf")


def test_class_probabilities_of_a_sigmoid_and_of_a_softmax():
    np.testing.assert_allclose(ClassProbabilities()(tf.constant([[0.25]])).numpy(), [[0.75, 0.25]])
    softmax = np.array([[0.2, 0.3, 0.5]], "float32")
    np.testing.assert_array_equal(ClassProbabilities()(tf.constant(softmax)).numpy(), softmax)


def test_readable_class_names_accept_the_file_labels_they_stand_for():
    assert label_index(["negative", "positive"]) == {"negative": 0, "positive": 1, "0": 0, "1": 1}
    assert label_index(["neg", "pos", "mixed"]) == {"neg": 0, "pos": 1, "mixed": 2}
