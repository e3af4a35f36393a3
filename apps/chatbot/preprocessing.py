"""Conversations (raw strings) -> model inputs, as serializable layers.

The raw input of a chatbot is a batch of conversations, one string each
(N,): the turns oldest first, the user's question last, joined by the
separator `SEPARATOR` ("||"; `conversation_array` joins lists of turns
with " || "). The layers split at the separator, strip every turn and
ignore empty ones; a turn that itself holds "||" counts as two turns (in
training as in serving). The same layers make the training arrays, run in
`model.keras` and in the SavedModel:

- `ContextIds`: the window of the last `utterances` turns as word ids of
  the run's vocabulary (`shared.text.TextToIds`), padded with empty
  utterances at the start so that the question is always the last row.
  Its words are those of `PUNCTUATION`, the chatbot's punctuation rule.
- `BertInputs`: the same window for a BERT backbone (its preset's
  tokenizer, keras-hub's `BertTokenizer`): [CLS], then the turns each
  followed by [SEP], cut to the last `sequence_length - 1` pieces; or one
  response per row as [CLS] pieces [SEP].
"""

from __future__ import annotations

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from shared.text import TextToIds

SEPARATOR = "||"
# The chatbot's word tokenizer (`shared.text` punctuation mode): only . , ! ? ; : " ( ) are tokens of
# their own; apostrophes, hyphens and signs stay in their words ("i'll", "-3"); answers get . , ! ? ; :
# attached to the word before. Every word tokenizer of the app (vocabulary, tf.data, model.keras,
# export, chat) is built with it.
PUNCTUATION = "sentence"


def conversation_array(histories):
    """Lists of turns -> the raw input: (N,) object array of str, turns joined by " || "."""
    return np.array([join_turns(history) for history in histories], dtype=object)


def join_turns(turns):
    """One conversation's turns -> its raw string (" || " between the turns)."""
    return f" {SEPARATOR} ".join(str(turn) for turn in turns)


def recent_turns(conversations, count, separator=SEPARATOR):
    """(N,) conversations -> ragged (N, <= count) strings: the last `count` non-empty turns."""
    conversations = tf.reshape(tf.convert_to_tensor(conversations, tf.string), [-1])
    turns = tf.strings.strip(tf.strings.split(conversations, sep=separator))
    return tf.ragged.boolean_mask(turns, tf.strings.length(turns) > 0)[:, -count:]


def pad_at_start(recent, rows, count):
    """Per-turn rows (M, ...) of ragged `recent` (N, <= count) -> (N, count, ...), zeros first."""
    conversation = tf.cast(recent.value_rowids(), tf.int32)
    lengths = tf.cast(recent.row_lengths(), tf.int32)
    position = tf.range(tf.shape(conversation)[0]) - tf.gather(tf.cast(recent.row_starts(), tf.int32), conversation)
    slot = count - tf.gather(lengths, conversation) + position
    shape = tf.concat([[tf.cast(recent.nrows(), tf.int32), count], tf.shape(rows)[1:]], axis=0)
    return tf.scatter_nd(tf.stack([conversation, slot], axis=1), rows, shape)


