"""Training examples made in-graph: subsampling, dynamic windows, batches.

skip-gram and CBOW: the dataset only cuts the corpus (token ids and
sentence numbers) into steps of `--batch-size` tokens, each with a random
seed; the model's train step turns a step's tokens into its examples with
`window_examples` (TensorFlow ops, one vectorised pass per window offset,
no Python loop over tokens), inside the one traced training function, so
no per-epoch tf.data function has to be instantiated again. Random choices
use stateless ops seeded from `tf.data.Dataset.random`, so a run is
reproducible from its seed and differs from epoch to epoch.

- skip-gram: (centre, context) pairs, every context within the centre's
  dynamic window (a width drawn uniformly from 1..window per centre, as in
  word2vec) and the same sentence;
- CBOW: a centre and its window's context ids (-1 where empty);
- nnlm: the `order` previous words of every word (-1 before the sentence),
  made by a `tf.data` map over chunks of `CHUNK_TOKENS`, shuffled, sliced
  into batches of `--batch-size` examples.

Subsampling keeps a token of a word with count `c` with probability
`(sqrt(c / (t * total)) + 1) * t * total / c` (word2vec's formula, `t` =
`--sample`, capped at 1). Negatives are drawn from the unigram distribution
raised to 0.75, whose cumulative table `noise_table` returns.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.app import steps_per_epoch

CHUNK_TOKENS = 1 << 16
NOISE_POWER = 0.75


def keep_probabilities(counts, sample):
    """Probability of keeping one token of each word (1 where sample is 0)."""
    counts = np.asarray(counts, dtype="float64")
    if sample <= 0:
        return np.ones(len(counts), dtype="float32")
    threshold = sample * counts.sum()
    keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    return np.minimum(keep, 1.0).astype("float32")


def noise_table(counts, power=NOISE_POWER):
    """Cumulative unigram^power distribution (float32, last entry 1)."""
    weights = np.asarray(counts, dtype="float64") ** power
    return (np.cumsum(weights) / weights.sum()).astype("float32")


def select(mask, *tensors):
    """The rows of each tensor where `mask` (n,) holds: one `where`, one gather each.

    `tf.boolean_mask` builds ~25 graph ops per call (shape checks,
    reshapes); this is the same selection in a few, which matters in the
    training step: every op costs time at every step and when the step
    is traced at the start of a run.
    """
    rows = tf.reshape(tf.where(mask), [-1])
    return tuple(tf.gather(tensor, rows) for tensor in tensors)


def subsample(ids, sentences, keep_prob, seed):
    """Drop padding (-1) and frequent-word tokens; returns kept ids, sentences."""
    valid = ids >= 0
    draw = tf.random.stateless_uniform(tf.shape(ids), seed)
    keep = valid & (draw < tf.gather(keep_prob, tf.maximum(ids, 0)))
    return select(keep, ids, sentences)


def window_contexts(ids, sentences, window, seed, shrink=True, by_token=False):
    """(2*window, n) context ids of every token, -1 outside its window.

    With `shrink`, each token's window is drawn from 1..window; `by_token`
    gives the (n, 2*window) layout instead. All offsets in one vectorised
    pass (a small graph: quick to trace).
    """
    size = tf.shape(ids)[0]
    reach = (tf.random.stateless_uniform([size], seed, 1, window + 1, dtype=tf.int32)
             if shrink else tf.fill([size], window))
    along = 1 if by_token else 0  # the axis of the offsets; tokens run along the other

    def per_token(tensor):
        return tf.expand_dims(tensor, along)

    offsets = tf.expand_dims(tf.constant([*range(-window, 0), *range(1, window + 1)], dtype=tf.int32), 1 - along)
    other = per_token(tf.range(size)) + offsets
    inside = (other >= 0) & (other < size) & (tf.abs(offsets) <= per_token(reach))
    other = tf.clip_by_value(other, 0, tf.maximum(size - 1, 0))
    inside &= tf.gather(sentences, other) == per_token(sentences)
    return tf.where(inside, tf.gather(ids, other), -1)


def skipgram_pairs(ids, sentences, window, seed, shrink=True):
    """(centres, contexts): every in-window pair, in offset order."""
    contexts = window_contexts(ids, sentences, window, seed, shrink)
    centres = tf.broadcast_to(ids[None, :], tf.shape(contexts))
    found = contexts >= 0
    return select(tf.reshape(found, [-1]), tf.reshape(centres, [-1]), tf.reshape(contexts, [-1]))


def cbow_examples(ids, sentences, window, seed, shrink=True):
    """(centres, contexts (n, 2*window)) of the tokens with any context."""
    contexts = window_contexts(ids, sentences, window, seed, shrink, by_token=True)
    return select(tf.reduce_any(contexts >= 0, axis=1), ids, contexts)


def nnlm_examples(ids, sentences, order):
    """(previous `order` words (n, order), -1 before the sentence; targets)."""
    valid = ids >= 0
    ids, sentences = select(valid, ids, sentences)
    positions = tf.range(tf.shape(ids)[0])
    columns = []
    for back in range(order, 0, -1):
        other = tf.maximum(positions - back, 0)
        inside = (positions - back >= 0) & (tf.gather(sentences, other) == sentences)
        columns.append(tf.where(inside, tf.gather(ids, other), -1))
    return tf.stack(columns, axis=1), ids


def chunked(ids, sentences, chunk_tokens=CHUNK_TOKENS):
    """(chunks, chunk_tokens) matrices of ids and sentence numbers, -1 padded."""
    chunks = steps_per_epoch(len(ids), chunk_tokens)
    width = min(chunk_tokens, max(len(ids), 1))
    padded_ids = np.full(chunks * width, -1, dtype="int32")
    padded_sentences = np.full(chunks * width, -1, dtype="int32")
    padded_ids[:len(ids)], padded_sentences[:len(ids)] = ids, sentences
    return padded_ids.reshape(chunks, width), padded_sentences.reshape(chunks, width)


def window_examples(architecture, ids, sentences, keep_prob, window, seed):
    """The skip-gram pairs or CBOW windows of one step's tokens (-1: padding).

    Returns (centres (n,), contexts (n,) for skip-gram, (n, 2*window) for CBOW).
    """
    seeds = tf.random.experimental.stateless_split(seed, 2)
    kept, kept_sentences = subsample(ids, sentences, keep_prob, seeds[0])
    make = skipgram_pairs if architecture == "skipgram" else cbow_examples
    return make(kept, kept_sentences, window, seeds[1])


def nnlm_chunk(order):
    """The map from (ids, sentences, seed) of one chunk to its shuffled n-grams."""
    def examples(ids, sentences, seed):
        contexts, targets = nnlm_examples(ids, sentences, order)
        shuffled = tf.random.experimental.stateless_shuffle(tf.range(tf.shape(targets)[0]), seed)
        return tf.gather(contexts, shuffled), tf.gather(targets, shuffled)

    return examples


def batches(batch_size):
    """flat_map: one chunk's shuffled n-grams -> batches (whole-batch slices, no per-example work)."""
    def split(contexts, targets):
        count = tf.shape(targets)[0]
        full = count // batch_size
        head = (tf.reshape(contexts[:full * batch_size], [full, batch_size, -1]),
                tf.reshape(targets[:full * batch_size], [full, batch_size]))
        whole = tf.data.Dataset.from_tensor_slices(head)
        rest = tf.data.Dataset.from_tensors((contexts[full * batch_size:], targets[full * batch_size:]))
        return whole.concatenate(rest.take(tf.cast(count > full * batch_size, tf.int64)))

    return split


