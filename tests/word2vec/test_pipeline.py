"""In-graph example generation, subsampling and the negative-sampling table."""

import collections

import numpy as np
import pytest
import tensorflow as tf

from apps.word2vec import pipeline
from apps.word2vec.config import Word2VecConfig
from apps.word2vec.model import Word2Vec

SEED = tf.constant([1, 2], dtype=tf.int64)
# Two hand-made sentences: ids 10 11 12 13 14 | 20 21
IDS = np.array([10, 11, 12, 13, 14, 20, 21], dtype="int32")
SENTENCES = np.array([0, 0, 0, 0, 0, 1, 1], dtype="int32")


def window_pairs(window):
    pairs = []
    for i, (word, sentence) in enumerate(zip(IDS, SENTENCES)):
        for j, (other, other_sentence) in enumerate(zip(IDS, SENTENCES)):
            if i != j and abs(i - j) <= window and sentence == other_sentence:
                pairs.append((int(word), int(other)))
    return sorted(pairs)


def test_unigram_table_follows_count_to_the_three_quarters():
    counts = np.array([100, 10, 1, 1])
    cumulative = pipeline.noise_table(counts)
    expected = counts**0.75 / np.sum(counts**0.75)
    np.testing.assert_allclose(np.diff(cumulative, prepend=0.0), expected, atol=1e-7)
    assert cumulative[-1] == pytest.approx(1.0)


def test_negatives_are_drawn_from_the_table():
    counts = np.array([1000, 100, 10, 1])
    model = Word2Vec(vocab_size=4, dim=2, negatives=5, seed=0)
    model.set_noise(pipeline.noise_table(counts))
    batch = {"center": tf.fill([20000], 3), "context": tf.zeros([20000], tf.int32)}
    *_, parts = model.scores(batch)
    frequencies = np.bincount(parts["noise"].numpy().ravel(), minlength=4) / 100000
    np.testing.assert_allclose(frequencies, counts**0.75 / np.sum(counts**0.75), atol=0.005)


def test_subsampling_probabilities_match_word2vec():
    counts = np.array([1000, 100, 10, 1])
    threshold = 1e-2 * counts.sum()
    expected = np.minimum((np.sqrt(counts / threshold) + 1) * threshold / counts, 1.0)
    np.testing.assert_allclose(pipeline.keep_probabilities(counts, 1e-2), expected, rtol=1e-6)
    assert np.all(pipeline.keep_probabilities(counts, 0) == 1.0)
    ids = np.repeat(np.arange(4, dtype="int32"), 20000)
    kept, _ = pipeline.subsample(ids, np.zeros_like(ids), pipeline.keep_probabilities(counts, 1e-2), SEED)
    np.testing.assert_allclose(np.bincount(kept.numpy(), minlength=4) / 20000, expected, atol=0.01)


@pytest.mark.parametrize("window", [1, 2, 3])
def test_skipgram_pairs_are_exactly_the_window_pairs(window):
    centres, contexts = pipeline.skipgram_pairs(IDS, SENTENCES, window, SEED, shrink=False)
    assert sorted(zip(centres.numpy().tolist(), contexts.numpy().tolist())) == window_pairs(window)


def test_dynamic_window_keeps_near_pairs_and_drops_some_far_ones():
    full = collections.Counter(window_pairs(3))
    seen = collections.Counter()
    for seed in range(20):
        centres, contexts = pipeline.skipgram_pairs(IDS, SENTENCES, 3, tf.constant([seed, 0]))
        pairs = collections.Counter(zip(centres.numpy().tolist(), contexts.numpy().tolist()))
        assert not pairs - full  # never outside the window or across sentences
        assert set(window_pairs(1)) <= set(pairs)
        seen.update(pairs)
    assert seen[(10, 13)] < 20 and seen[(10, 11)] == 20


def test_cbow_and_nnlm_contexts():
    centres, contexts = pipeline.cbow_examples(IDS, SENTENCES, 1, SEED, shrink=False)
    assert centres.numpy().tolist() == IDS.tolist()
    assert contexts.numpy().tolist() == [[-1, 11], [10, 12], [11, 13], [12, 14], [13, -1], [-1, 21], [20, -1]]
    previous, targets = pipeline.nnlm_examples(IDS, SENTENCES, 2)
    assert targets.numpy().tolist() == IDS.tolist()
    assert previous.numpy().tolist()[2] == [10, 11] and previous.numpy().tolist()[5] == [-1, -1]


def seeds_of(dataset):
    return [tuple(step["seed"].numpy()) for step in dataset]


def test_dataset_cuts_the_corpus_into_steps_of_tokens_with_fresh_seeds():
    config = Word2VecConfig(sample=0, window=2, batch_size=4)
    train = pipeline.make_dataset(IDS, SENTENCES, np.ones(30), config, seed=0)
    steps = list(train)
    assert [len(step["ids"]) for step in steps] == [4, 4]
    ids = np.concatenate([step["ids"] for step in steps])
    assert ids.tolist() == IDS.tolist() + [-1]  # the last step is padded
    assert len(set(seeds_of(train))) == 2 and seeds_of(train) != seeds_of(train)  # new draws every epoch
    validation = pipeline.make_dataset(IDS, SENTENCES, np.ones(30), config, seed=0, training=False)
    assert seeds_of(validation) == seeds_of(validation)  # the same examples every epoch


@pytest.mark.parametrize("architecture", ["skipgram", "cbow"])
def test_the_model_makes_a_steps_examples_in_graph(architecture):
    config = Word2VecConfig(sample=0, window=2, batch_size=len(IDS))
    (step,) = pipeline.make_dataset(IDS, SENTENCES, np.ones(30), config, seed=0)
    model = Word2Vec(vocab_size=30, dim=4, architecture=architecture, window=2)
    examples = model.examples(step, training=False)
    assert float(examples["words"]) == len(IDS)
    if architecture == "skipgram":
        pairs = set(zip(examples["center"].numpy().tolist(), examples["context"].numpy().tolist()))
        assert set(window_pairs(1)) <= pairs <= set(window_pairs(2))
    else:
        assert examples["center"].numpy().tolist() == IDS.tolist()
        assert examples["context"].shape == (len(IDS), 4)
    keep = np.ones(30, dtype="float32")
    keep[12] = 0.0
    model.set_subsampling(keep)  # training subsamples with the model's keep probabilities
    examples = model.examples(step, training=True)
    assert 12 not in examples["center"].numpy() and 12 not in examples["context"].numpy()
    assert float(examples["words"]) == len(IDS)  # the learning rate decays with corpus words
