"""Greedy and beam-search decoding inside the TensorFlow graph.

Both run one `tf.while_loop` over target positions (no Python loop of
`predict` calls), stop as soon as every sentence has produced `[END]`, and
work in eager code, in `tf.function` and in the exported SavedModel. They
drive the model interface of `apps.translator.model` (`encode`,
`initial_state`, `step`).

Beam search keeps the `beam` best prefixes by total log-probability; a
finished prefix stays in its beam with its score frozen. The final choice
divides each score by the GNMT length penalty ((5 + length) / 6) ** alpha.
With `beam=1` it takes the arg-max at every step: the greedy result.
"""

from __future__ import annotations

import tensorflow as tf

from shared.text import END_ID, PAD_ID, START_ID

NEG_INF = -1e9


def _start(batch, length):
    first = tf.fill([batch, 1], tf.constant(START_ID, tf.int32))
    return tf.concat([first, tf.zeros([batch, length], tf.int32)], axis=1)


def _put(tokens, index, column):
    """tokens[:, index] = column (the slot holds zeros until then)."""
    width = tf.shape(tokens)[1]
    return tokens + tf.one_hot(index, width, dtype=tf.int32)[None, :] * column[:, None]


def _while(running, body, start):
    """tf.while_loop whose batch (first) dimensions may change shape."""
    def relaxed(tensor):
        shape = tensor.shape
        return shape if shape.rank in (None, 0) else tf.TensorShape([None] * shape.rank)

    return tf.while_loop(running, body, start, shape_invariants=tf.nest.map_structure(relaxed, start))


def greedy_decode(model, source, max_length):
    """Arg-max decoding. Returns int32 (B, max_length) ids after [START], padded with 0."""
    source = tf.cast(source, tf.int32)
    batch = tf.shape(source)[0]
    memory = model.encode(source)
    state = model.initial_state(memory)

    def body(index, tokens, state, finished):
        logits, state = model.step(tokens, index, state, memory)
        chosen = tf.argmax(logits, axis=-1, output_type=tf.int32)
        chosen = tf.where(finished, PAD_ID, chosen)
        return index + 1, _put(tokens, index + 1, chosen), state, finished | tf.equal(chosen, END_ID)

    def running(index, tokens, state, finished):
        return (index < max_length) & ~tf.reduce_all(finished)

    start = (tf.constant(0), _start(batch, max_length), state, tf.zeros([batch], tf.bool))
    _, tokens, _, _ = _while(running, body, start)
    return tokens[:, 1:]


def _gather_beams(value, indices, batch, beam):
    """value (B*K, ...) reordered by indices (B, K) of parent beams."""
    shaped = tf.reshape(value, tf.concat([[batch, beam], tf.shape(value)[1:]], 0))
    return tf.reshape(tf.gather(shaped, indices, batch_dims=1), tf.shape(value))


def length_penalty(lengths, alpha):
    return tf.pow((5.0 + tf.cast(lengths, tf.float32)) / 6.0, alpha)


def beam_decode(model, source, max_length, beam=4, alpha=0.6):
    """Beam search. Returns int32 (B, max_length) ids of the best hypothesis."""
    source = tf.cast(source, tf.int32)
    batch = tf.shape(source)[0]
    memory = tf.nest.map_structure(lambda t: tf.repeat(t, beam, axis=0), model.encode(source))
    state = model.initial_state(memory)
    scores = tf.tile(tf.concat([[0.0], tf.fill([beam - 1], NEG_INF)], 0)[None, :], [batch, 1])

    def body(index, tokens, state, scores, finished, lengths):
        logits, state = model.step(tokens, index, state, memory)
        log_probs = tf.nn.log_softmax(tf.cast(logits, tf.float32), axis=-1)
        vocab = tf.shape(log_probs)[-1]
        # A finished hypothesis only continues with [PAD], at no cost.
        frozen = tf.one_hot(PAD_ID, vocab, on_value=0.0, off_value=NEG_INF)[None, :]
        log_probs = tf.where(tf.reshape(finished, [-1, 1]), frozen, log_probs)
        total = tf.reshape(scores, [-1, 1]) + log_probs
        scores, flat = tf.math.top_k(tf.reshape(total, [batch, -1]), k=beam)
        parents, chosen = flat // vocab, flat % vocab
        tokens = _gather_beams(tokens, parents, batch, beam)
        state = tf.nest.map_structure(lambda s: _gather_beams(s, parents, batch, beam), state)
        was_finished = tf.gather(finished, parents, batch_dims=1)
        lengths = tf.gather(lengths, parents, batch_dims=1) + tf.cast(~was_finished, tf.int32)
        finished = was_finished | tf.equal(chosen, END_ID)
        tokens = _put(tokens, index + 1, tf.reshape(chosen, [-1]))
        return index + 1, tokens, state, scores, finished, lengths

    def running(index, tokens, state, scores, finished, lengths):
        return (index < max_length) & ~tf.reduce_all(finished)

    start = (tf.constant(0), _start(batch * beam, max_length), state, scores,
             tf.zeros([batch, beam], tf.bool), tf.zeros([batch, beam], tf.int32))
    _, tokens, _, scores, finished, lengths = _while(running, body, start)
    normalised = scores / length_penalty(lengths, alpha)
    best = tf.argmax(normalised, axis=1, output_type=tf.int32)
    tokens = tf.reshape(tokens, [batch, beam, -1])
    return tf.gather(tokens, best, batch_dims=1)[:, 1:]


def decode(model, source, max_length, beam=1, alpha=0.6):
    """Greedy for beam 1, beam search otherwise."""
    if beam <= 1:
        return greedy_decode(model, source, max_length)
    return beam_decode(model, source, max_length, beam, alpha)


def clean_ids(ids):
    """Zero everything from the first [END] on (the [END] too)."""
    ids = tf.convert_to_tensor(ids)
    after = tf.cumsum(tf.cast(tf.equal(ids, END_ID), tf.int32), axis=1) > 0
    return tf.where(after, tf.zeros_like(ids), ids)


def trim_padding(ids):
    """Source ids (N, S), right-padded with 0, cut to the longest row (at least one column).

    The model.keras source layer pads to a fixed length; the decoders see
    the batch padded to its longest sentence, as the network was always fed.
    """
    ids = tf.cast(ids, tf.int32)
    lengths = tf.reduce_sum(tf.cast(tf.not_equal(ids, PAD_ID), tf.int32), axis=1)
    longest = tf.reduce_max(lengths)  # the int32 minimum for an empty batch: one column then
    return ids[:, :tf.maximum(longest, 1)]
