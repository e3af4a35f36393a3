"""Defaults from the pair profile: what the sentence pairs decide when an option is unset.

`pair_profile(config)` is the translator's `scan`: a cheap look at every
pair before the data are split and tokenised (the tokenizer and the length
cap must be known to load them). It counts the words of each side (the
word tokenizer's tokens), their lengths and how many word types are seen
only once.

`defaults(profile, config)` then chooses by the kind of data:

- a closed vocabulary (fewer than `OPEN_VOCABULARY` word types on each side:
  number names as in the built-in data, dates, units, codes): today's
  recipe, unchanged -- the attention RNN, 3 epochs of 128 pairs at 3e-3,
  no label smoothing, no warm-up, one padded length for every batch;
- natural language (thousands of word types, most of them rare): the
  Transformer with label smoothing 0.1 and a linear warm-up before the
  cosine decay (shared.schedules.warmup_cosine), batches by length
  (`--bucketing`), batches of 64 below `LARGE_DATA` training pairs (more
  updates per epoch), dropout for the amount of data, and a budget of
  about `STEP_BUDGET` optimizer steps (early stopping on validation BLEU);
  with a large and sparse word vocabulary (more than `SUBWORD_TYPES` types
  on a side, most of them rare) the tokenizer is WordPiece.

The length cap stays 30 words unless the 99.5th percentile of the pairs is
longer (then that percentile, at most `MAX_LENGTH`).
"""

from __future__ import annotations

import collections
import math

import numpy as np

from apps.translator import formats
from apps.translator.data import number_pairs
from shared.data import BadInputs
from shared.text import WordTokenizer

OPEN_VOCABULARY = 200   # word types per side: formulaic data uses tens, real sentences thousands
SUBWORD_TYPES = 8000    # word types on a side above which (when most are rare) subwords are used
SUBWORD_SINGLETONS = 0.4  # fraction of word types seen once: "sparse"
SUBWORD_VOCABULARY = 8000
LARGE_DATA = 10000      # training pairs from which batches are 128
WIDE_DATA = 40000       # training pairs from which the Transformer is 256 wide (feed-forward 512)
STEP_BUDGET = 1500      # natural language: optimizer steps (3 to 60 epochs): ~0.6 s a step on one CPU core
MAX_LENGTH = 100
TODAY = {"model": "attention", "epochs": 3, "batch_size": 128, "learning_rate": 3e-3, "label_smoothing": 0.0,
         "warmup_fraction": 0.0, "bucketing": False, "tokenizer": "word", "dropout": 0.1, "max_length": 30}


class QuietBadInputs(BadInputs):
    """Bad lines raise as in `load_data`; with --skip-bad they are skipped here without a log line
    (`load_data` logs them once)."""

    def report(self, error):
        if not self.skip_bad:
            raise error
        self.skipped.append(str(error))


def read_sentences(config):
    """(sources, targets) of every pair of the config's data (in the direction trained)."""
    if config.data in (None, "", "numbers"):
        raw = number_pairs(config.num_examples, config.seed)
    else:
        raw, _ = formats.read_pairs(config.data, QuietBadInputs(config.skip_bad), config.source_column, config.target_column)
    sides = ([pair[0] for pair in raw], [pair[1] for pair in raw])
    return sides[::-1] if config.reverse else sides


def side_profile(tokens):
    counts = collections.Counter(token for row in tokens for token in row)
    lengths = [len(row) for row in tokens] or [0]
    return {"word_types": len(counts), "singleton_fraction": round(
        sum(1 for c in counts.values() if c == 1) / max(1, len(counts)), 3),
        "length_p995": float(np.percentile(lengths, 99.5)), "length_max": int(max(lengths))}


def pair_profile(config):
    """Word statistics of each side of every pair, and how many pairs the training split will hold."""
    words = WordTokenizer()
    sides = read_sentences(config)
    count = len(sides[0])
    if not count:
        return {}  # load_data says what is wrong
    held_out = round(count * config.test_fraction) + round(count * config.validation_fraction)
    train = max(0, count - held_out)
    if config.max_train_samples:
        train = min(train, config.max_train_samples)
    return {"pairs": count, "train_pairs": train, "sides": [side_profile(words.tokenize(side)) for side in sides]}


