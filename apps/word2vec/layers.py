"""word2vec's serializable layer and the model that `RUN/model.keras` holds.

    word strings -> WordIds (lower-cased, the shared Vocabulary's ids) -> Embedding "vectors"
                          `-- known: the id is a word's, not [UNK] ---------------------> known

The vocabulary uses `shared.text`'s special tokens: `[PAD]` 0, `[UNK]` 1,
`[START]` 2, `[END]` 3, then the words in training-id order, so the word of
training id i has model id i + `FIRST_WORD`. Training keeps its own ids
(0..V-1, no special rows: the noise table, the initial vectors and so the
result stay what they were); the model's table puts `FIRST_WORD` rows of
zeros before the trained vectors, so an unknown word's vector is zeros.

`import apps` imports this module, so `keras.saving.load_model(RUN/model.keras,
safe_mode=True)` finds `WordIds`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from shared.text import SPECIALS, Vocabulary, clean

FIRST_WORD = len(SPECIALS)  # the model id of training id 0
IDS_LAYER = "word_ids"
VECTORS_LAYER = "vectors"


@keras.saving.register_keras_serializable(package="annsuite")
class WordIds(keras.layers.Layer):
    """Word strings (N,) -> {"id": int32 (N,), "known": bool (N,)}: lower-cased, looked up.

    Args:
        words: the vocabulary in training-id order, without special tokens.
        lowercase: lower-case (Unicode-aware) and strip the words first.

    Example:
        >>> WordIds(["paris", "rome"])(np.array(["Rome", "oslo"], dtype=object))
        {"id": [5, 1], "known": [True, False]}
    """

    def __init__(self, words=(), lowercase=True, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.words = [str(word) for word in words]
        clashes = sorted(set(self.words) & set(SPECIALS))
        if clashes:
            raise ValueError(f"words must not be special tokens, got {clashes!r}")
        self.lowercase = lowercase
        self.lookup, _ = Vocabulary(self.words).lookup_layers()

    def build(self, input_shape):
        self.built = True  # no weights: the lookup is built from the vocabulary

    def call(self, strings):
        strings = tf.reshape(tf.convert_to_tensor(strings, tf.string), [-1])
        ids = tf.cast(self.lookup(clean(strings, self.lowercase)), tf.int32)
        return {"id": ids, "known": ids >= FIRST_WORD}

    def compute_output_spec(self, strings):
        batch = strings.shape[0]
        return {"id": keras.KerasTensor((batch,), dtype="int32"), "known": keras.KerasTensor((batch,), dtype="bool")}

    def get_config(self):
        return {**super().get_config(), "words": self.words, "lowercase": self.lowercase}


def inference_model(words, vectors):
    """Word strings -> {"vector": (N, dim) float32, "known": (N,) bool}; unknown words: zeros."""
    vectors = np.asarray(vectors, dtype="float32")
    strings = keras.Input((), dtype="string", name="words")
    looked_up = WordIds(words, name=IDS_LAYER)(strings)
    embedding = keras.layers.Embedding(FIRST_WORD + len(words), vectors.shape[1], trainable=False,
                                       name=VECTORS_LAYER)
    outputs = {"vector": embedding(looked_up["id"]), "known": looked_up["known"]}
    model = keras.Model(strings, outputs, name="word_vectors")
    embedding.set_weights([np.concatenate([np.zeros((FIRST_WORD, vectors.shape[1]), "float32"), vectors])])
    return model


def vocabulary_of(model):
    """(words, vectors (V, dim)) that a model.keras carries, in training-id order."""
    words = model.get_layer(IDS_LAYER).words
    return words, keras.ops.convert_to_numpy(model.get_layer(VECTORS_LAYER).embeddings)[FIRST_WORD:]


def word_ids(model, words):
    """Training ids of `words` as the model looks them up (lower-cased); -1 where unknown."""
    looked_up = model.get_layer(IDS_LAYER)(np.asarray(list(words), dtype=object))
    ids = keras.ops.convert_to_numpy(looked_up["id"])
    return np.where(keras.ops.convert_to_numpy(looked_up["known"]), ids - FIRST_WORD, -1)
