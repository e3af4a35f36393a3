"""Dialogues -> (context, response) examples, splits and model arrays.

An example is the full history before a response (oldest first) and the
response; `follow_up` is True after the first exchange of a dialogue, and
`needs_context` marks the follow-ups whose answer needs an earlier turn
(known for the generated dialogues; for real data every follow-up counts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from apps.chatbot import dialogues as generated
from apps.chatbot.formats import Dialogue, read_dialogues
from shared.data import BadInputs
from shared.errors import DataError

log = logging.getLogger("annsuite")

MIN_DIALOGUES_FOR_DIALOGUE_SPLIT = 10


@dataclass
class Example:
    context: tuple
    response: str
    follow_up: bool = False
    needs_context: bool = False


@dataclass
class ChatData:
    """Train, validation and test examples and where they came from."""

    train: list
    validation: list
    test: list
    source: str = "generated"
    skipped: int = 0

    def texts(self):
        """Every utterance of the training examples (for the vocabulary)."""
        return sorted({u for e in self.train for u in e.context} | {e.response for e in self.train})


def examples_of(dialogue):
    """The (context, response) examples of one dialogue."""
    turns = dialogue.turns
    if dialogue.all_pairs:
        return [Example(tuple(turns[:i]), turns[i], i > 1, i > 1) for i in range(1, len(turns))]
    flags = dialogue.needs_context
    examples = []
    for i in range(1, len(turns), 2):
        follow_up = i > 1
        needs = flags[i // 2] if flags is not None else follow_up
        examples.append(Example(tuple(turns[:i]), turns[i], follow_up, bool(needs)))
    return examples


def flatten(dialogues):
    return [example for dialogue in dialogues for example in examples_of(dialogue)]


def as_dialogue(made):
    return Dialogue(made.turns, all_pairs=False, needs_context=made.needs_context)


def default_data(config):
    """The generated dialogues (splits by unseen slot combinations)."""
    train, validation, test = generated.generate(
        config.dialogues, config.seed, (config.validation_fraction, config.test_fraction))
    return ChatData(*(flatten([as_dialogue(d) for d in split]) for split in (train, validation, test)))


def split_dialogues(dialogues, config):
    """Deterministic split by dialogue (by example when there are few dialogues)."""
    rng = np.random.default_rng(config.seed)
    if len(dialogues) >= MIN_DIALOGUES_FOR_DIALOGUE_SPLIT:
        units = [examples_of(d) for d in dialogues]
    else:
        units = [[e] for e in flatten(dialogues)]
    order = rng.permutation(len(units))
    n_test = max(1, round(len(units) * config.test_fraction))
    n_val = max(1, round(len(units) * config.validation_fraction))
    pick = [order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]]
    test, validation, train = ([e for i in sorted(idx) for e in units[i]] for idx in pick)
    return train, validation, test


def load_data(config, data=None):
    """Load and check the data of `config` (or `data`) before any run folder exists."""
    path = data if data is not None else config.data
    if path is None:
        chat = default_data(config)
    else:
        bad = BadInputs(config.skip_bad)
        dialogues = read_dialogues(path, bad)
        train, validation, test = split_dialogues(dialogues, config)
        chat = ChatData(train, validation, test, source=str(path), skipped=bad.summary())
    if config.max_train_samples:
        chat.train = chat.train[:config.max_train_samples]
    if not chat.train:
        raise DataError(path or "generated data", "no training examples left after the split")
    log.info("dialogue examples: %d train, %d validation, %d test (%s)",
             len(chat.train), len(chat.validation), len(chat.test), chat.source)
    return chat


def load_eval_data(config, path):
    """Every example of another data set (for `evaluate --data`)."""
    bad = BadInputs(config.skip_bad)
    examples = flatten(read_dialogues(path, bad))
    bad.summary()
    return examples


def knowledge_base(examples):
    """The unique responses of the examples, in first-seen order."""
    return list(dict.fromkeys(e.response for e in examples))
