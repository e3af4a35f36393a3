"""Words <-> ids with TensorFlow ops, so training, chat and the SavedModel agree.

Text is lower-cased and punctuation split off (`"Hi, you!"` -> `hi , you !`);
ids come from a `StringLookup` over the run's vocabulary (0 padding,
1 unknown). A context is the window of its last `2 * turns + 1` utterances,
each cut to `utterance_length` tokens, padded with empty utterances at the
start so that the question is always the last row.
"""

from __future__ import annotations

import collections
import re

import keras
import numpy as np
import tensorflow as tf

PUNCTUATION = r'([.,!?;:"()])'
START, END = "[START]", "[END]"
SPECIALS = (START, END)


def tf_tokens(texts):
    """Ragged (N, words) tokens of a string vector."""
    texts = tf.strings.lower(texts)
    texts = tf.strings.regex_replace(texts, PUNCTUATION, r" \1 ")
    return tf.strings.split(tf.strings.strip(texts))


def tokenize(texts):
    """Python lists of tokens (the same rules as the graph)."""
    if not len(texts):
        return []
    return [[t.decode("utf-8") for t in row] for row in tf_tokens(list(texts)).to_list()]


def detokenize(tokens):
    """Tokens -> text, with punctuation attached to the word before it."""
    return re.sub(r" ([.,!?;:])", r"\1", " ".join(tokens))


def tf_detokenize(tokens):
    """Graph version of `detokenize` for a (N, T) string tensor of tokens, '' padded."""
    joined = tf.strings.strip(tf.strings.reduce_join(tokens, axis=-1, separator=" "))
    joined = tf.strings.regex_replace(joined, " +", " ")
    return tf.strings.regex_replace(joined, r" ([.,!?;:])", r"\1")


def build_vocabulary(texts, max_size):
    """Specials, then words by frequency (ties alphabetical), at most `max_size`."""
    counts = collections.Counter(token for row in tokenize(texts) for token in row)
    words = sorted(counts, key=lambda word: (-counts[word], word))
    return list(SPECIALS) + words[:max(0, max_size - len(SPECIALS))]


def window(context, turns):
    """The last `2 * turns + 1` utterances of a context (oldest first)."""
    return list(context)[-(2 * turns + 1):]


class Vocabulary:
    """The run's word list with graph lookups both ways.

    Args:
        words: the vocabulary without padding and unknown (see
            `build_vocabulary`).
    """

    def __init__(self, words):
        self.words = list(words)
        self.to_ids = keras.layers.StringLookup(vocabulary=self.words, mask_token="",
                                                oov_token="[UNK]", output_mode="int")
        self.to_words = keras.layers.StringLookup(vocabulary=self.words, mask_token="",
                                                  oov_token="[UNK]", invert=True)
        self.start_id = self.words.index(START) + 2
        self.end_id = self.words.index(END) + 2

    @property
    def size(self):
        return len(self.words) + 2

    def tf_ids(self, texts, length):
        """(N, length) int32 ids of a string vector, cut and zero padded."""
        ids = tf.cast(self.to_ids(tf_tokens(texts)), tf.int32)
        return ids.to_tensor(default_value=0, shape=[None, length])

    def ids(self, texts, length):
        if not len(texts):
            return np.zeros((0, length), "int32")
        return self.tf_ids(list(texts), length).numpy()

    def tf_context(self, turns, utterances, length):
        """Context strings (T,) -> (utterances, length) ids of its window."""
        ids = self.tf_ids(turns[-utterances:], length)
        ids = tf.pad(ids, [[utterances - tf.shape(ids)[0], 0], [0, 0]])
        return tf.ensure_shape(ids, [utterances, length])

    def contexts(self, contexts, utterances, length):
        """(N, utterances, length) ids of a list of contexts (as `tf_context`)."""
        unique = sorted({u for context in contexts for u in context[-utterances:]})
        table = dict(zip(unique, self.ids(unique, length)))
        out = np.zeros((len(contexts), utterances, length), "int32")
        for row, context in enumerate(contexts):
            recent = list(context)[-utterances:]
            for slot, utterance in enumerate(recent, start=utterances - len(recent)):
                out[row, slot] = table[utterance]
        return out

    def responses(self, responses, length):
        """(decoder input, target): [START] + ids and ids + [END], each length + 1."""
        ids = self.ids(responses, length)
        lengths = (ids != 0).sum(axis=1)
        inputs = np.concatenate([np.full((len(ids), 1), self.start_id, "int32"), ids], axis=1)
        targets = np.concatenate([ids, np.zeros((len(ids), 1), "int32")], axis=1)
        targets[np.arange(len(ids)), lengths] = self.end_id
        return inputs, targets

    def text(self, ids):
        """Ids of one response (stops at [END]) -> text."""
        words = []
        for index in ids:
            if index == self.end_id:
                break
            if index > 1 and index != self.start_id:
                words.append(self.words[index - 2])
            elif index == 1:
                words.append("[UNK]")
        return detokenize(words)
