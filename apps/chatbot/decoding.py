"""From context ids to answers, in the graph: generators decode, retrievers rank a bank.

`Generator` splits a trained generator into its encoder (a Keras model on
the same layers) and one decoder step, and decodes with a keras-hub
sampler (greedy, beam, top-k or top-p) in plain graph code, so the same
ops serve `evaluate`, the TensorBoard samples, `model.keras` (through
`ResponseDecoder`) and the SavedModel. `ResponseBank` holds a retriever's
knowledge base (the responses and their embeddings) and answers with the
nearest ones.
"""

from __future__ import annotations

import keras
import keras_hub
import numpy as np
import tensorflow as tf
from keras import ops

from shared.text import END_ID, START_ID


def make_sampler(decoding, beam_width=4, top_k=5, top_p=0.9, temperature=1.0, seed=None):
    if decoding == "greedy":
        return keras_hub.samplers.GreedySampler()
    if decoding == "beam":
        return keras_hub.samplers.BeamSampler(num_beams=beam_width)
    if decoding == "top_k":
        return keras_hub.samplers.TopKSampler(k=top_k, temperature=temperature, seed=seed)
    return keras_hub.samplers.TopPSampler(p=top_p, temperature=temperature, seed=seed)


class Generator:
    """Decoding with a trained generator network.

    Args:
        model: the network of `build_generator` (trained).
        response_length: the most tokens generated (before [END]).
        sampler: a keras-hub sampler (`make_sampler`).
    """

    def __init__(self, model, response_length, sampler):
        self.model = model
        self.length = response_length + 1
        self.sampler = sampler
        _, word_states, word_mask, word_weights, present = model.get_layer("utterance_encoder").output
        _, utterance_weights = model.get_layer("utterance_attention").output
        self.encoder = keras.Model(model.input["context"], {
            "state": model.get_layer("decoder_init").output,
            "states": model.get_layer("utterance_gru").output, "present": present,
            "word_states": word_states, "word_mask": word_mask,
            "word_weights": word_weights, "utterance_weights": utterance_weights})
        self.layers = {name: self.layer(name) for name in (
            "decoder_embedding", "decoder_gru", "decoder_word_attention",
            "decoder_utterance_attention", "decoder_concat", "decoder_combine", "logits", "copy")}
        self.generate = tf.function(self.decode)

    def layer(self, name):
        try:
            return self.model.get_layer(name)
        except ValueError:
            return None

    def step(self, token, cache):
        """One decoder step: (batch,) tokens -> (batch, vocabulary) logits, new cache."""
        layers = self.layers
        state, states, present, word_states, word_mask, context = cache
        embedded = layers["decoder_embedding"](token[:, None])
        outputs = layers["decoder_gru"](embedded, initial_state=state)
        word_context, word_weights = layers["decoder_word_attention"](outputs, word_states, mask=word_mask > 0)
        parts = [outputs, word_context]
        if layers["decoder_utterance_attention"] is not None:
            parts.append(layers["decoder_utterance_attention"](outputs, states, mask=present > 0)[0])
        features = layers["decoder_concat"](parts)
        logits = layers["logits"](layers["decoder_combine"](features))
        logits = layers["copy"](logits, word_weights, context, features)[:, 0]
        return logits, (outputs[:, 0], states, present, word_states, word_mask, context)

    def decode(self, context):
        """(batch, utterances, words) ids -> (batch, length) response ids, attention weights.

        Plain graph code: `generate` is it as a `tf.function`; `ResponseDecoder`
        calls it inside `model.keras` and the SavedModel.
        """
        encoded = self.encoder(context, training=False)
        cache = (encoded["state"], encoded["states"], ops.cast(encoded["present"], "float32"),
                 encoded["word_states"], ops.cast(encoded["word_mask"], "float32"), context)
        batch = ops.shape(context)[0]
        prompt = ops.concatenate([
            ops.full((batch, 1), START_ID, dtype="int32"),
            ops.zeros((batch, self.length), dtype="int32")], axis=1)

        def next_token(prompt, cache, index):
            logits, cache = self.step(prompt[:, index - 1], cache)
            return logits, None, cache

        tokens = self.sampler(next_token, prompt, cache=cache, index=1, stop_token_ids=[END_ID])
        return tokens[:, 1:], encoded["word_weights"], encoded["utterance_weights"]

    def ids(self, contexts, batch_size=256):
        """Numpy (N, length) response ids of (N, utterances, words) contexts."""
        out = [self.generate(contexts[i:i + batch_size])[0].numpy()
               for i in range(0, len(contexts), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.length), "int32")

    def attention(self, context_ids):
        """One context (utterances, words) -> (word weights, utterance weights)."""
        _, word_weights, utterance_weights = self.generate(context_ids[None])
        return word_weights[0].numpy(), utterance_weights[0].numpy()


