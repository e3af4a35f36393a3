"""The tokenizer inside the model: strings -> ids and ids -> strings as Keras layers.

Both layers keep their tokenizer's state in their config (the vocabulary;
a SentencePiece model as base64), so a model saved with them reloads with
`keras.saving.load_model(..., safe_mode=True)` and takes raw strings; no
side file is read back. They run the same TensorFlow ops in `tf.data`, in
training and in an exported SavedModel.
"""

from __future__ import annotations

import base64

import keras
import tensorflow as tf

from shared.text.tokenizers import KINDS, SentencePiece, WordPiece, WordTokenizer, graph_split
from shared.text.vocabulary import END_ID, PAD_ID, SPECIALS, START_ID, Vocabulary


def make_tokenizer(kind, vocabulary, proto, lowercase, punctuation="split"):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if kind == "wordpiece":
        return WordPiece(vocabulary, lowercase)
    if kind == "sentencepiece":
        if not proto:
            raise ValueError("kind 'sentencepiece' needs the model proto")
        return SentencePiece(base64.b64decode(proto), lowercase)
    return WordTokenizer(lowercase, punctuation)


def check_vocabulary(vocabulary):
    if list(vocabulary[:len(SPECIALS)]) != list(SPECIALS):
        raise ValueError(f"vocabulary must start with the special tokens {SPECIALS}; "
                         f"got {list(vocabulary[:len(SPECIALS)])!r}")


class _TextLayer(keras.layers.Layer):
    """Shared state of TextToIds and IdsToText: kind, vocabulary, proto."""

    def __init__(self, kind="word", vocabulary=(), proto=None, lowercase=True, punctuation="split", **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.kind = kind
        self.vocabulary = list(vocabulary)
        self.proto = proto.decode("ascii") if isinstance(proto, bytes) else proto
        self.lowercase = lowercase
        self.punctuation = punctuation
        check_vocabulary(self.vocabulary)
        self.tokenizer = make_tokenizer(kind, self.vocabulary, self.proto, lowercase, punctuation)
        # A keras-hub tokenizer layer as an attribute: tracked, so an export keeps its resources.
        self.subword = getattr(self.tokenizer, "layer", None)
        self.lookup, self.inverse = Vocabulary(self.vocabulary[len(SPECIALS):]).lookup_layers()

    def build(self, input_shape):
        self.built = True  # no weights: the lookups are built from the vocabulary

    def split(self, strings):
        """Token strings of `strings`; eager calls go through a tf.function (keras-hub
        tokenizers take their Python path when called eagerly)."""
        if tf.executing_eagerly():
            return graph_split(self.tokenizer)(strings)
        return self.tokenizer.split(strings)

    @classmethod
    def from_tokenizer(cls, tokenizer, vocabulary, **kwargs):
        """The layer of a trained tokenizer and its vocabulary."""
        proto = base64.b64encode(tokenizer.proto).decode("ascii") if tokenizer.kind == "sentencepiece" else None
        return cls(kind=tokenizer.kind, vocabulary=vocabulary.tokens, proto=proto,
                   lowercase=tokenizer.lowercase, punctuation=getattr(tokenizer, "punctuation", "split"),
                   **kwargs)

    def get_config(self):
        return {**super().get_config(), "kind": self.kind, "vocabulary": self.vocabulary,
                "proto": self.proto, "lowercase": self.lowercase, "punctuation": self.punctuation}


@keras.saving.register_keras_serializable(package="annsuite")
class TextToIds(_TextLayer):
    """Raw strings (N,) -> int32 ids (N, sequence_length), 0-padded.

    Args:
        kind: "word", "wordpiece" or "sentencepiece".
        vocabulary: the tokens, `SPECIALS` first (`Vocabulary.tokens`).
        proto: the SentencePiece model, base64 (kind "sentencepiece").
        sequence_length: ids per text (longer texts are cut).
        add_start, add_end: put [START] before and [END] after the tokens.
        lowercase: lower-case the text first.
        punctuation: the word tokenizer's mode: "split", "sentence" or "drop".

    Example:
        >>> layer = TextToIds("word", Vocabulary(["hi", "you"]).tokens, sequence_length=4)
        >>> layer(["Hi you!"])  # [[4, 5, 1, 0]]: "!" is unknown
    """

    def __init__(self, kind="word", vocabulary=(), proto=None, sequence_length=32, add_start=False,
                 add_end=False, lowercase=True, punctuation="split", **kwargs):
        super().__init__(kind, vocabulary, proto, lowercase, punctuation, **kwargs)
        if sequence_length < 1:
            raise ValueError(f"sequence_length must be >= 1, got {sequence_length!r}")
        self.sequence_length = sequence_length
        self.add_start = add_start
        self.add_end = add_end

    def call(self, inputs):
        strings = tf.reshape(tf.convert_to_tensor(inputs, tf.string), [-1])
        ids = tf.cast(self.lookup(self.split(strings)), tf.int32)
        rows = ids.nrows(out_type=tf.int32)

        def column(value):
            return tf.RaggedTensor.from_tensor(tf.fill(tf.stack([rows, 1]), value))

        if self.add_start:
            ids = tf.concat([column(START_ID), ids], axis=1)
        if self.add_end:
            ids = tf.concat([ids, column(END_ID)], axis=1)
        ids = ids[:, :self.sequence_length]
        return ids.to_tensor(default_value=PAD_ID, shape=[None, self.sequence_length])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.sequence_length)

    def compute_output_spec(self, inputs):
        return keras.KerasTensor((inputs.shape[0], self.sequence_length), dtype="int32")

    def get_config(self):
        return {**super().get_config(), "sequence_length": self.sequence_length,
                "add_start": self.add_start, "add_end": self.add_end}


@keras.saving.register_keras_serializable(package="annsuite")
class IdsToText(_TextLayer):
    """Ids (N, T) -> strings (N,): stops at [END], drops [PAD] and [START], detokenises.

    Args: as `TextToIds` (kind, vocabulary, proto, lowercase, punctuation).
    """

    def call(self, ids):
        ids = tf.cast(ids, tf.int32)
        ended = tf.cumsum(tf.cast(tf.equal(ids, END_ID), tf.int32), axis=1) > 0
        keep = tf.logical_not(ended) & tf.not_equal(ids, PAD_ID) & tf.not_equal(ids, START_ID)
        tokens = tf.where(keep, self.inverse(ids), tf.constant("", tf.string))
        return self.tokenizer.join(tokens)

    def compute_output_spec(self, ids):
        return keras.KerasTensor((ids.shape[0],), dtype="string")
