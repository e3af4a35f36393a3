"""Training phases: one `Phase` per call of fit, and the shared fine-tuning recipe."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.finetune import freeze, unfreeze_top

log = logging.getLogger("annsuite")


def steps_per_epoch(examples, batch_size):
    """Batches in one pass over `examples` (the last one may be short)."""
    return max(1, -(-int(examples) // int(batch_size)))


@dataclass
class Phase:
    """One training phase; the epochs of consecutive phases add up to one count.

    Args:
        name: the phase's name (backup folder, history.csv `phase` column).
        epochs: epochs of this phase.
        learning_rate: passed to the app's `compile` hook.
        prepare: called with the task before compiling (freeze, unfreeze).
        decay: whether `compile` should decay the rate over the phase.
        options: anything else the app's `compile` hook reads (class
            weights, the void class...): the route from data to compile.
    """

    name: str
    epochs: int
    learning_rate: float | None = None
    prepare: Callable | None = None
    decay: bool = False
    options: dict = field(default_factory=dict)


def fine_tune_phases(backbone, *, epochs, fine_tune_epochs, learning_rate,
                     fine_tune_learning_rate=None, unfreeze_blocks=None, decay=True):
    """The shared frozen-then-fine-tune recipe (shared/finetune.py) as two phases.

    `head`: the backbone frozen, the new head trains at `learning_rate`.
    `fine_tune`: the top `unfreeze_blocks` blocks (all when None) train
    again with BatchNorm kept in inference mode, at
    `fine_tune_learning_rate` (default a tenth).
    """
    def unfreeze(task):
        if unfreeze_blocks is None:
            backbone.trainable = True
            log.info("fine-tuning the whole backbone")
            return
        count = unfreeze_top(backbone, unfreeze_blocks)
        log.info("fine-tuning: %d top blocks unfrozen", count)

    rate = learning_rate / 10 if fine_tune_learning_rate is None else fine_tune_learning_rate
    return [Phase("head", epochs, learning_rate, prepare=lambda task: freeze(backbone)),
            Phase("fine_tune", fine_tune_epochs, rate, prepare=unfreeze, decay=decay)]
