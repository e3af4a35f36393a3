"""history.csv: one row per epoch, safe across resumes."""

from __future__ import annotations

import os
from pathlib import Path

import keras
import pandas as pd


class HistoryCSV(keras.callbacks.Callback):
    """Write one row per epoch (epoch, phase, logs, learning rate) to a CSV.

    The epoch column counts from 1 across phases. When a resumed run trains
    an epoch again, its row replaces the old one and rows of later epochs
    are dropped, so the file always reads as one continuous run. Each write
    is atomic.

    Args:
        path: the CSV file.
        phase: the training phase the rows belong to.
    """

    def __init__(self, path, phase="train"):
        super().__init__()
        self.path = Path(path)
        self.phase = phase

    def on_train_begin(self, logs=None):
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch + 1, "phase": self.phase}
        row.update({k: float(v) for k, v in (logs or {}).items()})
        if "learning_rate" not in row and self.model is not None:
            row["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        frame = pd.DataFrame([row])
        if self.path.exists() and self.path.stat().st_size > 0:
            old = pd.read_csv(self.path)
            frame = pd.concat([old[old["epoch"] < epoch + 1], frame], ignore_index=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        frame.to_csv(tmp, index=False)
        os.replace(tmp, self.path)
