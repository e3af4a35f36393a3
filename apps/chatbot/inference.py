"""Answering: in-graph decoding of the generators, nearest responses of the retriever.

`Bot` answers a history of turns with a trained run (either kind).

`Generator` splits a trained generator into its encoder (a Keras model on
the same layers) and one decoder step, and decodes with a keras-hub
sampler inside one `tf.function` (greedy, beam, top-k or top-p), so the
same graph serves `evaluate`, `chat` and the SavedModel.
"""

from __future__ import annotations

import keras
import keras_hub
import numpy as np
import tensorflow as tf
from keras import ops

from apps.chatbot.model import side_encoder
from apps.chatbot.text import tf_detokenize
from shared.errors import UsageError

ENCODER_OUTPUTS = ("decoder_init", "utterance_gru", "utterance_encoder", "utterance_attention")


def make_sampler(decoding, beam_width=4, top_k=5, top_p=0.9, temperature=1.0, seed=None):
    if decoding == "greedy":
        return keras_hub.samplers.GreedySampler()
    if decoding == "beam":
        return keras_hub.samplers.BeamSampler(num_beams=beam_width)
    if decoding == "top_k":
        return keras_hub.samplers.TopKSampler(k=top_k, temperature=temperature, seed=seed)
    return keras_hub.samplers.TopPSampler(p=top_p, temperature=temperature, seed=seed)


class Generator:
    """Decoding with a trained generator model.

    Args:
        model: the model of `build_generator` (trained).
        vocabulary: the run's `Vocabulary`.
        response_length: the most tokens generated (before [END]).
        sampler: a keras-hub sampler (`make_sampler`).
    """

    def __init__(self, model, vocabulary, response_length, sampler):
        self.model = model
        self.vocabulary = vocabulary
        self.length = response_length + 1
        self.sampler = sampler
        encoder = model.get_layer("utterance_encoder")
        _, word_states, word_mask, word_weights, present = encoder.output
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

        Plain graph code: `generate` is it as a `tf.function`, and the
        SavedModel's signature calls it inside its own.
        """
        encoded = self.encoder(context, training=False)
        cache = (encoded["state"], encoded["states"], ops.cast(encoded["present"], "float32"),
                 encoded["word_states"], ops.cast(encoded["word_mask"], "float32"), context)
        batch = ops.shape(context)[0]
        prompt = ops.concatenate([
            ops.full((batch, 1), self.vocabulary.start_id, dtype="int32"),
            ops.zeros((batch, self.length), dtype="int32")], axis=1)

        def next_token(prompt, cache, index):
            logits, cache = self.step(prompt[:, index - 1], cache)
            return logits, None, cache

        tokens = self.sampler(next_token, prompt, cache=cache, index=1,
                              stop_token_ids=[self.vocabulary.end_id])
        return tokens[:, 1:], encoded["word_weights"], encoded["utterance_weights"]

    def texts_of(self, ids):
        """Graph: (batch, length) ids -> (batch,) strings, cut at [END]."""
        ended = tf.cumsum(tf.cast(tf.equal(ids, self.vocabulary.end_id), tf.int32), axis=1) > 0
        words = self.vocabulary.to_words(tf.where(ended, tf.zeros_like(ids), ids))
        return tf_detokenize(words)

    def ids(self, contexts, batch_size=256):
        """Numpy (N, length) response ids of (N, utterances, words) contexts."""
        out = [self.generate(contexts[i:i + batch_size])[0].numpy()
               for i in range(0, len(contexts), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.length), "int32")

    def respond(self, context_ids):
        """One context (utterances, words) -> (text, word weights, utterance weights)."""
        ids, word_weights, utterance_weights = self.generate(context_ids[None])
        text = self.texts_of(ids)[0].numpy().decode("utf-8")
        return text, word_weights[0].numpy(), utterance_weights[0].numpy()


class Retriever:
    """Nearest responses of a knowledge base by cosine similarity.

    Args:
        context_encoder: model from context inputs to unit vectors.
        candidates: the knowledge base's responses (strings).
        embeddings: (candidates, dim) unit vectors of them.
    """

    def __init__(self, context_encoder, candidates, embeddings):
        self.context_encoder = context_encoder
        self.candidates = list(candidates)
        self.embeddings = np.asarray(embeddings, "float32")

    def scores(self, context_inputs, batch_size=256):
        vectors = self.context_encoder.predict(context_inputs, batch_size=batch_size, verbose=0)
        return vectors @ self.embeddings.T

    def top(self, context_inputs, k):
        """[(candidates, scores)] of the k best responses for each context."""
        scores = self.scores(context_inputs)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return [([self.candidates[i] for i in row], scores[n, row].tolist())
                for n, row in enumerate(order)]


class Bot:
    """Answers a history of turns with a trained run (generator or retriever).

    Args:
        trained: a `shared.app.TrainedModel` of the chatbot (its `state`
            holds the vocabulary or the retriever's texts and knowledge base).
        decoding: greedy, beam, top_k or top_p (generators; default the run's).
        top: how many candidates a retriever returns (default the run's top_k).
    """

    def __init__(self, trained, decoding=None, top=None):
        self.trained = trained
        config = trained.config
        state = trained.state
        self.top = top or config.top_k
        self.retrieval = config.model == "retrieval"
        self.vocabulary = state.get("vocabulary")
        self.texts = state.get("texts")
        if self.retrieval:
            if state.get("candidates") is None:
                raise UsageError(f"{trained.path}: no knowledge base (candidates.json); train first")
            self.retriever = Retriever(side_encoder(trained.model, "context"), state["candidates"],
                                       state["embeddings"])
        else:
            sampler = make_sampler(decoding or config.decoding, config.beam_width, config.top_k,
                                   config.top_p, config.temperature, seed=config.seed)
            self.generator = Generator(trained.model, self.vocabulary, config.response_length, sampler)

    def respond(self, history):
        """The answer to the last turn of `history`: {"response", [candidates, scores]}."""
        config = self.trained.config
        if self.retrieval:
            candidates, scores = self.retriever.top(self.texts.context_inputs([history]), self.top)[0]
            return {"response": candidates[0], "candidates": candidates, "scores": scores}
        ids = self.vocabulary.contexts([history], config.utterances, config.utterance_length)[0]
        text, _, _ = self.generator.respond(ids)
        return {"response": text}
