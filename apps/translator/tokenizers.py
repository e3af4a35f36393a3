"""Word and subword tokenizers (`--tokenizer`), all as TensorFlow ops.

Every tokenizer maps raw strings to token strings (`split`) and token
strings back to text (`join`); `text.Vocabulary` then maps the token strings
to ids with the special tokens `<pad>`, `<unk>`, `<sos>`, `<eos>`. The same
ops run in training, evaluation and the exported SavedModel.

- `word`: `apps.translator.text` (lower-cased words, punctuation split off
  with joiners).
- `wordpiece`: the word tokens, each cut into keras-hub WordPiece pieces
  (`##` marks a piece that continues a word); the WordPiece vocabulary is
  learnt on the training split's words by TensorFlow Text's WordPiece
  learner (the one behind `keras_hub.tokenizers.compute_word_piece_vocabulary`).
- `sentencepiece`: keras-hub `SentencePieceTokenizer` (unigram) on the
  lower-cased, whitespace-collapsed text (`▁` marks a word start). The
  model is trained with `sentencepiece` directly, with the `identity`
  normalisation: keras-hub's `compute_sentence_piece_proto` applies NFKC,
  which changes characters (e.g. "…" -> "...") and would break the round
  trip.

Both subword kinds detokenise to the lower-cased text (whitespace collapsed)
that the word tokenizer gives back, so BLEU compares the same strings. The
subword vocabularies are saved in the run folder (`tokenizer/`).
"""

from __future__ import annotations

import collections
import io
from pathlib import Path

import numpy as np
import sentencepiece
import tensorflow as tf

from apps.translator import text
from apps.translator.config import TOKENIZERS

KINDS = TOKENIZERS
SUFFIX = "##"
SPACE = "\u2581"  # SentencePiece's word-start mark "▁"


class WordTokenizer:
    """Words and punctuation marks (`apps.translator.text`)."""

    kind = "word"

    def split(self, strings):
        """Strings (N,) -> RaggedTensor of token strings (N, None)."""
        return text.split(strings)

    def join(self, tokens):
        """Token strings (N, T), "" for padding, or ragged -> strings (N,)."""
        return text.join(tokens)

    def resources(self):
        """Keras layers holding TensorFlow resources (tracked by the export)."""
        return []

    def fresh(self):
        """The same tokenizer with new TensorFlow resources (see `SentencePiece`)."""
        return self

    def save(self, folder, side):
        """Write what is needed to rebuild the tokenizer; returns its JSON entry."""
        return {"kind": self.kind}

    def graph_split(self, strings):
        """`split` on a Python list or array of strings, as a RaggedTensor."""
        return self.split(strings)

    def tokenize_texts(self, texts):
        """Python strings -> list of token lists (through the TensorFlow ops)."""
        if len(texts) == 0:
            return []
        ragged = self.graph_split(np.asarray(list(texts), dtype=object))
        return [[t.decode("utf-8") for t in row] for row in ragged.to_list()]

    def detokenize(self, token_lists):
        """List of token lists -> list of strings (through the TensorFlow ops)."""
        if len(token_lists) == 0:
            return []
        ragged = tf.ragged.constant([list(tokens) or [""] for tokens in token_lists], dtype=tf.string)
        return [t.decode("utf-8") for t in self.join(ragged).numpy()]


class SubwordTokenizer(WordTokenizer):
    """A keras-hub tokenizer layer (`self.layer`) after the word-level cleaning."""

    layer = None

    def graph_split(self, strings):
        """`split` traced once as a `tf.function` (keras-hub layers return lists when eager)."""
        if getattr(self, "_graph_split", None) is None:
            self._graph_split = tf.function(self.split, input_signature=[tf.TensorSpec([None], tf.string)])
        return self._graph_split(tf.constant(strings, tf.string))

    def resources(self):
        return [self.layer]


