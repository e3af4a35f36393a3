"""Encoder-decoder translators: RNN (with or without attention) and Transformer.

Each model is a `keras.Model` subclass (the decoding loop needs it) with one
interface that `apps.translator.decoding` drives:

- `call((source, target_in))`: teacher forcing, logits (B, T, V);
- `encode(source)`: the memory (a dict of batch-first tensors);
- `initial_state(memory)`: the decoder state before the first step;
- `step(tokens, index, state, memory)`: logits (N, V) of the token after
  `tokens[:, index]`, and the new state;
- `attention_weights(source, target_in)`: (B, T, S) weights of the target
  steps over the source tokens (None for `seq2seq`; `has_attention`).

Token id 0 is padding everywhere (masked in the encoder and in the loss).
"""

from __future__ import annotations

import keras
import keras_hub
from keras import ops

from shared.layers.attention import BahdanauAttention, LuongAttention
from shared.schedules import warmup_cosine

PACKAGE = "annsuite"


def rnn_layer(cell, units, **kwargs):
    layer = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}[cell]
    return layer(units, return_sequences=True, return_state=True, **kwargs)


@keras.saving.register_keras_serializable(package=PACKAGE)
class RNNTranslator(keras.Model):
    """Bidirectional RNN encoder, RNN decoder started from the encoder's state.

    With `attention` ("luong" or "bahdanau"), each decoder output attends
    over the encoder states; the context vector and the decoder state are
    combined by a tanh layer before the softmax (Luong et al. 2015). Without
    it (`attention=None`), the decoder sees the source only through its
    initial state (Sutskever et al. 2014, Cho et al. 2014).

    Args:
        source_vocab_size, target_vocab_size: vocabulary sizes (with specials).
        embedding_dim: token embedding size.
        units: encoder units per direction; the decoder has `2 * units`.
        cell: "gru" or "lstm".
        attention: None, "luong" or "bahdanau".
        dropout: dropout on embeddings and the combined state.
    """

    def __init__(self, source_vocab_size, target_vocab_size, embedding_dim=64, units=128,
                 cell="gru", attention="luong", dropout=0.1, **kwargs):
        super().__init__(**kwargs)
        self.source_vocab_size, self.target_vocab_size = source_vocab_size, target_vocab_size
        self.embedding_dim, self.units, self.cell = embedding_dim, units, cell
        self.attention, self.dropout = attention, dropout
        self.source_embedding = keras.layers.Embedding(source_vocab_size, embedding_dim, mask_zero=True,
                                                       name="source_embedding")
        self.encoder = keras.layers.Bidirectional(rnn_layer(cell, units), name="encoder")
        self.target_embedding = keras.layers.Embedding(target_vocab_size, embedding_dim, name="target_embedding")
        self.decoder = rnn_layer(cell, 2 * units, name="decoder")
        self.attention_layer = None
        if attention == "luong":
            self.attention_layer = LuongAttention("general", name="attention")
        elif attention == "bahdanau":
            self.attention_layer = BahdanauAttention(units, name="attention")
        self.combine = keras.layers.Dense(2 * units, activation="tanh", name="combine")
        self.drop = keras.layers.Dropout(dropout)
        self.classifier = keras.layers.Dense(target_vocab_size, name="logits")

    @property
    def has_attention(self):
        return self.attention_layer is not None

    def encode(self, source, training=False):
        mask = ops.not_equal(source, 0)
        embedded = self.drop(self.source_embedding(source), training=training)
        outputs, *states = self.encoder(embedded, mask=mask, training=training)
        half = len(states) // 2
        merged = [ops.concatenate([f, b], axis=-1) for f, b in zip(states[:half], states[half:])]
        return {"states": outputs, "mask": mask, "initial": merged}

    def initial_state(self, memory):
        return list(memory["initial"])

    def output_logits(self, outputs, memory, training=False):
        """Decoder outputs (B, [T,] D) -> logits and attention weights."""
        weights = None
        if self.attention_layer is not None:
            context, weights = self.attention_layer(outputs, memory["states"], mask=memory["mask"])
            outputs = ops.concatenate([outputs, context], axis=-1)
        combined = self.drop(self.combine(outputs), training=training)
        return self.classifier(combined), weights

    def decode(self, target_in, memory, training=False):
        embedded = self.drop(self.target_embedding(target_in), training=training)
        outputs, *_ = self.decoder(embedded, initial_state=self.initial_state(memory), training=training)
        return self.output_logits(outputs, memory, training)

    def call(self, inputs, training=False):
        source, target_in = inputs
        logits, _ = self.decode(target_in, self.encode(source, training), training)
        return logits

    def step(self, tokens, index, state, memory):
        embedded = self.target_embedding(tokens[:, index])
        output, state = self.decoder.cell(embedded, state)
        logits, _ = self.output_logits(output, memory)
        return logits, list(state) if isinstance(state, (list, tuple)) else [state]

    def attention_weights(self, source, target_in):
        if self.attention_layer is None:
            return None
        return self.decode(target_in, self.encode(source))[1]

    def get_config(self):
        config = super().get_config()
        config.update({"source_vocab_size": self.source_vocab_size,
                       "target_vocab_size": self.target_vocab_size,
                       "embedding_dim": self.embedding_dim, "units": self.units, "cell": self.cell,
                       "attention": self.attention, "dropout": self.dropout})
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class TransformerTranslator(keras.Model):
    """Transformer encoder-decoder (Vaswani et al. 2017) from keras-hub blocks.

    Token and learned position embeddings, `num_layers` `TransformerEncoder`
    blocks over the source (padding masked), `num_layers`
    `TransformerDecoder` blocks (causal self-attention, cross-attention to
    the encoder, feed-forward) and a softmax over the target vocabulary.

    Args:
        source_vocab_size, target_vocab_size: vocabulary sizes (with specials).
        max_length: longest sequence (source, and target with [START]/[END]).
        units: model width; num_heads, feedforward_dim, num_layers, dropout.
    """

    def __init__(self, source_vocab_size, target_vocab_size, max_length, units=128, num_heads=4,
                 feedforward_dim=256, num_layers=2, dropout=0.1, **kwargs):
        super().__init__(**kwargs)
        self.source_vocab_size, self.target_vocab_size = source_vocab_size, target_vocab_size
        self.max_length, self.units, self.num_heads = max_length, units, num_heads
        self.feedforward_dim, self.num_layers, self.dropout = feedforward_dim, num_layers, dropout
        embed = keras_hub.layers.TokenAndPositionEmbedding
        self.source_embedding = embed(source_vocab_size, max_length, units, name="source_embedding")
        self.target_embedding = embed(target_vocab_size, max_length, units, name="target_embedding")
        self.encoders = [keras_hub.layers.TransformerEncoder(feedforward_dim, num_heads, dropout,
                                                             name=f"encoder_{i}") for i in range(num_layers)]
        self.decoders = [keras_hub.layers.TransformerDecoder(feedforward_dim, num_heads, dropout,
                                                             name=f"decoder_{i}") for i in range(num_layers)]
        self.classifier = keras.layers.Dense(target_vocab_size, name="logits")

    has_attention = True

    def encode(self, source, training=False):
        mask = ops.not_equal(source, 0)
        x = self.source_embedding(source)
        for layer in self.encoders:
            x = layer(x, padding_mask=mask, training=training)
        return {"states": x, "mask": mask}

    def initial_state(self, memory):
        return [ops.zeros((ops.shape(memory["states"])[0], 1))]

    def decoder_inputs(self, target_in, memory, training=False, layers=None):
        x = self.target_embedding(target_in)
        for layer in self.decoders if layers is None else layers:
            x = layer(x, memory["states"], decoder_padding_mask=ops.not_equal(target_in, 0),
                      encoder_padding_mask=memory["mask"], training=training)
        return x

    def call(self, inputs, training=False):
        source, target_in = inputs
        memory = self.encode(source, training)
        return self.classifier(self.decoder_inputs(target_in, memory, training))

    def step(self, tokens, index, state, memory):
        # The whole buffer goes through the decoder; the causal mask keeps
        # positions after `index` from affecting it.
        x = self.classifier(self.decoder_inputs(tokens[:, :-1], memory))
        return ops.take(x, index, axis=1), state

    def attention_weights(self, source, target_in):
        """Cross-attention of the last decoder block, averaged over heads.

        keras-hub's `TransformerDecoder` returns no attention scores and has
        no public API for them, so its sub-layers are called here in the
        order of its own `call` (self-attention, then cross-attention).
        """
        memory = self.encode(source)
        x = self.decoder_inputs(target_in, memory, layers=self.decoders[:-1])
        last = self.decoders[-1]
        self_mask = last._compute_self_attention_mask(x, ops.not_equal(target_in, 0), None, True, None, None)
        residual = x
        x = last._self_attention_layer(query=x, value=x, attention_mask=self_mask)
        x = last._self_attention_layer_norm(x + residual)
        cross_mask = ops.expand_dims(memory["mask"], 1) & ops.expand_dims(ops.ones_like(target_in, "bool"), -1)
        _, scores = last._cross_attention_layer(query=x, value=memory["states"], attention_mask=cross_mask,
                                                return_attention_scores=True)
        return ops.mean(scores, axis=1)

    def get_config(self):
        config = super().get_config()
        config.update({"source_vocab_size": self.source_vocab_size,
                       "target_vocab_size": self.target_vocab_size, "max_length": self.max_length,
                       "units": self.units, "num_heads": self.num_heads,
                       "feedforward_dim": self.feedforward_dim, "num_layers": self.num_layers,
                       "dropout": self.dropout})
        return config


