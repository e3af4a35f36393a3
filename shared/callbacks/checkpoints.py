"""Checkpoints that a kill at any moment cannot corrupt.

Every file is written under a temporary name and renamed into place, so a
reader finds the previous complete file or the new complete file, never
half of one.

- `AtomicBackupAndRestore`: Keras' BackupAndRestore, but each epoch's
  weights go to a new file and a small JSON that names it is replaced
  atomically afterwards; on restart the JSON decides what is loaded.
- `BestWeights`: keeps the best epoch's weights (`best.weights.h5` plus
  `best.json`), cheaply, every time the monitored value improves;
  `write_model` turns them into the `.keras` file once, at the end.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras
import numpy as np


def replace_atomically(write, path):
    """Call `write(tmp_path)` then rename the temporary file onto `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(path.suffixes) or ".tmp"
    tmp = path.with_name(f".{path.name.removesuffix(suffix)}.partial{suffix}")
    write(str(tmp))
    os.replace(tmp, path)


def write_json_atomically(path, payload):
    replace_atomically(lambda tmp: Path(tmp).write_text(json.dumps(payload), encoding="utf-8"),
                       path)


class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):
    """BackupAndRestore whose backup survives a kill during the save.

    Layout of `backup_dir`: `epoch-<N>.weights.h5` (model and optimizer
    state after N epochs) and `state.json` ({"epoch": N, "weights": name}),
    written in that order; older weight files are removed afterwards.
    """

    def __init__(self, backup_dir):
        super().__init__(backup_dir, save_freq="epoch", delete_checkpoint=False)
        self.state_path = Path(backup_dir) / "state.json"

    def _load_model(self):
        if not self.state_path.exists():
            return
        state = json.loads(self.state_path.read_text(encoding="utf-8"))
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(str(Path(self.backup_dir) / state["weights"]))
        self.model._initial_epoch = int(state["epoch"])

    def _save_model(self):
        name = f"epoch-{self._current_epoch}.weights.h5"
        replace_atomically(self.model.save_weights, Path(self.backup_dir) / name)
        write_json_atomically(self.state_path, {"epoch": self._current_epoch, "weights": name})
        for old in Path(self.backup_dir).glob("epoch-*.weights.h5"):
            if old.name != name:
                old.unlink(missing_ok=True)


class BestWeights(keras.callbacks.Callback):
    """Save the weights whenever `monitor` improves (atomically).

    Args:
        directory: folder of `best.weights.h5` and `best.json`.
        monitor: the log key compared, e.g. "val_loss".
        mode: "min" or "max".
        initial_value_threshold: only values better than this are saved
            (the best of earlier phases or of a run being resumed).
    """

    def __init__(self, directory, monitor="val_loss", mode="min", initial_value_threshold=None):
        super().__init__()
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.directory = Path(directory)
        self.monitor = monitor
        self.mode = mode
        worst = np.inf if mode == "min" else -np.inf
        self.best = worst if initial_value_threshold is None else float(initial_value_threshold)

    @property
    def weights_path(self):
        return self.directory / "best.weights.h5"

    def improved(self, value):
        return value < self.best if self.mode == "min" else value > self.best

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not np.isfinite(value) or not self.improved(float(value)):
            return
        self.best = float(value)
        replace_atomically(self.model.save_weights, self.weights_path)
        write_json_atomically(self.directory / "best.json",
                              {"epoch": epoch + 1, "monitor": self.monitor, "value": self.best})

    def write_model(self, model, path):
        """Save `model` with the best weights as a `.keras` file (atomically).

        The model's own weights are put back afterwards. Returns False when
        no epoch was ever saved (nothing written).
        """
        if not self.weights_path.exists():
            return False
        current = Path(self.directory) / ".current.weights.h5"
        model.save_weights(str(current))
        try:
            model.load_weights(str(self.weights_path))
            replace_atomically(model.save, path)
        finally:
            model.load_weights(str(current))
            current.unlink(missing_ok=True)
        return True


def saved_best_value(directory):
    """The value recorded in `<directory>/best.json`, or None."""
    path = Path(directory) / "best.json"
    if not path.exists():
        return None
    return float(json.loads(path.read_text(encoding="utf-8"))["value"])
