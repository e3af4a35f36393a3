"""Strings in, strings out: model.keras and the `Translator` every verb uses.

`build_inference_model` wraps a trained network into the model a run keeps
as `RUN/model.keras`: raw source strings -> `{"translation": strings}`, with
the source tokenizer and vocabulary (`shared.text.TextToIds`), the greedy
decoding loop (`apps.translator.layers.GreedyDecoder`) and the target
vocabulary and tokenizer (`shared.text.IdsToText`) inside it. The exported
SavedModel serves that model itself.

`Translator` translates with such a model: greedy through the model, beam
search (a Python-side option) through the model's own parts, so both use
the same tokenizers, vocabularies and network. The per-epoch BLEU runs one
around the network being trained. The scores of its translations are in
`apps.translator.evaluation`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from apps.translator.decoding import beam_decode, clean_ids, trim_padding
from apps.translator.layers import GreedyDecoder
from shared.text import END, PAD, SPECIALS, IdsToText, TextToIds, Vocabulary

BATCH = 512


def build_inference_model(network, tokenizers, vocabularies, max_length):
    """Raw source strings (N,) -> {"translation": strings (N,)}.

    Args:
        network: the trained `apps.translator.model` network.
        tokenizers, vocabularies: (source, target) shared.text tokenizers and
            `Vocabulary`s of the run.
        max_length: the source cap in tokens; translations stop after
            `max_length + 1` tokens.
    """
    source = keras.Input((), dtype="string", name="source")
    ids = TextToIds.from_tokenizer(tokenizers[0], vocabularies[0], sequence_length=max_length,
                                   name="source_text")(source)
    decoded = GreedyDecoder(network, max_length + 1, name="decoder")(ids)
    translation = IdsToText.from_tokenizer(tokenizers[1], vocabularies[1], name="target_text")(decoded)
    return keras.Model(source, {"translation": translation}, name="translator")


def vocabulary_of(layer):
    """The `Vocabulary` a TextToIds / IdsToText layer carries."""
    return Vocabulary(layer.vocabulary[len(SPECIALS):])


class Translator:
    """A model.keras (`build_inference_model`) with its decoding settings.

    Args:
        model: the inference model.
        beam: default beam size (1: greedy, the model itself); alpha: length penalty.
    """

    def __init__(self, model, beam=1, alpha=0.6):
        self.model = model
        self.source_text = model.get_layer("source_text")
        self.decoder = model.get_layer("decoder")
        self.target_text = model.get_layer("target_text")
        self.beam, self.alpha = beam, alpha
        self._functions = {}

    @property
    def network(self):
        return self.decoder.network

    @property
    def max_length(self):
        return self.source_text.sequence_length

    @property
    def tokenizers(self):
        return self.source_text.tokenizer, self.target_text.tokenizer

    @property
    def vocabularies(self):
        return vocabulary_of(self.source_text), vocabulary_of(self.target_text)

    @property
    def has_attention(self):
        return self.network.has_attention

    def graph(self, beam):
        """String tensor (N,) -> translated strings (N,): the model, or beam search on its parts."""
        if beam <= 1:
            return lambda source: self.model(source, training=False)["translation"]

        def beam_search(source):
            ids = trim_padding(self.source_text(source))
            return self.target_text(clean_ids(beam_decode(self.network, ids, self.decoder.steps, beam, self.alpha)))

        return beam_search

    def compiled(self, beam):
        if beam not in self._functions:
            self._functions[beam] = tf.function(self.graph(beam), reduce_retracing=True,
                                                input_signature=[tf.TensorSpec([None], tf.string)])
        return self._functions[beam]

    def translate(self, sentences, beam=None):
        """Python strings -> translated Python strings (batches of BATCH)."""
        function = self.compiled(self.beam if beam is None else beam)
        sentences = list(sentences)
        out = []
        for start in range(0, len(sentences), BATCH):
            batch = np.asarray(sentences[start:start + BATCH], dtype=object)
            out.extend(t.decode("utf-8") for t in function(batch).numpy())
        return out

    def attention(self, sentence, beam=None):
        """(weights (T, S), source tokens, target tokens) of one translation."""
        translation = self.translate([sentence], beam)[0]
        source_tokenizer, target_tokenizer = self.tokenizers
        source_vocab, target_vocab = self.vocabularies
        source_tokens = source_tokenizer.tokenize([sentence])[0][:self.max_length] or [PAD]
        target_tokens = target_tokenizer.tokenize([translation])[0][:self.max_length] + [END]
        source = source_vocab.encode([source_tokens], len(source_tokens))
        target_in = target_vocab.encode([target_tokens[:-1]], len(target_tokens), add_start=True)
        weights = self.network.attention_weights(source, target_in)
        if weights is None:
            return None, source_tokens, target_tokens
        return np.asarray(weights)[0], source_tokens, target_tokens