def natural_language(profile):
    """Real sentences: at least `OPEN_VOCABULARY` word types on a side."""
    return max(side["word_types"] for side in profile["sides"]) >= OPEN_VOCABULARY


def subwords(profile):
    """A large and sparse word vocabulary: many types on a side, most seen once."""
    return any(side["word_types"] > SUBWORD_TYPES and side["singleton_fraction"] >= SUBWORD_SINGLETONS
               for side in profile["sides"])


def length_cap(profile):
    longest = max(side["length_p995"] for side in profile["sides"])
    value = int(min(MAX_LENGTH, max(TODAY["max_length"], math.ceil(longest))))
    return value, f"{TODAY['max_length']} words, or the 99.5th percentile of the pair lengths ({longest:g}) " \
                  f"if longer, at most {MAX_LENGTH}"


def regime(profile):
    types = "/".join(str(side["word_types"]) for side in profile["sides"])
    kind = "natural-language" if natural_language(profile) else "closed"
    return f"{kind} vocabulary ({types} word types)"


def budget(profile, batch_size):
    """(epochs, reason) for about `STEP_BUDGET` steps of `batch_size`, 3 to 60 epochs."""
    steps = max(1, -(-profile["train_pairs"] // batch_size))
    epochs = int(min(60, max(3, round(STEP_BUDGET / steps))))
    return epochs, f"a budget of about {STEP_BUDGET} steps at {steps} steps per epoch of {batch_size}, 3 to 60 epochs"


def natural_defaults(profile, config, where):
    """{option: (value, reason)} for real sentence pairs (`config.model`: a model given, or None)."""
    train = profile["train_pairs"]
    transformer = config.model in (None, "transformer")
    large = train >= LARGE_DATA
    batch = 128 if large else 64
    values = {"batch_size": (batch, f"{train} training pairs ({'>=' if large else '<'} {LARGE_DATA})"),
              "epochs": budget(profile, batch),
              "dropout": (0.1 if large else 0.2, f"{train} training pairs: "
                                                 f"{'enough data' if large else 'few pairs, more dropout'}")}
    if transformer:
        wide = train >= WIDE_DATA
        size = f"{train} training pairs ({'>=' if wide else '<'} {WIDE_DATA})"
        values["units"] = (256 if wide else 128, size)
        values["feedforward_dim"] = (512 if wide else 256, size)
    if subwords(profile):
        values["tokenizer"] = ("wordpiece", f"{where}: large and sparse (more than {SUBWORD_TYPES} types on a "
                                            f"side, {SUBWORD_SINGLETONS:.0%}+ seen once)")
        values["vocab_size"] = (SUBWORD_VOCABULARY, "subword vocabulary per side")
    else:
        values["tokenizer"] = ("word", f"{where}: small enough for whole words")
    return values | {name: (value, f"{where}: {why}") for name, value, why in (
        ("model", "transformer", "the Transformer learns real sentences best"),
        ("learning_rate", 1e-3 if transformer else TODAY["learning_rate"], "the model's peak rate"),
        ("warmup_fraction", 0.1, "10% linear warm-up, then cosine decay over the budget"),
        ("label_smoothing", 0.1, "most words are rare: no over-confident targets"),
        ("bucketing", True, "sentence lengths vary: batches of similar length, little padding"))}


def defaults(profile, config):
    """{option: (value, reason)} from `pair_profile` (nothing without one)."""
    if "sides" not in profile:
        return {}
    where = regime(profile)
    values = {"max_length": length_cap(profile)}
    if not natural_language(profile):
        return values | {name: (TODAY[name], f"{where}: today's recipe") for name in TODAY if name != "max_length"}
    return values | natural_defaults(profile, config, where)
