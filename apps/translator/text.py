"""Word-level tokenisation that runs as TensorFlow ops (training and export alike).

Text is lower-cased (Unicode-aware), whitespace is collapsed, and every
punctuation character becomes a token of its own. A punctuation token that
was glued to its neighbour carries the joiner mark `JOINER` on that side
(OpenNMT's "joiner" convention): "quatre-vingts" -> `quatre ￭-￭ vingts`,
"Go." -> `go ￭.`, "Va !" -> `va !`. Detokenisation joins tokens with spaces
and removes the spaces next to a joiner, so `join(split(text))` gives the
lower-cased text back exactly. The same ops run in the exported SavedModel,
so serving tokenises exactly as training did.

`Vocabulary` maps tokens to ids with the special tokens of the course:
`<pad>` = 0, `<unk>` = 1 (words below the min-count), `<sos>` = 2, `<eos>` = 3.
"""

from __future__ import annotations

import collections

import keras
import numpy as np
import tensorflow as tf

PAD, UNK, SOS, EOS = "<pad>", "<unk>", "<sos>", "<eos>"
SPECIALS = (PAD, UNK, SOS, EOS)
PAD_ID, UNK_ID, SOS_ID, EOS_ID = 0, 1, 2, 3
JOINER = "\uffed"  # "￭"
WORD = r"\pL\pN\pM_"
PUNCT = rf"[^{WORD}\s{JOINER}]"
NOT_SPACE = rf"[^\s{JOINER}]"


def clean(strings):
    """Lower-case (Unicode-aware), collapse and strip whitespace; strings in, out."""
    text = tf.strings.lower(tf.convert_to_tensor(strings, tf.string), encoding="utf-8")
    return tf.strings.strip(tf.strings.regex_replace(text, r"\s+", " "))


def normalize(strings):
    """Lower-case, split punctuation off with joiners; a string tensor in, out."""
    text = clean(strings)
    for _ in range(2):  # twice: matches of one pass may not overlap
        text = tf.strings.regex_replace(text, f"({NOT_SPACE})({PUNCT})", rf"\1 {JOINER}\2")
    for _ in range(2):
        text = tf.strings.regex_replace(text, f"({PUNCT})({NOT_SPACE})", rf"\1{JOINER} \2")
    return tf.strings.strip(text)


def split(strings):
    """Strings (N,) -> RaggedTensor of tokens (N, None)."""
    tokens = tf.strings.split(normalize(strings), sep=" ")
    return tf.ragged.boolean_mask(tokens, tf.strings.length(tokens) > 0)


def join(tokens):
    """RaggedTensor or dense (N, T) tokens -> detokenised strings (N,).

    Empty strings in a dense tensor (padding) are dropped.
    """
    return unjoin(tf.strings.reduce_join(tokens, axis=-1, separator=" "))


def unjoin(strings):
    """Space-separated word tokens (N,) -> text: spaces next to joiners removed."""
    text = tf.strings.regex_replace(strings, r"\s+", " ")
    text = tf.strings.regex_replace(text, f" ?{JOINER} ?", "")
    return tf.strings.strip(text)


def tokenize_texts(texts):
    """Python strings -> list of token lists (through the TensorFlow ops)."""
    if len(texts) == 0:
        return []
    return [[t.decode("utf-8") for t in row] for row in split(np.asarray(texts, dtype=object)).to_list()]


def detokenize(token_lists):
    """List of token lists -> list of strings (through the TensorFlow ops)."""
    if len(token_lists) == 0:
        return []
    ragged = tf.ragged.constant([list(tokens) or [""] for tokens in token_lists], dtype=tf.string)
    return [t.decode("utf-8") for t in join(ragged).numpy()]


class Vocabulary:
    """Token <-> id maps: the special tokens first, then words by frequency.

    Args:
        tokens: the words (no special tokens), most frequent first.
    """

    def __init__(self, tokens):
        self.tokens = list(SPECIALS) + [t for t in tokens if t not in SPECIALS]
        self.index = {token: i for i, token in enumerate(self.tokens)}

    @classmethod
    def build(cls, token_lists, min_count=1, max_size=None):
        """Words seen at least `min_count` times (the rest become <unk>)."""
        counts = collections.Counter(t for tokens in token_lists for t in tokens)
        words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        if max_size is not None:
            words = words[:max(0, max_size - len(SPECIALS))]
        return cls(words)

    def __len__(self):
        return len(self.tokens)

    def encode(self, token_lists, length, add_sos=False, add_eos=False):
        """Token lists -> int32 (N, length), padded with 0, cut at `length`."""
        out = np.zeros((len(token_lists), length), dtype="int32")
        for row, tokens in enumerate(token_lists):
            ids = [SOS_ID] if add_sos else []
            ids += [self.index.get(t, UNK_ID) for t in tokens]
            if add_eos:
                ids.append(EOS_ID)
            ids = ids[:length]
            out[row, :len(ids)] = ids
        return out

    def decode(self, ids):
        """Id rows -> token lists, stopping at <eos>, dropping <pad>/<sos>."""
        result = []
        for row in np.asarray(ids):
            tokens = []
            for i in row:
                if i == EOS_ID:
                    break
                if i not in (PAD_ID, SOS_ID):
                    tokens.append(self.tokens[int(i)])
            result.append(tokens)
        return result

    def lookup_layers(self):
        """Keras StringLookup layers (token -> id, id -> token) for export."""
        forward = keras.layers.StringLookup(vocabulary=self.tokens[2:], mask_token=PAD,
                                            oov_token=UNK, num_oov_indices=1, name="token_to_id")
        inverse = keras.layers.StringLookup(vocabulary=self.tokens[2:], mask_token=PAD,
                                            oov_token=UNK, num_oov_indices=1, invert=True,
                                            name="id_to_token")
        return forward, inverse

    def to_json(self):
        return {"tokens": self.tokens}

    @classmethod
    def from_json(cls, payload):
        return cls(payload["tokens"][len(SPECIALS):])
