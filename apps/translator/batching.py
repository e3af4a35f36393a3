"""Training batches of pairs of similar length (`--bucketing`).

Padding every batch to the longest pair of the data wastes most of the
work when a few sentences are long and most are short (real corpora). Here
the pairs are shuffled each epoch, put in a length bucket by their longer
side, and batched within their bucket (`tf.data.Dataset.group_by_window`);
each batch is cut to its bucket's upper length, so there are few distinct
shapes (a few traces, XLA-friendly) and little padding. Every pair is in
exactly one batch per epoch: a bucket's last, partial batch is kept.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

MAX_BUCKETS = 8


def token_lengths(ids):
    """Real (non-padding) tokens of each row of a padded id array."""
    return np.count_nonzero(np.asarray(ids), axis=1).astype("int64")


def bucket_edges(lengths, max_buckets=MAX_BUCKETS):
    """Upper lengths of the buckets: evenly spaced up to the longest pair, at most `max_buckets`."""
    longest = int(max(1, np.max(lengths)))
    width = max(2, -(-longest // max_buckets))
    return list(range(width, longest + width, width))


def bucket_of(lengths, edges):
    """Index of each pair's bucket: the first upper length that holds it."""
    return np.searchsorted(np.asarray(edges), np.asarray(lengths), side="left").astype("int64")


def bucketed_batches(arrays, batch_size, seed=0):
    """tf.data of ((source, target_in), target_out) batches from padded id arrays, by length bucket.

    Args:
        arrays: (source ids, target_in ids, target_out ids), each (N, T) int32, 0 = padding.
        batch_size: pairs per batch (a bucket's last batch may be smaller).
        seed: the shuffle seed (reshuffled each epoch).
    """
    source, target_in, target_out = (np.asarray(a, dtype="int32") for a in arrays)
    lengths = np.maximum(token_lengths(source), token_lengths(target_out))
    edges = bucket_edges(lengths)
    buckets = bucket_of(lengths, edges)
    cut = tf.constant(edges, dtype=tf.int32)
    dataset = tf.data.Dataset.from_tensor_slices((source, target_in, target_out, buckets))
    dataset = dataset.shuffle(len(source), seed=seed, reshuffle_each_iteration=True)

    def batch_bucket(bucket, window):
        return window.batch(batch_size)

    def cut_to_bucket(src, tin, tout, bucket):
        length = cut[bucket[0]]
        return ((src[:, :tf.minimum(length, tf.shape(src)[1])], tin[:, :tf.minimum(length, tf.shape(tin)[1])]),
                tout[:, :tf.minimum(length, tf.shape(tout)[1])])

    dataset = dataset.group_by_window(key_func=lambda *pair: pair[3], reduce_func=batch_bucket,
                                      window_size=batch_size)
    return dataset.map(cut_to_bucket, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
