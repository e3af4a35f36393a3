"""The chatbot's own layers: the word level of the hierarchical encoder, in-batch similarity, copying.

`import apps` imports this module, so it also imports every other chatbot
layer that `model.keras` and `checkpoints/best.keras` hold (the retrieval
encoder, the preprocessing, decoding and knowledge-base layers): then
`keras.saving.load_model(..., safe_mode=True)` finds them all.
"""

from __future__ import annotations

import keras
from keras import ops

from apps.chatbot.decoding import ResponseBank, ResponseDecoder  # noqa: F401 - registered for load_model
from apps.chatbot.preprocessing import BertInputs, ContextIds  # noqa: F401 - registered for load_model
from apps.chatbot.turn_encoder import TurnAttentionEncoder  # noqa: F401 - registered for load_model
from shared.layers.attention import AttentionPooling


@keras.saving.register_keras_serializable(package="annsuite")
class UtteranceEncoder(keras.layers.Layer):
    """Word level of a hierarchical encoder: one vector per utterance.

    Each utterance's words are embedded, read by two same-padded 1-D
    convolutions (each word state sees five words around it; much cheaper
    than a recurrent layer on CPUs) and pooled by word attention
    (`AttentionPooling`) into one vector.

    Args:
        vocabulary_size: ids 0 (padding) to vocabulary_size - 1.
        embedding_dim: word embedding size.
        units: size of the word states and utterance vectors.
        attention_units: hidden size of the word attention.
        dropout: dropout rate on the embeddings.
        **kwargs: standard layer arguments.

    Call arguments:
        tokens: (batch, utterances, words) int ids, 0 for padding.

    Returns:
        `(vectors, word_states, word_mask, word_weights, utterance_mask)`:
        (batch, utterances, units), (batch, utterances * words, units),
        (batch, utterances * words) bool, (batch, utterances, words) and
        (batch, utterances) bool (False for empty utterances).

    Example:
    ```python
    vectors, states, mask, weights, present = UtteranceEncoder(500, 32, 64, 32)(ids)
    ```
    """

    def __init__(self, vocabulary_size, embedding_dim, units, attention_units, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.units = units
        self.attention_units = attention_units
        self.dropout = dropout
        self.embedding = keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True,
                                                name="embedding")
        self.embedding_dropout = keras.layers.Dropout(dropout)
        self.convolutions = [
            keras.layers.Conv1D(units, 3, padding="same", activation="relu", name=f"word_conv_{i}")
            for i in (1, 2)]
        self.pooling = AttentionPooling(attention_units, return_weights=True, name="word_attention")

    def build(self, input_shape):
        words = input_shape[-1]
        self.embedding.build((None, words))
        self.convolutions[0].build((None, words, self.embedding_dim))
        self.convolutions[1].build((None, words, self.units))
        self.pooling.build((None, words, self.units))
        self.built = True

    def call(self, tokens, training=None):
        shape = ops.shape(tokens)
        utterances, words = tokens.shape[1], tokens.shape[2]
        flat = ops.reshape(tokens, (-1, words))
        mask = ops.not_equal(flat, 0)
        embedded = self.embedding_dropout(self.embedding(flat), training=training)
        keep = ops.expand_dims(ops.cast(mask, embedded.dtype), -1)
        states = embedded * keep
        for convolution in self.convolutions:
            states = convolution(states) * keep
        vectors, weights = self.pooling(states, mask=mask)
        vectors = ops.reshape(vectors, (shape[0], utterances, self.units))
        word_states = ops.reshape(states, (shape[0], utterances * words, self.units))
        word_mask = ops.reshape(mask, (shape[0], utterances * words))
        weights = ops.reshape(weights, (shape[0], utterances, words))
        present = ops.any(ops.not_equal(tokens, 0), axis=-1)
        return vectors, word_states, word_mask, weights, present

    def compute_output_spec(self, tokens, training=None):
        batch, utterances, words = tokens.shape
        spec = keras.KerasTensor
        return (spec((batch, utterances, self.units)), spec((batch, utterances * words, self.units)),
                spec((batch, utterances * words), dtype="bool"), spec((batch, utterances, words)),
                spec((batch, utterances), dtype="bool"))

    def get_config(self):
        config = super().get_config()
        config.update({"vocabulary_size": self.vocabulary_size, "embedding_dim": self.embedding_dim,
                       "units": self.units, "attention_units": self.attention_units,
                       "dropout": self.dropout})
        return config