def build_model(config, source_vocab_size, target_vocab_size, max_length=None):
    """The model the config names, built on a dummy batch.

    `max_length`: the sequence cap in tokens (default `config.max_length`).
    """
    name = config.model or "attention"  # None: not resolved from data (a bare config)
    if name == "transformer":
        length = (max_length or config.max_length) + 2
        model = TransformerTranslator(source_vocab_size, target_vocab_size, length,
                                      config.units, config.num_heads, config.feedforward_dim,
                                      config.num_layers, config.dropout, name="transformer")
    else:
        attention = None if name == "seq2seq" else config.attention
        model = RNNTranslator(source_vocab_size, target_vocab_size, config.embedding_dim, config.units,
                              config.cell, attention, config.dropout, name=name)
    model((ops.ones((1, 3), "int32"), ops.ones((1, 4), "int32")))
    return model


@keras.saving.register_keras_serializable(package=PACKAGE)
def masked_accuracy(y_true, y_pred):
    """Token accuracy over the real (non-padding) target tokens."""
    mask = ops.cast(ops.not_equal(y_true, 0), "float32")
    hits = ops.cast(ops.equal(ops.cast(y_true, "int32"), ops.cast(ops.argmax(y_pred, -1), "int32")), "float32")
    return ops.sum(hits * mask) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package=PACKAGE)
