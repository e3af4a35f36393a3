"""The retrieval encoder: multi-head attention pooling of words with turn positions."""

from __future__ import annotations

import keras
from keras import ops

from shared.layers.attention import masked_softmax


@keras.saving.register_keras_serializable(package="annsuite")
class TurnAttentionEncoder(keras.layers.Layer):
    """One vector for the words of the last utterances of a conversation.

    Every word is embedded; its attention key adds a learned embedding of
    its utterance's position (the question last), so a head can prefer the
    latest mention of a slot ("what about milan?" overrides the paris of two
    turns back while the day still comes from the first question). Each of
    `heads` heads pools the word embeddings by its own masked softmax over
    all the words, and the heads are concatenated. The pooled values are the
    word embeddings themselves (no convolution or recurrence over them), so
    the vector of a combination of slot values never seen in training is
    built from the vectors of its values: a dual encoder made of two of
    these ranks held-out combinations.

    Args:
        vocabulary_size: ids 0 (padding) to vocabulary_size - 1.
        embedding_dim: word (and position) embedding size.
        heads: attention heads (the output has `heads * embedding_dim` values).
        attention_units: hidden size of the attention scoring layer.
        dropout: dropout rate on the embeddings.
        **kwargs: standard layer arguments.

    Call arguments:
        tokens: (batch, utterances, words) int ids, 0 for padding.

    Returns:
        (batch, heads * embedding_dim); zeros for an all-padding input.

    Example:
    ```python
    vector = TurnAttentionEncoder(500, 32, heads=4, attention_units=32)(ids)
    ```
    """

    def __init__(self, vocabulary_size, embedding_dim, heads=8, attention_units=64, dropout=0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.heads = heads
        self.attention_units = attention_units
        self.dropout = dropout
        self.embedding = keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding")
        self.embedding_dropout = keras.layers.Dropout(dropout)
        self.hidden = keras.layers.Dense(attention_units, activation="tanh", name="attention_hidden")
        self.scores = keras.layers.Dense(heads, name="attention_scores")

    def build(self, input_shape):
        utterances, words = input_shape[1], input_shape[2]
        self.positions = self.add_weight(name="turn_positions", shape=(utterances, self.embedding_dim),
                                         initializer="zeros")
        self.embedding.build((None, utterances * words))
        self.hidden.build((None, utterances * words, self.embedding_dim))
        self.scores.build((None, utterances * words, self.attention_units))
        self.built = True

    def call(self, tokens, training=None):
        utterances, words = tokens.shape[1], tokens.shape[2]
        flat = ops.reshape(tokens, (-1, utterances * words))
        mask = ops.not_equal(flat, 0)
        embedded = self.embedding_dropout(self.embedding(flat), training=training)
        positions = ops.repeat(self.positions, words, axis=0)[None]
        scores = self.scores(self.hidden(embedded + ops.cast(positions, embedded.dtype)))
        weights = masked_softmax(ops.transpose(scores, (0, 2, 1)), mask)
        pooled = ops.matmul(weights, embedded)
        return ops.reshape(pooled, (-1, self.heads * self.embedding_dim))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.heads * self.embedding_dim)

    def get_config(self):
        config = super().get_config()
        config.update({"vocabulary_size": self.vocabulary_size, "embedding_dim": self.embedding_dim,
                       "heads": self.heads, "attention_units": self.attention_units,
                       "dropout": self.dropout})
        return config
