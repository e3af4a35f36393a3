"""Checkpoints that a kill at any moment cannot corrupt.

Every file is written under a temporary name and renamed into place, so a
reader finds the previous complete file or the new complete file, never
half of one.

- `AtomicBackupAndRestore`: Keras' BackupAndRestore, but each epoch's
  state goes to a new file and a small JSON that names it is replaced
  atomically afterwards; on restart the JSON decides what is loaded.
- `BestWeights`: keeps the best epoch's weights (`best.weights.npz` plus
  `best.json`), cheaply, every time the monitored value improves;
  `write_model` turns them into the `.keras` file once, at the end.

Both write the variables as a flat `.npz` in the model's own variable
order (`save_state`/`load_state`), not with `model.save_weights`: walking
the layer tree to an HDF5 file costs about 0.25 s for the default
classifier, the `.npz` 0.05 s, and these files are written every epoch.
The `.npz` also holds the seed generators' state (augmentation, dropout
noise), which Keras' weight files leave out, so a resumed run draws the
same random numbers as one that was never stopped.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from shared.records import read_json, replace_atomically, write_json


def optimizers_of(model):
    """The model's optimizers: `model.optimizer` and any other attribute
    holding one (a GAN's two), in a stable order."""
    found = []
    for _name, value in sorted(vars(model).items()):
        if isinstance(value, keras.optimizers.Optimizer) and all(value is not o for o in found):
            found.append(value)
    return found


def state_sections(model, optimizers=True):
    """[(section name, variables)]: the model's variables, then each optimizer's."""
    sections = [("model", list(model.variables))]
    if optimizers:
        sections += [(f"optimizer{i}", list(o.variables)) for i, o in enumerate(optimizers_of(model))]
    return sections


def save_state(model, path, optimizers=True):
    """Write the model's (and its optimizers') variables to an `.npz` file."""
    arrays, names = {}, []
    for section, variables in state_sections(model, optimizers):
        for index, variable in enumerate(variables):
            key = f"{section}/{index}"
            arrays[key] = keras.ops.convert_to_numpy(variable)
            names.append(f"{key} {variable.path}")
    with open(path, "wb") as handle:
        np.savez(handle, __names__=np.array(names), **arrays)


def load_state(model, path):
    """Assign the variables saved by `save_state`, checking count and shapes.

    An optimizer that has not run yet is built first when the file holds
    its slots. Raises ValueError naming the file when the model differs.
    """
    with np.load(path) as stored:
        saved = {key: stored[key] for key in stored.files if key != "__names__"}
    with_optimizers = any(key.startswith("optimizer") for key in saved)
    for index, optimizer in enumerate(optimizers_of(model) if with_optimizers else []):
        count = sum(key.startswith(f"optimizer{index}/") for key in saved)
        if not optimizer.built and count > len(optimizer.variables):
            optimizer.build(model.trainable_variables)
    pairs = [(f"{section}/{i}", v) for section, variables in state_sections(model, with_optimizers)
             for i, v in enumerate(variables)]
    shapes_differ = [key for key, v in pairs if key in saved and tuple(saved[key].shape) != tuple(v.shape)]
    if len(pairs) != len(saved) or shapes_differ or any(key not in saved for key, _ in pairs):
        raise ValueError(f"{path}: saved for another model ({len(saved)} variables, this model has "
                         f"{len(pairs)}; shapes differ at {shapes_differ[:3]})")
    for key, variable in pairs:
        variable.assign(saved[key])


class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):
    """BackupAndRestore whose backup survives a kill during the save.

    Layout of `backup_dir`: `epoch-<N>.state.npz` (model and optimizer
    state after N epochs, see `save_state`) and `state.json` ({"epoch": N,
    "weights": name}), written in that order; older state files are
    removed afterwards.
    """

    def __init__(self, backup_dir):
        super().__init__(backup_dir, save_freq="epoch", delete_checkpoint=False)
        self.state_path = Path(backup_dir) / "state.json"

    # _load_model and _save_model are the hooks Keras's BackupAndRestore calls;
    # it has no public ones (keras/src/callbacks/backup_and_restore.py).
    def _load_model(self):
        if not self.state_path.exists():
            return
        state = read_json(self.state_path)
        name = str(state.get("weights", ""))
        if Path(name).name != name or not name:  # never follow a path out of the backup folder
            raise ValueError(f"{self.state_path}: weights {name!r} is not a file name in the backup folder")
        path = Path(self.backup_dir) / name
        if path.suffix == ".npz":
            load_state(self.model, path)
        else:  # a Keras weights file, left by an earlier version
            if self.model.optimizer is not None and not self.model.optimizer.built:
                self.model.optimizer.build(self.model.trainable_variables)
            self.model.load_weights(str(path))
        # The epoch fit resumes from: Keras's own BackupAndRestore sets this
        # attribute too; there is no public way for a callback to move it.
        self.model._initial_epoch = int(state["epoch"])

    def _save_model(self):
        name = f"epoch-{self._current_epoch}.state.npz"
        replace_atomically(lambda tmp: save_state(self.model, tmp), Path(self.backup_dir) / name)
        write_json(self.state_path, {"epoch": self._current_epoch, "weights": name})
        for old in Path(self.backup_dir).glob("epoch-*.*"):
            if old.name != name:
                old.unlink(missing_ok=True)


class BestWeights(keras.callbacks.Callback):
    """Save the weights whenever `monitor` improves (atomically).

    Args:
        directory: folder of `best.weights.npz` and `best.json`.
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
        return self.directory / "best.weights.npz"

    def improved(self, value):
        return value < self.best if self.mode == "min" else value > self.best

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not np.isfinite(value) or not self.improved(float(value)):
            return
        self.best = float(value)
        replace_atomically(lambda tmp: save_state(self.model, tmp, optimizers=False),
                           self.weights_path)
        write_json(self.directory / "best.json",
                              {"epoch": epoch + 1, "monitor": self.monitor, "value": self.best})

    def write_model(self, model, path):
        """Save `model` with the best weights as a `.keras` file (atomically).

        The model's own weights are put back afterwards. Returns False when
        no epoch was ever saved (nothing written).
        """
        if not self.weights_path.exists():
            return False
        current = [keras.ops.convert_to_numpy(v) for v in model.variables]
        try:
            load_state(model, self.weights_path)
            replace_atomically(model.save, path)
        finally:
            for variable, value in zip(model.variables, current):
                variable.assign(value)
        return True


def saved_best_value(directory):
    """The value recorded in `<directory>/best.json`, or None."""
    path = Path(directory) / "best.json"
    if not path.exists():
        return None
    return float(read_json(path)["value"])
