"""Negative sampling's `tf` kernel: a step's closed-form updates, summed (`Word2Vec.batched_update`).

word2vec's rule for the true word (label 1) and the K noise words
(label 0) of each example, with g = (label - sigmoid(f)) * rate: the
output rows get g h, the example's input rows the summed g v. The
logits and the shared noise words come from `Word2Vec.scores`; a word
repeated in the step is damped by `Word2Vec.damping`.
"""

from __future__ import annotations

import tensorflow as tf


def update_outputs(model, batch, parts, positive_error, noise_error):
    """Add the true words' and the noise words' updates to the output vectors."""
    centre_scale, noise_scale = model.damping(batch["center"], parts["noise"])
    scaled = tf.reshape(tf.pad(noise_error, parts["pad"]), [tf.shape(parts["noise"])[0], -1, model.negatives])
    noise_update = tf.matmul(scaled * noise_scale[:, None, :], parts["grouped"], transpose_a=True)
    table = model.output_vectors.value
    table.scatter_add(tf.IndexedSlices((positive_error * centre_scale)[:, None] * parts["hidden"],
                                       batch["center"]))
    table.scatter_add(tf.IndexedSlices(tf.reshape(noise_update, [-1, model.dim]),
                                       tf.reshape(parts["noise"], [-1])))


def hidden_update(model, parts, positive_error, noise_error):
    """(B, D) change of each example's hidden vector (errors already scaled)."""
    grouped_error = tf.reshape(tf.pad(noise_error, parts["pad"]), [tf.shape(parts["noise"])[0], -1,
                                                                    model.negatives])
    noise_part = tf.reshape(tf.matmul(grouped_error, parts["noise_vectors"]), [-1, model.dim])
    return positive_error[:, None] * parts["outputs"] + noise_part[:tf.shape(noise_error)[0]]


def update_vectors(model, batch, parts, positive_error, noise_error):
    """Add the hidden-vector update to the input vectors it came from.

    CBOW gives every present context word the full update of the average.
    """
    table = model.vectors.value
    if parts["contexts"] is None:
        (scale,) = model.damping(batch["context"])
        update = hidden_update(model, parts, positive_error * scale, noise_error * scale[:, None])
        table.scatter_add(tf.IndexedSlices(update, batch["context"]))
        return
    present = parts["contexts"]
    (scale,) = model.damping(present["ids"])
    update = hidden_update(model, parts, positive_error, noise_error)
    table.scatter_add(tf.IndexedSlices(tf.gather(update, present["example"]) * scale[:, None],
                                       present["ids"]))


def batched_update(model, batch, rate):
    """The `tf` kernel: the step's summed closed-form updates; returns each example's loss."""
    positive_logits, noise_logits, weights, parts = model.scores(batch)
    positive_error = (1.0 - tf.sigmoid(positive_logits)) * rate  # word2vec's g
    noise_error = -tf.sigmoid(noise_logits) * weights * rate
    update_vectors(model, batch, parts, positive_error, noise_error)  # reads the outputs before they change
    update_outputs(model, batch, parts, positive_error, noise_error)
    return model.loss_of(positive_logits, noise_logits, weights)
