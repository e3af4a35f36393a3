"""Word and subword tokenizers behind one interface, all as TensorFlow ops.

A tokenizer maps raw strings to token strings (`split`) and token strings
back to text (`join`); a `Vocabulary` maps the token strings to ids with
the special tokens of `shared.text.vocabulary`.

- `word`: lower-cased words, punctuation split off with joiners
  (`shared.text.normalization`).
- `wordpiece`: those words cut into keras-hub WordPiece pieces (`##` marks a
  piece that continues a word); the vocabulary is learnt on the training
  split's words by TensorFlow Text's learner (the one behind keras-hub's
  `compute_word_piece_vocabulary`, with a frequency floor from 1, which
  keras-hub does not expose: its floor of 10 leaves little more than
  letters on a few thousand sentences).
- `sentencepiece`: keras-hub's `SentencePieceTokenizer` (unigram) on the
  cleaned text (`▁` marks a word start), trained with `sentencepiece` and
  the identity normalisation (keras-hub's `compute_sentence_piece_proto`
  applies NFKC, which changes characters and breaks the round trip).

Every kind gives back the cleaned, lower-cased text, so scores compare the
same strings whatever the tokenizer.
"""

from __future__ import annotations

import collections
import io

import keras_hub
import numpy as np
import sentencepiece
import tensorflow as tf
from tensorflow_text.tools.wordpiece_vocab import (
    wordpiece_tokenizer_learner_lib as wordpiece_learner,
)

from shared.text import normalization
from shared.text.vocabulary import SPECIALS, UNK, Vocabulary

KINDS = ("word", "wordpiece", "sentencepiece")
SUFFIX = "##"
SPACE = "\u2581"  # SentencePiece's word-start mark "▁"


class WordTokenizer:
    """Words and punctuation marks.

    Args:
        lowercase: lower-case the text first.
        punctuation: "split", "sentence" or "drop" (`shared.text.normalization`).
    """

    kind = "word"

    def __init__(self, lowercase=True, punctuation="split"):
        normalization.check_mode(punctuation)
        self.lowercase = lowercase
        self.punctuation = punctuation

    def split(self, strings):
        """Strings (N,) -> RaggedTensor of token strings (N, None)."""
        return normalization.split_words(strings, self.lowercase, self.punctuation)

    def join(self, tokens):
        """Token strings (N, T) ("" for padding) or ragged -> strings (N,)."""
        return normalization.join_words(tokens, self.punctuation)

    def tokenize(self, texts):
        """Python strings -> lists of token strings (through the graph ops)."""
        if len(texts) == 0:
            return []
        ragged = graph_split(self)(tf.constant(np.asarray(list(texts), dtype=object), tf.string))
        return [[t.decode("utf-8") for t in row] for row in ragged.to_list()]

    def detokenize(self, token_lists):
        """Lists of token strings -> Python strings (through the graph ops)."""
        if len(token_lists) == 0:
            return []
        ragged = tf.ragged.constant([list(tokens) or [""] for tokens in token_lists], dtype=tf.string)
        return [t.decode("utf-8") for t in self.join(ragged).numpy()]

    def vocabulary(self, texts, min_count=1, max_size=None):
        """The vocabulary of the training texts' tokens."""
        return Vocabulary.build(self.tokenize(texts), min_count=min_count, max_size=max_size)


def graph_split(tokenizer):
    """`tokenizer.split` as a tf.function (keras-hub layers return lists when eager)."""
    cached = getattr(tokenizer, "_graph_split", None)
    if cached is None:
        cached = tf.function(tokenizer.split, input_signature=[tf.TensorSpec([None], tf.string)])
        tokenizer._graph_split = cached
    return cached


