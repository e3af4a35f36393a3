"""`ValidationMetrics`: task metrics computed on validation data during fit.

Keras compiles losses and per-batch metrics; task metrics such as mAP,
BLEU or FID need the whole validation set and a decoding step. This base
computes them every `every` epochs with a function the app gives and puts
them into the epoch's `logs` as `val_<name>`, so that the callbacks after
it (TensorBoard, history.csv, the best checkpoint, early stopping) see them
as if Keras had computed them. It must come before those callbacks, which
`App.fit` and `shared.training.fit_phase` guarantee (the app's callbacks
run first).

On epochs in between, the last computed values are repeated, so that a
monitored `val_<name>` exists at every epoch (early stopping and the best
checkpoint compare like with like).
"""

from __future__ import annotations

import logging
import math

from shared.callbacks.writer import SummaryWriterCallback

log = logging.getLogger("annsuite")


class ValidationMetrics(SummaryWriterCallback):
    """Add `val_<name>` values from `compute(model, epoch)` to each epoch's logs.

    Args:
        log_dir: the run folder.
        compute: called as `compute(model, epoch)` after an epoch; returns
            {name: number}. Names are given without the `val_` prefix.
        every: compute every N epochs (and always at the first epoch and
            at the last epoch of the phase).
        prefix: the prefix of the names in the logs.
    """

    def __init__(self, log_dir, compute, every=1, prefix="val_"):
        super().__init__(log_dir, subdir="validation")
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every!r}")
        self.compute = compute
        self.every = every
        self.prefix = prefix
        self.last = {}
        self.epochs = None

    def on_train_begin(self, logs=None):
        self.last = {}
        self.epochs = self.params.get("epochs") if self.params else None

    def due(self, epoch):
        last_epoch = self.epochs is not None and epoch + 1 == self.epochs
        return not self.last or epoch % self.every == 0 or last_epoch

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        if self.due(epoch):
            values = {f"{self.prefix}{name}": float(value)
                      for name, value in self.compute(self.model, epoch).items()}
            bad = [name for name, value in values.items() if not math.isfinite(value)]
            if bad:
                log.warning("epoch %d: %s not finite", epoch + 1, ", ".join(bad))
            self.last = values
        logs.update(self.last)
