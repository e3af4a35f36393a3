"""The word2vec export signature: word strings in, their vectors out.

`lookup` is the same mapping in NumPy (what `predict` prints), so the
SavedModel is checked against it on a few words, one of them upper-cased
(lower-cased in-graph) and one unknown (zeros, `known` false).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from shared.export import export_saved_model

PARITY_WORDS = 6


def lookup(vocabulary, vectors, words):
    """Vectors of `words` (lower-cased; zeros when unknown) and whether each is known."""
    ids = {word: i for i, word in enumerate(vocabulary)}
    known = np.array([word.lower() in ids for word in words], dtype=bool)
    found = np.zeros((len(words), vectors.shape[1]), dtype="float32")
    for row, word in enumerate(words):
        if known[row]:
            found[row] = vectors[ids[word.lower()]]
    return found, known


def lookup_model(vocabulary, vectors):
    """Keras model: word strings -> vectors (unknown words: zeros)."""
    strings = keras.Input((), dtype="string", name="words")
    ids = keras.layers.StringLookup(vocabulary=list(vocabulary), num_oov_indices=1, name="word_ids")(strings)
    table = np.concatenate([np.zeros((1, vectors.shape[1]), "float32"), vectors.astype("float32")])
    embedding = keras.layers.Embedding(len(vocabulary) + 1, vectors.shape[1], name="vectors")
    model = keras.Model(strings, embedding(ids), name="word_vectors")
    embedding.set_weights([table])
    return model


def export_model(vocabulary, vectors, out):
    """SavedModel: `words` (strings, lower-cased in-graph) -> `vector`, `known`."""
    model = lookup_model(vocabulary, vectors)
    lookup_layer = model.get_layer("word_ids")

    def serve(words):  # the argument's name is the signature's input name
        lowered = tf.strings.lower(words, encoding="utf-8")
        return {"vector": model(lowered), "known": lookup_layer(lowered) > 0}

    examples = [*vocabulary[:PARITY_WORDS], vocabulary[-1].upper(), "no-such-word-here"]
    expected, known = lookup(vocabulary, vectors, examples)
    return export_saved_model(
        [model], serve, [tf.TensorSpec([None], tf.string, name="words")], out,
        examples={"words": np.array(examples, dtype=object)}, expected={"vector": expected, "known": known})