class WordPiece(WordTokenizer):
    """Word tokens cut into WordPiece pieces.

    Args:
        pieces: the WordPiece vocabulary (special tokens first).
    """

    kind = "wordpiece"

    def __init__(self, pieces, lowercase=True):
        super().__init__(lowercase)
        self.pieces = list(pieces)
        self.layer = keras_hub.tokenizers.WordPieceTokenizer(
            vocabulary=self.pieces, split=False, lowercase=False, strip_accents=False,
            suffix_indicator=SUFFIX, oov_token=UNK, dtype="string")

    @classmethod
    def train(cls, texts, vocab_size, lowercase=True):
        """Learn at most `vocab_size` pieces on the words of `texts` (the training split)."""
        words = WordTokenizer(lowercase).tokenize(texts)
        counts = sorted(collections.Counter(word for sentence in words for word in sentence).items())
        for floor in range(1, 64):  # raise the floor until the vocabulary fits
            pieces = wordpiece_learner.learn(counts, vocab_size, list(SPECIALS), lower_thresh=floor,
                                             include_joiner_token=True, joiner=SUFFIX)
            if len(pieces) <= vocab_size:
                break
        return cls(pieces, lowercase)

    def split(self, strings):
        return self.layer(super().split(strings))

    def join(self, tokens):
        joined = tf.strings.reduce_join(tokens, axis=-1, separator=" ")
        joined = tf.strings.regex_replace(joined, r"\s+", " ")
        return normalization.unjoin(tf.strings.regex_replace(joined, " " + SUFFIX, ""))

    def vocabulary(self, texts=None, min_count=1, max_size=None):
        return Vocabulary(self.pieces)


class SentencePiece(WordTokenizer):
    """SentencePiece pieces of the cleaned text.

    Args:
        proto: the serialized SentencePiece model (bytes).
    """

    kind = "sentencepiece"

    def __init__(self, proto, lowercase=True):
        super().__init__(lowercase)
        self.proto = bytes(proto)
        self.layer = keras_hub.tokenizers.SentencePieceTokenizer(proto=self.proto, dtype="string")

    @classmethod
    def train(cls, texts, vocab_size, lowercase=True):
        """A unigram model of `texts` (the training split); one thread: deterministic."""
        cleaned = normalization.clean(np.asarray(list(texts), dtype=object), lowercase).numpy()
        writer = io.BytesIO()
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(s.decode("utf-8") for s in cleaned), model_writer=writer,
            vocab_size=vocab_size, model_type="unigram", normalization_rule_name="identity",
            hard_vocab_limit=False, character_coverage=1.0, pad_id=0, unk_id=1, bos_id=2, eos_id=3,
            pad_piece=SPECIALS[0], unk_piece=SPECIALS[1], bos_piece=SPECIALS[2], eos_piece=SPECIALS[3],
            num_threads=1, minloglevel=2)
        return cls(writer.getvalue(), lowercase)

    def split(self, strings):
        return self.layer(normalization.clean(strings, self.lowercase))

    def join(self, tokens):
        joined = tf.strings.reduce_join(tokens, axis=-1, separator="")
        joined = tf.strings.regex_replace(joined, SPACE, " ")
        return tf.strings.strip(tf.strings.regex_replace(joined, r"\s+", " "))

    def vocabulary(self, texts=None, min_count=1, max_size=None):
        processor = sentencepiece.SentencePieceProcessor(model_proto=self.proto)
        pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
        return Vocabulary(pieces[len(SPECIALS):])


def train_tokenizer(kind, texts, vocab_size, lowercase=True, punctuation="split"):
    """A tokenizer of `kind`; subword vocabularies are learnt on `texts` only.

    `punctuation` applies to the word tokenizer (the subword kinds split
    punctuation as "split" does, or see their own rules)."""
    if kind not in KINDS:
        raise ValueError(f"tokenizer must be one of {', '.join(KINDS)}; got {kind!r}")
    if kind == "wordpiece":
        return WordPiece.train(texts, vocab_size, lowercase)
    if kind == "sentencepiece":
        return SentencePiece.train(texts, vocab_size, lowercase)
    return WordTokenizer(lowercase, punctuation)
