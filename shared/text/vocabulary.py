"""Token <-> id maps with one set of special tokens for every text app."""

from __future__ import annotations

import collections

import keras
import numpy as np

PAD, UNK, START, END = "[PAD]", "[UNK]", "[START]", "[END]"
SPECIALS = (PAD, UNK, START, END)
PAD_ID, UNK_ID, START_ID, END_ID = 0, 1, 2, 3


class Vocabulary:
    """The special tokens first, then the words (most frequent first).

    Args:
        tokens: the words, without the special tokens.
    """

    def __init__(self, tokens):
        self.tokens = list(SPECIALS) + [t for t in tokens if t not in SPECIALS]
        self.index = {token: i for i, token in enumerate(self.tokens)}

    @classmethod
    def build(cls, token_lists, min_count=1, max_size=None):
        """Words seen at least `min_count` times, at most `max_size` entries in all."""
        counts = collections.Counter(t for tokens in token_lists for t in tokens)
        words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        if max_size is not None:
            words = words[:max(0, max_size - len(SPECIALS))]
        return cls(words)

    def __len__(self):
        return len(self.tokens)

    @property
    def words(self):
        return self.tokens[len(SPECIALS):]

    def encode(self, token_lists, length, add_start=False, add_end=False):
        """Token lists -> int32 (N, length), padded with 0, cut at `length`."""
        out = np.zeros((len(token_lists), length), dtype="int32")
        for row, tokens in enumerate(token_lists):
            ids = ([START_ID] if add_start else []) + [self.index.get(t, UNK_ID) for t in tokens]
            ids = (ids + [END_ID] if add_end else ids)[:length]
            out[row, :len(ids)] = ids
        return out

    def decode(self, ids):
        """Id rows -> token lists, stopping at [END], dropping [PAD] and [START]."""
        result = []
        for row in np.asarray(ids):
            tokens = []
            for i in row:
                if i == END_ID:
                    break
                if i not in (PAD_ID, START_ID):
                    tokens.append(self.tokens[int(i)])
            result.append(tokens)
        return result

    def lookup_layers(self):
        """StringLookup layers token -> id and id -> token (the same ids as `encode`)."""
        shared = dict(vocabulary=self.tokens[2:], mask_token=PAD, oov_token=UNK, num_oov_indices=1)
        return (keras.layers.StringLookup(**shared, name="token_to_id"),
                keras.layers.StringLookup(**shared, invert=True, name="id_to_token"))