@keras.saving.register_keras_serializable(package="annsuite")
class InBatchSimilarity(keras.layers.Layer):
    """Scaled cosine similarities of every context with every response of a batch.

    The logits of a contrastive (in-batch negatives) loss whose labels are
    `range(batch)`. A response that repeats the true one elsewhere in the
    batch is no negative: its logit is pushed to -1e9.

    Args:
        scale: the similarities (of unit vectors) are multiplied by it.
        **kwargs: standard layer arguments.

    Call arguments:
        contexts: (batch, dim) unit vectors.
        responses: (batch, dim) unit vectors.
        response_tokens: (batch, words) ids, to find repeated responses.

    Example:
    ```python
    logits = InBatchSimilarity(20.0)(context_vectors, response_vectors, response_ids)
    ```
    """

    def __init__(self, scale=20.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, contexts, responses, response_tokens):
        logits = self.scale * ops.matmul(contexts, ops.transpose(responses))
        same = ops.all(ops.equal(ops.expand_dims(response_tokens, 1),
                                 ops.expand_dims(response_tokens, 0)), axis=-1)
        diagonal = ops.eye(ops.shape(logits)[0], dtype="bool")
        repeated = ops.logical_and(same, ops.logical_not(diagonal))
        return ops.where(repeated, ops.full_like(logits, -1e9), logits)

    def compute_output_shape(self, contexts_shape, responses_shape, response_tokens_shape):
        return (contexts_shape[0], responses_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale})
        return config


@keras.saving.register_keras_serializable(package="annsuite")
class CopyGenerator(keras.layers.Layer):
    """Pointer-generator output (See et al. 2017): generate a word or copy one.

    A learned gate mixes the softmax over the vocabulary with the decoder's
    word-attention weights spread onto the ids of the context words, so a
    slot value (a city, a colour) can be copied from any earlier turn even
    in combinations training never showed. Returns log-probabilities, which
    a `from_logits=True` loss and keras-hub samplers take as logits.

    Args:
        vocabulary_size: size of the output vocabulary.
        **kwargs: standard layer arguments.

    Call arguments:
        logits: (batch, steps, vocabulary_size) generation logits.
        weights: (batch, steps, source) word-attention weights.
        source_ids: (batch, ..., words) ids of the attended words (flattened
            to `source` positions in order).
        features: (batch, steps, dim) decoder features for the gate.

    Example:
    ```python
    log_probs = CopyGenerator(500)(logits, word_weights, context_ids, features)
    ```
    """

    def __init__(self, vocabulary_size, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.supports_masking = True  # padded steps are weighted out by the loss
        self.gate = keras.layers.Dense(1, activation="sigmoid", name="copy_gate")

    def build(self, logits_shape, weights_shape, source_ids_shape, features_shape):
        self.gate.build(features_shape)
        self.built = True

    def call(self, logits, weights, source_ids, features):
        source = ops.reshape(source_ids, (ops.shape(source_ids)[0], -1))
        copy = ops.matmul(weights, ops.one_hot(source, self.vocabulary_size, dtype=weights.dtype))
        gate = self.gate(features)
        probabilities = (1.0 - gate) * ops.softmax(logits, axis=-1) + gate * copy
        return ops.log(probabilities + 1e-9)

    def compute_mask(self, logits, weights=None, source_ids=None, features=None, mask=None):
        return None

    def compute_output_shape(self, logits_shape, weights_shape, source_ids_shape, features_shape):
        return tuple(logits_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"vocabulary_size": self.vocabulary_size})
        return config
