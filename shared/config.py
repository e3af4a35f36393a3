"""The options every app's training config shares.

Each app declares a dataclass that inherits `TrainConfig` and adds its own
fields; `shared.cli` turns the fields into command-line flags. Every field
has a default and a `help` entry in its metadata; `__post_init__` validates
and raises `ValueError` quoting the bad value.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

STRATEGIES = ("auto", "default", "mirrored", "multi-worker")


def option(default, help, choices=None):  # noqa: A002 - mirrors argparse
    """A dataclass field with its command-line help (and allowed values)."""
    metadata = {"help": help}
    if choices is not None:
        metadata["choices"] = tuple(choices)
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass
class TrainConfig:
    """Options common to every app's `train` verb."""

    data: str | None = option(None, "data: a path in one of the app's formats; absent: the built-in default")
    epochs: int = option(10, "maximum number of training epochs")
    batch_size: int = option(32, "examples per batch (per worker)")
    learning_rate: float = option(1e-3, "initial learning rate")
    seed: int = option(42, "seed of every random choice: splits, initialisation, shuffles")
    run_dir: str | None = option(None, "run folder; default tensorboard_logs/<app>/<time>[-name]. Rerunning into an existing run folder resumes it")
    name: str | None = option(None, "suffix of the default run folder name")
    max_train_samples: int | None = option(None, "use at most this many training examples (debugging)")
    skip_bad: bool = option(False, "skip bad input files and count them instead of stopping")
    strategy: str = option("auto", "distribution strategy", STRATEGIES)
    patience: int = option(5, "early-stopping patience in epochs (0 turns early stopping off)")
    validation_fraction: float = option(0.15, "fraction of the data held out for validation")
    test_fraction: float = option(0.2, "fraction of the data held out for the final test")
    deterministic: bool = option(False, "turn on TensorFlow op determinism (slower)")
    mixed_precision: bool = option(False, "mixed_float16 compute (GPUs; slower on CPUs)")

    def __post_init__(self):
        if self.epochs is not None:  # None: an app's own default budget (the GAN's)
            check_positive(self, "epochs", allow_zero=True)
        check_positive(self, "batch_size")
        check_positive(self, "learning_rate")
        check_positive(self, "patience", allow_zero=True)
        if self.max_train_samples is not None:
            check_positive(self, "max_train_samples")
        check_choice(self, "strategy")
        for name in ("validation_fraction", "test_fraction"):
            value = getattr(self, name)
            if not 0.0 < value < 0.5:
                raise ValueError(f"{name} must be in (0, 0.5), got {value!r}")


def check_positive(config, name, allow_zero=False):
    """Raise `ValueError` unless `config.<name>` is > 0 (or >= 0)."""
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}")


def check_choice(config, name):
    """Raise `ValueError` unless `config.<name>` is one of its declared choices."""
    field = next(f for f in dataclasses.fields(config) if f.name == name)
    choices = field.metadata.get("choices")
    value = getattr(config, name)
    if choices and value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