class WordPiece(SubwordTokenizer):
    """Word tokens cut into WordPiece pieces.

    Args:
        vocabulary: the WordPiece vocabulary (special tokens first).
    """

    kind = "wordpiece"

    def __init__(self, vocabulary):
        import keras_hub  # deferred: slow to import, and only the subword tokenizers need it

        self.vocabulary = list(vocabulary)
        self.layer = keras_hub.tokenizers.WordPieceTokenizer(
            vocabulary=self.vocabulary, split=False, lowercase=False, strip_accents=False,
            suffix_indicator=SUFFIX, oov_token=text.UNK, dtype="string",
            # keras-hub's only switch to its TensorFlow ops outside tf.function (no public one)
            _allow_python_workflow=False)

    @classmethod
    def train(cls, texts, vocab_size):
        """Learn the vocabulary on the words of `texts` (the training split).

        The learner is TensorFlow Text's, the one keras-hub's
        `compute_word_piece_vocabulary` runs, but with its frequency floor
        starting at 1 instead of 10 (keras-hub does not expose it): on a few
        thousand sentence pairs that floor leaves little more than letters.
        The floor is raised until the vocabulary has at most `vocab_size`
        entries (the learner returns the floor's vocabulary when it is over).
        """
        # deferred: TensorFlow Text's learner is only needed to learn a vocabulary
        from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner

        words = WordTokenizer().tokenize_texts(texts)
        counts = sorted(collections.Counter(word for sentence in words for word in sentence).items())
        for floor in range(1, 64):
            vocabulary = learner.learn(counts, vocab_size, list(text.SPECIALS), lower_thresh=floor,
                                       include_joiner_token=True, joiner=SUFFIX)
            if len(vocabulary) <= vocab_size:
                break
        return cls(vocabulary)

    def split(self, strings):
        return self.layer(text.split(strings))

    def join(self, tokens):
        joined = tf.strings.reduce_join(tokens, axis=-1, separator=" ")
        joined = tf.strings.regex_replace(joined, r"\s+", " ")
        return text.unjoin(tf.strings.regex_replace(joined, " " + SUFFIX, ""))

    def save(self, folder, side):
        path = Path(folder) / f"{side}.wordpiece.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(token + "\n" for token in self.vocabulary), encoding="utf-8")
        return {"kind": self.kind, "file": path.name}

    @classmethod
    def load(cls, path):
        return cls(Path(path).read_text(encoding="utf-8").split("\n")[:-1])


class SentencePiece(SubwordTokenizer):
    """SentencePiece pieces of the lower-cased text.

    The TensorFlow Text op keeps the model in a kernel-owned resource, which
    `keras.utils.set_random_seed` (it clears TensorFlow's kernel cache)
    deletes: after seeding, use `fresh()`.

    Args:
        proto: the serialized SentencePiece model (bytes).
    """

    kind = "sentencepiece"

    def __init__(self, proto):
        import keras_hub  # deferred: slow to import, and only the subword tokenizers need it

        self.proto = bytes(proto)
        self.layer = keras_hub.tokenizers.SentencePieceTokenizer(
            proto=self.proto, dtype="string",
            _allow_python_workflow=False)  # TensorFlow ops outside tf.function too (no public switch)

    @classmethod
    def train(cls, texts, vocab_size):
        """Train a unigram model on `texts` (the training split); one thread: deterministic."""
        sentences = [s.decode("utf-8") for s in text.clean(np.asarray(list(texts), dtype=object)).numpy()]
        writer = io.BytesIO()
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(sentences), model_writer=writer, vocab_size=vocab_size,
            model_type="unigram", normalization_rule_name="identity", hard_vocab_limit=False,
            character_coverage=1.0, pad_id=0, unk_id=1, bos_id=2, eos_id=3, pad_piece=text.PAD,
            unk_piece=text.UNK, bos_piece=text.SOS, eos_piece=text.EOS, num_threads=1,
            minloglevel=2)
        return cls(writer.getvalue())

    def split(self, strings):
        return self.layer(text.clean(strings))

    def join(self, tokens):
        joined = tf.strings.reduce_join(tokens, axis=-1, separator="")
        joined = tf.strings.regex_replace(joined, SPACE, " ")
        return tf.strings.strip(tf.strings.regex_replace(joined, r"\s+", " "))

    def save(self, folder, side):
        path = Path(folder) / f"{side}.sentencepiece.model"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.proto)
        return {"kind": self.kind, "file": path.name}

    @classmethod
    def load(cls, path):
        return cls(Path(path).read_bytes())

    def fresh(self):
        return SentencePiece(self.proto)


def train_tokenizer(kind, texts, vocab_size):
    """A tokenizer of `kind`, its subword vocabulary learnt on `texts` only."""
    if kind == "wordpiece":
        return WordPiece.train(texts, vocab_size)
    if kind == "sentencepiece":
        return SentencePiece.train(texts, vocab_size)
    return WordTokenizer()


def load_tokenizer(entry, folder):
    """Rebuild a tokenizer from its `save` entry (None: the word tokenizer)."""
    kind = (entry or {}).get("kind", "word")
    if kind == "wordpiece":
        return WordPiece.load(Path(folder) / entry["file"])
    if kind == "sentencepiece":
        return SentencePiece.load(Path(folder) / entry["file"])
    return WordTokenizer()