class SmoothedCrossentropy(keras.losses.Loss):
    """Cross-entropy on logits with label smoothing, averaged over the real target tokens.

    The target distribution is `1 - smoothing` on the reference token plus
    `smoothing` spread evenly over the vocabulary (Szegedy et al. 2016,
    Vaswani et al. 2017); padding (id 0) is left out of the mean, as
    `SparseCategoricalCrossentropy(ignore_class=0)` does.

    Args:
        smoothing: the probability mass taken from the reference token.
    """

    def __init__(self, smoothing=0.1, name="smoothed_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.smoothing = float(smoothing)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        log_probs = ops.log_softmax(ops.cast(y_pred, "float32"), axis=-1)
        reference = -ops.take_along_axis(log_probs, ops.expand_dims(y_true, -1), axis=-1)[..., 0]
        uniform = -ops.mean(log_probs, axis=-1)
        token_loss = (1.0 - self.smoothing) * reference + self.smoothing * uniform
        mask = ops.cast(ops.not_equal(y_true, 0), "float32")
        return ops.sum(token_loss * mask) / ops.maximum(ops.sum(mask), 1.0)

    def get_config(self):
        return {**super().get_config(), "smoothing": self.smoothing}


def translation_loss(label_smoothing=0.0):
    """The masked cross-entropy; with `label_smoothing` > 0, `SmoothedCrossentropy`."""
    if label_smoothing:
        return SmoothedCrossentropy(label_smoothing)
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)


def compile_model(model, learning_rate, decay_steps=None, label_smoothing=0.0, warmup_fraction=0.0,
                  jit_compile=False):
    """Adam (clipped; cosine decay over `decay_steps`, after a linear warm-up over
    `warmup_fraction` of them), the masked cross-entropy (label-smoothed) and token accuracy;
    `jit_compile`: the training step through XLA."""
    if decay_steps and warmup_fraction:
        learning_rate = warmup_cosine(learning_rate, decay_steps, warmup_fraction, final_fraction=0.05)
    elif decay_steps:
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
                  loss=translation_loss(label_smoothing), metrics=[masked_accuracy], jit_compile=jit_compile)
    return model