@keras.saving.register_keras_serializable(package="annsuite")
class ContextIds(keras.layers.Layer):
    """Conversations (N,) strings -> (N, utterances, utterance_length) int32 word ids.

    Args:
        vocabulary: the tokens, `shared.text.SPECIALS` first (`Vocabulary.tokens`).
        utterances: turns of the window (the question and the exchanges before it).
        utterance_length: ids kept of each turn.
        kind, proto, lowercase, punctuation: the tokenizer (as `shared.text.TextToIds`;
            punctuation: the chatbot's rule `PUNCTUATION` unless told; a config without it,
            saved before the rule was carried, reloads with the then default "split").
        separator: what separates the turns of a conversation.
        **kwargs: standard layer arguments.

    Example:
    ```python
    ContextIds(vocabulary.tokens, 3, 12)(np.array(["hi || hello! || and you?"], dtype=object))
    ```
    """

    def __init__(self, vocabulary=(), utterances=1, utterance_length=12, kind="word", proto=None,
                 lowercase=True, punctuation=PUNCTUATION, separator=SEPARATOR, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.separator = separator
        self.utterances = utterances
        self.utterance_length = utterance_length
        self.text_to_ids = TextToIds(kind, vocabulary, proto, sequence_length=utterance_length,
                                     lowercase=lowercase, punctuation=punctuation, name="text_to_ids")

    @property
    def vocabulary(self):
        return self.text_to_ids.vocabulary

    @property
    def punctuation(self):
        return self.text_to_ids.punctuation

    def build(self, input_shape):
        self.built = True  # no weights: the lookups are built from the vocabulary

    def call(self, conversations):
        recent = recent_turns(conversations, self.utterances, self.separator)
        ids = self.text_to_ids(recent.flat_values)
        return tf.ensure_shape(pad_at_start(recent, ids, self.utterances),
                               [None, self.utterances, self.utterance_length])

    def compute_output_spec(self, conversations):
        return keras.KerasTensor((conversations.shape[0], self.utterances, self.utterance_length), dtype="int32")

    def get_config(self):
        inner = self.text_to_ids
        return {**super().get_config(), "vocabulary": inner.vocabulary, "utterances": self.utterances,
                "utterance_length": self.utterance_length, "kind": inner.kind, "proto": inner.proto,
                "lowercase": inner.lowercase, "punctuation": inner.punctuation, "separator": self.separator}

    @classmethod
    def from_config(cls, config):
        # Saved without a punctuation mode: the model was trained with shared.text's default then.
        return super().from_config({"punctuation": "split", **config})


@keras.saving.register_keras_serializable(package="annsuite")
class BertInputs(keras.layers.Layer):
    """Conversations or responses (N,) strings -> the inputs of a BERT backbone.

    Args:
        vocabulary: the preset's WordPiece vocabulary.
        lowercase: the preset tokenizer's lower-casing.
        sequence_length: ids per row ([PAD] after them).
        utterances: turns of a conversation's window; None: one response per row.
        side: the prefix of the output names (`{side}_token_ids`, `_segment_ids`, `_padding_mask`).
        separator: what separates the turns of a conversation.
        **kwargs: standard layer arguments.
    """

    def __init__(self, vocabulary=(), lowercase=True, sequence_length=96, utterances=None, side="context",
                 separator=SEPARATOR, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.separator = separator
        self.lowercase = lowercase
        self.sequence_length = sequence_length
        self.utterances = utterances
        self.side = side
        self.tokenizer = keras_hub.models.BertTokenizer(vocabulary=list(vocabulary), lowercase=lowercase,
                                                        name="bert_tokenizer")
        self.cls, self.sep, self.pad = (self.tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]"))

    @property
    def vocabulary(self):
        return list(self.tokenizer.get_vocabulary())

    def build(self, input_shape):
        self.built = True

    def pieces(self, strings):
        """Ragged int32 pieces (keras-hub tokenizers give Python lists when called eagerly)."""
        if tf.executing_eagerly():
            pieces = tf.function(self.tokenizer, input_signature=[tf.TensorSpec([None], tf.string)])(strings)
        else:
            pieces = self.tokenizer(strings)
        return tf.cast(pieces, tf.int32)

    def column(self, rows, value):
        return tf.fill(tf.stack([rows, 1]), value)

    def token_ids(self, texts):
        if self.utterances is None:  # responses: [CLS] first pieces [SEP]
            pieces = self.pieces(tf.reshape(tf.convert_to_tensor(texts, tf.string), [-1]))
            rows = pieces.nrows(out_type=tf.int32)
            return tf.concat([self.column(rows, self.cls), pieces[:, :self.sequence_length - 2],
                              self.column(rows, self.sep)], axis=1)
        recent = recent_turns(texts, self.utterances, self.separator)
        pieces = self.pieces(recent.flat_values)
        pieces = tf.concat([pieces, self.column(pieces.nrows(out_type=tf.int32), self.sep)], axis=1)
        flat = tf.RaggedTensor.from_row_lengths(pieces, recent.row_lengths()).merge_dims(1, 2)
        return tf.concat([self.column(flat.nrows(out_type=tf.int32), self.cls),
                          flat[:, -(self.sequence_length - 1):]], axis=1)

    def call(self, texts):
        ids = self.token_ids(texts).to_tensor(default_value=self.pad, shape=[None, self.sequence_length])
        return {f"{self.side}_token_ids": ids, f"{self.side}_segment_ids": tf.zeros_like(ids),
                f"{self.side}_padding_mask": tf.not_equal(ids, self.pad)}

    def compute_output_spec(self, texts):
        shape = (texts.shape[0], self.sequence_length)
        return {f"{self.side}_token_ids": keras.KerasTensor(shape, dtype="int32"),
                f"{self.side}_segment_ids": keras.KerasTensor(shape, dtype="int32"),
                f"{self.side}_padding_mask": keras.KerasTensor(shape, dtype="bool")}

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary, "lowercase": self.lowercase,
                "sequence_length": self.sequence_length, "utterances": self.utterances, "side": self.side,
                "separator": self.separator}
