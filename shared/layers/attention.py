"""Attention over a sequence of encoder states: Bahdanau, Luong, pooling.

The translator's and the chatbot's decoders attend to encoder states with
`BahdanauAttention` (additive scores) or `LuongAttention` (dot-product or
"general" bilinear scores); the sentiment classifier and the chatbot's
hierarchical encoders pool a sequence into one vector with
`AttentionPooling`. All three take an explicit `mask` for the attended
sequence (True where a real token is) and give padded steps zero weight.
"""

import keras
from keras import ops


def masked_softmax(scores, mask):
    """Softmax over the last axis; steps where `mask` is False get weight 0.

    `scores` is (batch, ..., steps), `mask` is None or (batch, steps) and is
    broadcast over the middle axes. A row whose steps are all masked gives
    all-zero weights instead of NaN.
    """
    if mask is None:
        return ops.softmax(scores, axis=-1)
    mask = ops.cast(mask, "bool")
    while len(mask.shape) < len(scores.shape):
        mask = ops.expand_dims(mask, axis=1)
    very_negative = ops.cast(-1e9 if scores.dtype == "float32" else -3e4, scores.dtype)
    weights = ops.softmax(ops.where(mask, scores, very_negative), axis=-1)
    return ops.where(mask, weights, ops.zeros_like(weights))


class _SequenceAttention(keras.layers.Layer):
    """Common call: (query, values, mask) -> (context, weights)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # the mask is consumed, not passed on

    def compute_mask(self, query, values=None, mask=None):
        return (None, None)

    def score(self, query, values):
        raise TypeError(f"{type(self).__name__} must define score()")

    def call(self, query, values, mask=None):
        single = len(query.shape) == 2
        if single:
            query = ops.expand_dims(query, axis=1)
        weights = masked_softmax(self.score(query, values), mask)
        context = ops.matmul(weights, values)
        if single:
            return ops.squeeze(context, axis=1), ops.squeeze(weights, axis=1)
        return context, weights

    def compute_output_shape(self, query_shape, values_shape):
        return (tuple(query_shape[:-1]) + (values_shape[-1],),
                tuple(query_shape[:-1]) + (values_shape[1],))


@keras.saving.register_keras_serializable(package="annsuite")
class BahdanauAttention(_SequenceAttention):
    """Additive attention (Bahdanau et al. 2015): v^T tanh(W_q q + W_k k).

    Args:
        units: size of the hidden scoring layer.
        **kwargs: standard layer arguments.

    Call arguments:
        query: (batch, query_dim) or (batch, query_steps, query_dim).
        values: (batch, steps, value_dim), the encoder states.
        mask: None or (batch, steps) booleans, True for real steps.

    Returns:
        `(context, weights)`: context (batch, [query_steps,] value_dim) and
        weights (batch, [query_steps,] steps), each row summing to 1.

    Example:
    ```python
    context, weights = BahdanauAttention(16)(decoder_state, encoder_states)
    ```
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        if units < 1:
            raise ValueError(f"units must be >= 1, got {units!r}")
        self.units = units
        self.query_dense = keras.layers.Dense(units, use_bias=False, name="query",
                                              dtype=self.dtype_policy)
        self.key_dense = keras.layers.Dense(units, name="key", dtype=self.dtype_policy)
        self.score_dense = keras.layers.Dense(1, use_bias=False, name="score",
                                              dtype=self.dtype_policy)

    def build(self, query_shape, values_shape):
        self.query_dense.build(query_shape)
        self.key_dense.build(values_shape)
        self.score_dense.build(tuple(values_shape[:-1]) + (self.units,))
        self.built = True

    def score(self, query, values):
        q = ops.expand_dims(self.query_dense(query), axis=2)    # (B, Tq, 1, U)
        k = ops.expand_dims(self.key_dense(values), axis=1)     # (B, 1, Tv, U)
        return ops.squeeze(self.score_dense(ops.tanh(q + k)), axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


@keras.saving.register_keras_serializable(package="annsuite")
class LuongAttention(_SequenceAttention):
    """Multiplicative attention (Luong et al. 2015).

    Args:
        score_mode: "dot" (q . k, needs equal sizes; scaled by 1/sqrt(dim)
            when `scale` is True) or "general" (q^T W k).
        scale: divide dot scores by sqrt(dim), as the Transformer does.
        **kwargs: standard layer arguments.

    Call arguments and returns: as `BahdanauAttention`.

    Example:
    ```python
    context, weights = LuongAttention("general")(decoder_states, encoder_states)
    ```
    """

    def __init__(self, score_mode="general", scale=False, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "general"):
            raise ValueError(f"score_mode must be 'dot' or 'general', got {score_mode!r}")
        self.score_mode = score_mode
        self.scale = scale
        self.kernel = None

    def build(self, query_shape, values_shape):
        if self.score_mode == "general":
            self.kernel = self.add_weight(name="kernel",
                                          shape=(query_shape[-1], values_shape[-1]),
                                          initializer="glorot_uniform")
        elif query_shape[-1] != values_shape[-1]:
            raise ValueError("dot scores need query and values of one size, got "
                             f"{query_shape[-1]} and {values_shape[-1]}")
        self.built = True

    def score(self, query, values):
        if self.kernel is not None:
            query = ops.matmul(query, self.kernel)
        scores = ops.matmul(query, ops.transpose(values, (0, 2, 1)))
        if self.scale:
            scores = scores / ops.sqrt(ops.cast(values.shape[-1], scores.dtype))
        return scores

    def get_config(self):
        config = super().get_config()
        config.update({"score_mode": self.score_mode, "scale": self.scale})
        return config


@keras.saving.register_keras_serializable(package="annsuite")
class AttentionPooling(keras.layers.Layer):
    """Pools (batch, steps, dim) into (batch, dim) with learned weights.

    weights = softmax(v^T tanh(W h_t)) over the real steps; the output is
    sum_t weights_t h_t (the word/utterance attention of Yang et al. 2016).

    Args:
        units: size of the hidden scoring layer.
        return_weights: also return the (batch, steps) weights.
        **kwargs: standard layer arguments.

    Example:
    ```python
    vector, weights = AttentionPooling(32, return_weights=True)(states, mask=mask)
    ```
    """

    def __init__(self, units, return_weights=False, **kwargs):
        super().__init__(**kwargs)
        if units < 1:
            raise ValueError(f"units must be >= 1, got {units!r}")
        self.units = units
        self.return_weights = return_weights
        self.supports_masking = True
        self.hidden = keras.layers.Dense(units, activation="tanh", name="hidden",
                                         dtype=self.dtype_policy)
        self.score_dense = keras.layers.Dense(1, use_bias=False, name="score",
                                              dtype=self.dtype_policy)

    def build(self, input_shape):
        self.hidden.build(input_shape)
        self.score_dense.build(tuple(input_shape[:-1]) + (self.units,))
        self.built = True

    def call(self, inputs, mask=None):
        scores = ops.squeeze(self.score_dense(self.hidden(inputs)), axis=-1)
        weights = masked_softmax(scores, mask)
        pooled = ops.sum(inputs * ops.expand_dims(weights, -1), axis=1)
        return (pooled, weights) if self.return_weights else pooled

    def compute_mask(self, inputs, mask=None):
        return (None, None) if self.return_weights else None

    def compute_output_shape(self, input_shape):
        pooled = (input_shape[0], input_shape[-1])
        return (pooled, tuple(input_shape[:2])) if self.return_weights else pooled

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "return_weights": self.return_weights})
        return config