def token_steps(ids, sentences, config, seed, training):
    """skip-gram / CBOW: {"ids", "sentences", "seed"} of `batch_size` tokens per step."""
    step_ids, step_sentences = chunked(ids, sentences, config.batch_size)
    seeds = tf.data.Dataset.random(seed, rerandomize_each_iteration=training).batch(2)
    steps = tf.data.Dataset.zip(tf.data.Dataset.from_tensor_slices((step_ids, step_sentences)), seeds)
    return steps.map(lambda step, seed_pair: {"ids": step[0], "sentences": step[1], "seed": seed_pair})


def make_dataset(ids, sentences, counts, config, seed, training=True):
    """The tf.data pipeline of one split for `config.model`.

    skip-gram / CBOW: steps of tokens (the model makes and subsamples the
    examples; `training=False`, validation, gives the same seeds every epoch
    and the model does not subsample it, so every epoch's validation loss
    scores the same examples). nnlm: batches of n-grams.
    """
    if config.model != "nnlm":
        return token_steps(ids, sentences, config, seed, training).prefetch(tf.data.AUTOTUNE)
    chunk_ids, chunk_sentences = chunked(ids, sentences)
    seeds = tf.data.Dataset.random(seed, rerandomize_each_iteration=training).batch(2)
    dataset = tf.data.Dataset.zip(tf.data.Dataset.from_tensor_slices((chunk_ids, chunk_sentences)), seeds)
    dataset = dataset.map(lambda chunk, seed_pair: nnlm_chunk(config.context_size)(*chunk, seed_pair),
                          num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.flat_map(batches(config.batch_size)).prefetch(tf.data.AUTOTUNE)