@keras.saving.register_keras_serializable(package="annsuite")
class ResponseDecoder(keras.layers.Layer):
    """Context ids (N, utterances, words) -> response ids (N, length), word and utterance attention.

    Holds the trained generator network and decodes with a keras-hub
    sampler in the graph (`Generator`).

    Args:
        network: the trained generator (`build_generator`).
        response_length: the most tokens generated (before [END]).
        decoding: greedy, beam, top_k or top_p.
        beam_width, top_k, top_p, temperature, seed: the sampler's settings.
        **kwargs: standard layer arguments.
    """

    def __init__(self, network, response_length, decoding="greedy", beam_width=4, top_k=5, top_p=0.9,
                 temperature=1.0, seed=None, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.network = network
        self.response_length = response_length
        self.decoding = decoding
        self.settings = {"beam_width": beam_width, "top_k": top_k, "top_p": top_p,
                         "temperature": temperature, "seed": seed}
        sampler = make_sampler(decoding, **self.settings)
        # A plain object (not a layer): Keras does not save it; its layers are the network's.
        self.generator = Generator(network, response_length, sampler)

    def build(self, input_shape):
        self.built = True  # the network is built

    def call(self, context):
        return self.generator.decode(ops.cast(context, "int32"))

    def compute_output_spec(self, context):
        batch, utterances, words = context.shape
        return (keras.KerasTensor((batch, self.response_length + 1), dtype="int32"),
                keras.KerasTensor((batch, utterances, words)), keras.KerasTensor((batch, utterances)))

    def get_config(self):
        return {**super().get_config(), "network": keras.saving.serialize_keras_object(self.network),
                "response_length": self.response_length, "decoding": self.decoding, **self.settings}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["network"] = keras.saving.deserialize_keras_object(config["network"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="annsuite")
class ResponseBank(keras.layers.Layer):
    """Context vectors (N, dim) -> the `top_k` nearest responses of a knowledge base.

    Args:
        candidates: the knowledge base's responses (strings).
        top_k: how many responses each context gets (at most the bank's size).
        **kwargs: standard layer arguments.

    The responses' unit vectors are the layer's one (non-trainable) weight,
    `embeddings` (candidates, dim), set with `set_embeddings`.

    Returns:
        {"response": (N,) the nearest, "candidates": (N, k), "scores": (N, k) cosines}.
    """

    def __init__(self, candidates=(), top_k=5, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.candidates = [str(c) for c in candidates]
        self.top_k = top_k
        self.k = max(1, min(top_k, len(self.candidates)))

    def build(self, input_shape):
        self.embeddings = self.add_weight(name="embeddings", shape=(len(self.candidates), input_shape[-1]),
                                          initializer="zeros", trainable=False)
        self.built = True

    def set_embeddings(self, embeddings):
        self.embeddings.assign(np.asarray(embeddings, "float32"))

    def call(self, vectors):
        scores = tf.matmul(tf.cast(vectors, tf.float32), tf.convert_to_tensor(self.embeddings), transpose_b=True)
        best = tf.math.top_k(scores, k=self.k)
        candidates = tf.gather(tf.constant(self.candidates, tf.string), best.indices)
        return {"response": candidates[:, 0], "candidates": candidates, "scores": best.values}

    def compute_output_spec(self, vectors):
        batch = vectors.shape[0]
        return {"response": keras.KerasTensor((batch,), dtype="string"),
                "candidates": keras.KerasTensor((batch, self.k), dtype="string"),
                "scores": keras.KerasTensor((batch, self.k))}

    def get_config(self):
        return {**super().get_config(), "candidates": self.candidates, "top_k": self.top_k}
