"""Strings in, strings out: the translation graph shared by every verb and the export.

`Translator.serving_function(beam)` is one TensorFlow function from raw
source strings to translated strings: tokenisation (`apps.translator.tokenizers`:
words, WordPiece or SentencePiece),
the vocabulary lookup (Keras `StringLookup`), the decoding loop
(`apps.translator.decoding`), the reverse lookup and detokenisation. The
`translate` verb, evaluation, the per-epoch BLEU and the exported SavedModel
all run this same graph, so what is measured is what is served.

The scores of its translations are in `apps.translator.evaluation`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from apps.translator import text
from apps.translator.decoding import clean_ids, decode
from apps.translator.tokenizers import WordTokenizer

BATCH = 512


class Translator:
    """A model with its vocabularies and decoding settings.

    Args:
        model: an `apps.translator.model` model.
        source_vocab, target_vocab: `text.Vocabulary` of each side.
        max_length: the source cap in tokens; translations stop after
            `max_length + 1` tokens.
        beam: default beam size (1: greedy); alpha: length penalty.
        tokenizers: (source, target) `apps.translator.tokenizers` tokenizers
            (default: words on both sides).
    """

    def __init__(self, model, source_vocab, target_vocab, max_length, beam=1, alpha=0.6, tokenizers=None):
        self.model = model
        self.source_vocab, self.target_vocab = source_vocab, target_vocab
        self.source_tokenizer, self.target_tokenizer = tokenizers or (WordTokenizer(), WordTokenizer())
        self.max_length, self.beam, self.alpha = max_length, beam, alpha
        self.to_id, _ = source_vocab.lookup_layers()
        _, self.to_token = target_vocab.lookup_layers()
        self._functions = {}

    @property
    def tokenizers(self):
        return self.source_tokenizer, self.target_tokenizer

    def resources(self):
        """What the exported SavedModel must track: model, lookups, tokenizers."""
        return [self.model, self.to_id, self.to_token,
                *self.source_tokenizer.resources(), *self.target_tokenizer.resources()]

    @property
    def has_attention(self):
        return self.model.has_attention

    def source_ids(self, strings):
        """Raw strings -> int32 (N, S) ids, capped at max_length, S >= 1."""
        ids = tf.cast(self.to_id(self.source_tokenizer.split(strings)), tf.int32)
        ids = ids.to_tensor(default_value=0)[:, :self.max_length]
        return tf.pad(ids, [[0, 0], [0, tf.maximum(0, 1 - tf.shape(ids)[1])]])

    def serving_function(self, beam=None):
        """A function: string tensor (N,) -> {"translation": strings (N,)}."""
        beam = self.beam if beam is None else beam

        def serve(source):
            ids = clean_ids(decode(self.model, self.source_ids(source), self.max_length + 1, beam, self.alpha))
            tokens = tf.where(ids > 0, self.to_token(ids), "")
            return {"translation": self.target_tokenizer.join(tokens)}

        return serve

    def compiled(self, beam):
        if beam not in self._functions:
            self._functions[beam] = tf.function(self.serving_function(beam), reduce_retracing=True,
                                                input_signature=[tf.TensorSpec([None], tf.string)])
        return self._functions[beam]

    def translate(self, sentences, beam=None):
        """Python strings -> translated Python strings."""
        function = self.compiled(self.beam if beam is None else beam)
        sentences = list(sentences)
        out = []
        for start in range(0, len(sentences), BATCH):
            batch = np.asarray(sentences[start:start + BATCH], dtype=object)
            out.extend(t.decode("utf-8") for t in function(batch)["translation"].numpy())
        return out

    def attention(self, sentence, beam=None):
        """(weights (T, S), source tokens, target tokens) of one translation."""
        translation = self.translate([sentence], beam)[0]
        source_tokens = self.source_tokenizer.tokenize_texts([sentence])[0][:self.max_length] or [text.PAD]
        target_tokens = self.target_tokenizer.tokenize_texts([translation])[0][:self.max_length] + [text.EOS]
        source = self.source_vocab.encode([source_tokens], len(source_tokens))
        target_in = self.target_vocab.encode([target_tokens[:-1]], len(target_tokens), add_sos=True)
        weights = self.model.attention_weights(source, target_in)
        if weights is None:
            return None, source_tokens, target_tokens
        return np.asarray(weights)[0], source_tokens, target_tokens

