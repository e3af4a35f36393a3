"""Defaults from the corpus profile: what the training texts decide when an option is unset.

The profile (`corpus_profile`) counts the training texts' words. The rule
that matters is how often the data covers its vocabulary, `tokens_per_word`
(running words / distinct words), and how many distinct words there are:

- a closed vocabulary (fewer than `OPEN_VOCABULARY` distinct words, as in
  the generated default data or templated reviews, at any sample size) or
  one seen hundreds of times per word (>= `CLOSED_VOCABULARY` tokens per word):
  today's recipe, unchanged: 5 epochs at a constant rate, dropout 0.2 before
  the output only, early stopping on the validation loss;
- natural language (Zipf: most words rare, every real review corpus): the
  model memorises the rare words within an epoch or two (train 0.986,
  validation 0.744 on the sentence-polarity corpus), so whole word vectors
  are dropped (`embedding_dropout`), the output dropout is 0.5, the weights
  decay (AdamW), the rate warms up and decays (shared.schedules.warmup_cosine)
  over a budget in steps, and the best epoch is the one of the highest
  validation accuracy (the loss of an over-confident model rises while its
  accuracy still improves).

The vocabulary keeps the words seen at least twice (a word seen once cannot
be learned, it only fits the one text), at most 20,000; the sequence length
is the 95th percentile of the word counts (the bag of words: the longest text).
"""

from __future__ import annotations

import collections

import numpy as np

from apps.sentiment.model import WORDS, auto_sequence_length, word_sequence_length

CLOSED_VOCABULARY = 100  # tokens per distinct word above which the vocabulary is closed
OPEN_VOCABULARY = 1000  # distinct words: templates use a few hundred, a few hundred real reviews thousands
MAX_VOCABULARY = 20000
STEP_BUDGET = 4000  # natural language: optimizer steps (at least 2 epochs, at most 8)
LARGE_DATA = 20000  # training texts from which batches are 64 (fewer, cheaper steps)
FINE_TUNE_TEXTS = 4096  # transformer on a CPU: texts per fine-tuning epoch


def corpus_profile(texts):
    """Word statistics of the training texts (the word models' tokenizer, punctuation dropped)."""
    tokens = WORDS.tokenize([str(text) for text in texts])
    counts = collections.Counter(token for row in tokens for token in row)
    lengths = [len(str(text).split()) for text in texts]
    running = int(sum(counts.values()))
    return {"examples": len(tokens), "word_count_p95": float(np.percentile(lengths, 95)) if lengths else 0.0,
            "token_count_max": max((len(row) for row in tokens), default=0), "tokens": running,
            "word_types": len(counts), "words_seen_twice": sum(1 for c in counts.values() if c >= 2),
            "tokens_per_word": round(running / max(1, len(counts)), 2)}


def natural_language(profile):
    """Thousands of distinct words, each seen fewer than `CLOSED_VOCABULARY` times on average."""
    return profile["word_types"] >= OPEN_VOCABULARY and profile["tokens_per_word"] < CLOSED_VOCABULARY


def regime(profile):
    kind = "natural-language" if natural_language(profile) else "closed"
    return f"{kind} vocabulary ({profile['tokens_per_word']:g} tokens per distinct word)"


def budget(profile, batch_size):
    """(epochs, reason) for `STEP_BUDGET` steps of `batch_size`, 2 to 8 epochs."""
    steps = max(1, -(-profile["examples"] // batch_size))
    epochs = int(min(8, max(2, round(STEP_BUDGET / steps))))
    return epochs, (f"a budget of about {STEP_BUDGET} steps at {steps} steps per epoch of {batch_size}, "
                    "2 to 8 epochs")


def word_model_defaults(profile, config):
    """{option: (value, reason)} for bow, lstm, gru and bilstm."""
    where = regime(profile)
    vocabulary = min(MAX_VOCABULARY, profile["words_seen_twice"] + 4)
    values = {"sequence_length": word_sequence_length(config.model, profile),
              "vocabulary_size": (vocabulary, f"the {profile['words_seen_twice']} words seen twice or more and "
                                              f"4 special tokens, at most {MAX_VOCABULARY}")}
    if not natural_language(profile):
        return values | {name: (value, f"{where}: today's recipe") for name, value in (
            ("epochs", 5), ("dropout", 0.2), ("embedding_dropout", 0.0), ("weight_decay", 0.0),
            ("schedule", "constant"), ("monitor", "val_loss"))}
    batch = 64 if profile["examples"] >= LARGE_DATA else 32
    values["batch_size"] = (batch, f"{profile['examples']} training texts ({'>=' if batch == 64 else '<'} "
                                   f"{LARGE_DATA})")
    values["epochs"] = budget(profile, batch)
    return values | {name: (value, f"{where}: {why}") for name, value, why in (
        ("dropout", 0.5, "most words are rare, the model memorises them"),
        ("embedding_dropout", 0.3 if config.model != "bow" else 0.0, "whole word vectors dropped"),
        ("weight_decay", 1e-4 if config.model != "bow" else 0.0, "AdamW's decoupled decay"),
        ("schedule", "warmup_cosine", "5% linear warm-up, cosine decay over the budget"),
        ("monitor", "val_accuracy", "the loss rises with over-confidence while accuracy improves"))}


def fine_tune_budget(profile, config, gpu):
    """(batches per fine-tuning epoch, reason): on a CPU at most FINE_TUNE_TEXTS texts an epoch."""
    batches = -(-profile["examples"] // config.batch_size)
    if gpu or profile["examples"] <= FINE_TUNE_TEXTS:
        return 0, f"whole epochs ({profile['examples']} training texts{', a GPU' if gpu else ''})"
    steps = -(-FINE_TUNE_TEXTS // config.batch_size)
    return steps, (f"{steps} of the {batches} batches a fine-tuning epoch on the CPU (about {FINE_TUNE_TEXTS} "
                   "texts: a whole pass of the encoder's backward step over every text would take hours)")


def transformer_defaults(profile, config, max_length, gpu=False):
    """{option: (value, reason)} for the pretrained encoder (pieces: about 1.5 per word)."""
    words = profile["word_count_p95"]
    value = auto_sequence_length(words, scale=1.5, limit=max_length)
    return {"sequence_length": (value, f"1.5 x the 95th percentile of the training texts' word counts "
                                       f"({words:g}), at most {max_length}"),
            "fine_tune_steps": fine_tune_budget(profile, config, gpu)}
