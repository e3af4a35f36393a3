"""The course's neural-net language model (NNLM), word2vec's baseline: the
`order` previous words -> shared projection -> tanh hidden layer -> softmax
over the vocabulary (Adam, full softmax: costly for large vocabularies,
which is the point of the comparison)."""

from __future__ import annotations

import keras


def build_nnlm(vocab_size, dim, order, hidden):
    """The NNLM: `order` previous word ids (-1: none) -> next-word logits."""
    previous = keras.Input((order,), dtype="int32", name="previous_words")
    shifted = keras.layers.Rescaling(1.0, offset=1.0, name="shift_padding")(previous)  # -1 -> 0
    vectors = keras.layers.Embedding(vocab_size + 1, dim, name="vectors")(keras.ops.cast(shifted, "int32"))
    features = keras.layers.Flatten(name="concatenate")(vectors)
    features = keras.layers.Dense(hidden, activation="tanh", name="hidden")(features)
    logits = keras.layers.Dense(vocab_size, name="next_word")(features)
    return keras.Model(previous, logits, name="nnlm")
