"""Training examples made in-graph: subsampling, dynamic windows, batches.

The corpus (token ids and sentence numbers) is cut into chunks of
`CHUNK_TOKENS`; a `tf.data` map turns each chunk into all its examples with
TensorFlow ops (one vectorised pass per window offset, no Python loop over
tokens), shuffles them, and slices them into large batches. Random choices
use stateless ops seeded from `tf.data.Dataset.random`, so a run is
reproducible from its seed and differs from epoch to epoch.

- skip-gram: (centre, context) pairs, every context within the centre's
  dynamic window (a width drawn uniformly from 1..window per centre, as in
  word2vec) and the same sentence;
- CBOW: a centre and its window's context ids (-1 where empty);
- nnlm: the `order` previous words of every word (-1 before the sentence).

Subsampling keeps a token of a word with count `c` with probability
`(sqrt(c / (t * total)) + 1) * t * total / c` (word2vec's formula, `t` =
`--sample`, capped at 1). Negatives are drawn from the unigram distribution
raised to 0.75, whose cumulative table `noise_table` returns.
"""

from __future__ import annotations

import numpy as np

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


def subsample(ids, sentences, keep_prob, seed):
    """Drop padding (-1) and frequent-word tokens; returns kept ids, sentences."""
    import tensorflow as tf

    valid = ids >= 0
    draw = tf.random.stateless_uniform(tf.shape(ids), seed)
    keep = valid & (draw < tf.gather(keep_prob, tf.maximum(ids, 0)))
    return tf.boolean_mask(ids, keep), tf.boolean_mask(sentences, keep)


def window_contexts(ids, sentences, window, seed, shrink=True):
    """(2*window, n) context ids of every token, -1 outside its window.

    With `shrink`, each token's window is drawn from 1..window.
    """
    import tensorflow as tf

    size = tf.shape(ids)[0]
    positions = tf.range(size)
    reach = (tf.random.stateless_uniform([size], seed, 1, window + 1, dtype=tf.int32)
             if shrink else tf.fill([size], window))
    columns = []
    for offset in [*range(-window, 0), *range(1, window + 1)]:
        other = positions + offset
        inside = (other >= 0) & (other < size) & (abs(offset) <= reach)
        other = tf.clip_by_value(other, 0, tf.maximum(size - 1, 0))
        inside &= tf.gather(sentences, other) == sentences
        columns.append(tf.where(inside, tf.gather(ids, other), -1))
    return tf.stack(columns)


def skipgram_pairs(ids, sentences, window, seed, shrink=True):
    """(centres, contexts): every in-window pair, in offset order."""
    import tensorflow as tf

    contexts = window_contexts(ids, sentences, window, seed, shrink)
    centres = tf.broadcast_to(ids[None, :], tf.shape(contexts))
    found = contexts >= 0
    return tf.boolean_mask(centres, found), tf.boolean_mask(contexts, found)


def cbow_examples(ids, sentences, window, seed, shrink=True):
    """(centres, contexts (n, 2*window)) of the tokens with any context."""
    import tensorflow as tf

    contexts = tf.transpose(window_contexts(ids, sentences, window, seed, shrink))
    found = tf.reduce_any(contexts >= 0, axis=1)
    return tf.boolean_mask(ids, found), tf.boolean_mask(contexts, found)


def nnlm_examples(ids, sentences, order):
    """(previous `order` words (n, order), -1 before the sentence; targets)."""
    import tensorflow as tf

    valid = ids >= 0
    ids, sentences = tf.boolean_mask(ids, valid), tf.boolean_mask(sentences, valid)
    positions = tf.range(tf.shape(ids)[0])
    columns = []
    for back in range(order, 0, -1):
        other = tf.maximum(positions - back, 0)
        inside = (positions - back >= 0) & (tf.gather(sentences, other) == sentences)
        columns.append(tf.where(inside, tf.gather(ids, other), -1))
    return tf.stack(columns, axis=1), ids


def chunked(ids, sentences, chunk_tokens=CHUNK_TOKENS):
    """(chunks, chunk_tokens) matrices of ids and sentence numbers, -1 padded."""
    chunks = max(1, -(-len(ids) // chunk_tokens))
    width = min(chunk_tokens, max(len(ids), 1))
    padded_ids = np.full(chunks * width, -1, dtype="int32")
    padded_sentences = np.full(chunks * width, -1, dtype="int32")
    padded_ids[:len(ids)], padded_sentences[:len(ids)] = ids, sentences
    return padded_ids.reshape(chunks, width), padded_sentences.reshape(chunks, width)


def chunk_examples(model, keep_prob, window, order):
    """The map from (ids, sentences, seed) of one chunk to its examples."""
    import tensorflow as tf

    def examples(ids, sentences, seed):
        seeds = tf.random.experimental.stateless_split(seed, 3)
        words = tf.reduce_sum(tf.cast(ids >= 0, tf.float32))
        if model == "nnlm":
            contexts, targets = nnlm_examples(ids, sentences, order)
            tensors = (contexts, targets)
        else:
            kept, kept_sentences = subsample(ids, sentences, keep_prob, seeds[0])
            make = skipgram_pairs if model == "skipgram" else cbow_examples
            tensors = make(kept, kept_sentences, window, seeds[1])
        order_ = tf.random.experimental.stateless_shuffle(tf.range(tf.shape(tensors[0])[0]), seeds[2])
        return tuple(tf.gather(t, order_) for t in tensors) + (words,)

    return examples


def batches(batch_size, model):
    """flat_map: one chunk's shuffled examples -> batches (whole-batch slices, no per-example work)."""
    import tensorflow as tf

    def structure(parts, words):
        if model == "nnlm":
            return parts[0], parts[1]
        return {"center": parts[0], "context": parts[1], "words": words}

    def split(*tensors):
        *examples, words = tensors
        count = tf.shape(examples[0])[0]
        full = count // batch_size
        number = full + tf.cast(count % batch_size > 0, tf.int32)
        per_batch = words / tf.cast(tf.maximum(number, 1), tf.float32)
        head = [tf.reshape(t[:full * batch_size], tf.concat([[full, batch_size], tf.shape(t)[1:]], 0))
                for t in examples]
        tail = [t[full * batch_size:] for t in examples]
        whole = tf.data.Dataset.from_tensor_slices(structure(head, tf.fill([full], per_batch)))
        rest = tf.data.Dataset.from_tensors(structure(tail, per_batch)).take(tf.cast(number > full, tf.int64))
        return whole.concatenate(rest)

    return split


def make_dataset(ids, sentences, counts, config, seed, training=True):
    """The tf.data pipeline of one split for `config.model`.

    `training=False` (validation): no subsampling, and the same windows and
    order every epoch, so the validation loss of every epoch scores the
    same examples.
    """
    import tensorflow as tf

    chunk_ids, chunk_sentences = chunked(ids, sentences)
    keep_prob = tf.constant(keep_probabilities(counts, config.sample if training else 0.0))
    seeds = tf.data.Dataset.random(seed, rerandomize_each_iteration=training).batch(2)
    dataset = tf.data.Dataset.zip(tf.data.Dataset.from_tensor_slices((chunk_ids, chunk_sentences)), seeds)
    dataset = dataset.map(lambda chunk, seed_pair: chunk_examples(
        config.model, keep_prob, config.window, config.context_size)(*chunk, seed_pair),
        num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.flat_map(batches(config.batch_size, config.model))
    return dataset.prefetch(tf.data.AUTOTUNE)
