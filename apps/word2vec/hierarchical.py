"""Hierarchical softmax (`--objective hierarchical`): the word predicted along its Huffman path.

Instead of the true word against K noise words, each example makes the
binary decisions of the true word's path in the Huffman tree
(`huffman.py`): at inner node n with branch code c, f = h . v_n and the
label is 1 - c (word2vec.c's convention), loss softplus(-(1 - 2c) f). The
update is word2vec.c's `hs` branch: g = (1 - c - sigmoid(f)) * rate, with
no update where |f| >= 6 (its MAX_EXP), v_n += g h, and the example's input
rows get sum_n g v_n. The cost per example is the path length, about
log2(V), whatever the vocabulary, against 1 + K rows for negative sampling.

The `tf` kernel sums a step's updates like the negative-sampling one: an
inner node on n > DUPLICATE_CAP paths of the step (the root is on every
path) has its update scaled by DUPLICATE_CAP / n. The `native` kernel is
word2vec.c's loop, example after example (`native.hierarchical_update`).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from apps.word2vec import native
from apps.word2vec.huffman import MAX_CODE_LENGTH, huffman_tree

MAX_EXP = 6.0


def add_tree_weights(model):
    """The inner-node vectors (zeros, as word2vec's syn1) and the tree of a Word2Vec model."""
    model.inner_vectors = model.add_weight((max(model.vocab_size - 1, 1), model.dim), name="inner_vectors",
                                           initializer="zeros")
    model.tree_points = model.add_weight((model.vocab_size, MAX_CODE_LENGTH), name="tree_points",
                                         dtype="int32", initializer=keras.initializers.Constant(-1),
                                         trainable=False)
    model.tree_codes = model.add_weight((model.vocab_size, MAX_CODE_LENGTH), name="tree_codes",
                                        initializer="zeros", trainable=False)
    model.code_length = model.add_weight((), name="code_length", dtype="int32", initializer="zeros",
                                         trainable=False)


def set_tree(model, counts):
    """Build the Huffman tree of the training counts into the model's weights."""
    points, codes, lengths = huffman_tree(counts)
    model.tree_points.assign(points)
    model.tree_codes.assign(codes)
    model.code_length.assign(int(lengths.max()))
    return lengths


def path_of(model, centres):
    """(points (B, L), codes (B, L), mask (B, L)) of the true words' paths, L the longest code."""
    length = model.code_length.value
    points = tf.gather(model.tree_points.value[:, :length], centres)
    codes = tf.gather(model.tree_codes.value[:, :length], centres)
    return points, codes, tf.cast(points >= 0, tf.float32)


def logits_of(model, batch):
    hidden, contexts = model.hidden(batch)
    points, codes, mask = path_of(model, batch["center"])
    nodes = model.rows(model.inner_vectors, tf.maximum(points, 0))
    logits = tf.einsum("bd,bld->bl", hidden, nodes)
    return logits, codes, mask, dict(hidden=hidden, contexts=contexts, points=points, nodes=nodes)


def path_losses(logits, codes, mask):
    return tf.reduce_sum(tf.nn.softplus(-(1.0 - 2.0 * codes) * logits) * mask, axis=1)


def losses(model, batch):
    """Each example's hierarchical-softmax loss (no update)."""
    logits, codes, mask, _ = logits_of(model, batch)
    return path_losses(logits, codes, mask)


def node_scale(model, points, mask):
    """DUPLICATE_CAP / n for an inner node on n > DUPLICATE_CAP paths of the step, else 1."""
    clipped = tf.maximum(points, 0)
    counts = tf.math.unsorted_segment_sum(tf.reshape(mask, [-1]), tf.reshape(clipped, [-1]),
                                          tf.shape(model.inner_vectors)[0])
    return tf.minimum(1.0, model.duplicate_cap / tf.maximum(tf.gather(counts, clipped), 1.0))


def batched_update(model, batch, rate):
    """The `tf` kernel: the step's summed updates; returns each example's loss."""
    logits, codes, mask, parts = logits_of(model, batch)
    active = mask * tf.cast(tf.abs(logits) < MAX_EXP, tf.float32)
    g = (1.0 - codes - tf.sigmoid(logits)) * rate * active
    update = tf.einsum("bl,bld->bd", g, parts["nodes"])  # before the nodes change
    node_g = g * node_scale(model, parts["points"], mask)
    model.inner_vectors.value.scatter_add(tf.IndexedSlices(
        tf.reshape(node_g[:, :, None] * parts["hidden"][:, None, :], [-1, model.dim]),
        tf.reshape(tf.maximum(parts["points"], 0), [-1])))
    scatter_inputs(model, batch, parts["contexts"], update)
    return path_losses(logits, codes, mask)


def scatter_inputs(model, batch, contexts, update):
    """Add each example's hidden-vector change to its input rows (CBOW: every present context word)."""
    table = model.vectors.value
    if contexts is None:
        (scale,) = model.damping(batch["context"])
        table.scatter_add(tf.IndexedSlices(update * scale[:, None], batch["context"]))
        return
    (scale,) = model.damping(contexts["ids"])
    table.scatter_add(tf.IndexedSlices(tf.gather(update, contexts["example"]) * scale[:, None], contexts["ids"]))


def update(model, batch, rate):
    """One step's update with the model's kernel; returns each example's loss."""
    if model.kernel == "native":
        points, codes, _ = path_of(model, batch["center"])
        return native.hierarchical_update(model, batch, points, codes, rate)
    return batched_update(model, batch, rate)
