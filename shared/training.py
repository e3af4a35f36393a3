"""The one training runner every app uses.

`start_run` makes the run folder, writes `config.json`, seeds everything and
picks the distribution strategy. `fit_phase` runs `model.fit` with the
standard callbacks (TensorBoard, best checkpoint, BackupAndRestore, early
stopping, TerminateOnNaN, history.csv); a run may have several phases (for
example frozen backbone, then fine-tuning) whose epochs continue one count.
`finish_run` writes `metrics.json`.

Resume: rerunning the same command into the same run folder continues. A
finished phase leaves `backup/<phase>.state.npz` and a marker and is
skipped; an interrupted phase resumes from its backup at the last completed
epoch. Every checkpoint file is written under a temporary name and renamed,
so a kill at any moment leaves the previous complete file.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from shared import distribute
from shared.callbacks.checkpoints import (
    AtomicBackupAndRestore,
    BestWeights,
    load_state,
    replace_atomically,
    save_state,
    saved_best_value,
)
from shared.callbacks.history import HistoryCSV
from shared.errors import UsageError
from shared.logfile import attach_log_file, detach_log_file
from shared.records import library_versions, read_json, write_json
from shared.run_folder import (  # noqa: F401
    LOG_ROOT_ENV,
    check_run_folder,
    check_same_config,
    log_root,
    new_run_path,
)
from shared.safe_files import RunLock

log = logging.getLogger("annsuite")

@dataclass
class Run:
    """A training run: its folder, config, strategy and start time."""

    path: Path
    config: object
    strategy: object
    chief: bool = True
    started: float = field(default_factory=time.time)
    extra: dict = field(default_factory=dict)  # entries of metrics.json the training adds
    finished: bool = False  # metrics.json existed: a finished run, rerun
    lock: object = None  # the RunLock held while the command works in the folder

    def release(self):
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    @property
    def checkpoint_path(self):
        return self.path / "checkpoints" / "best.keras"

    def seconds(self):
        return round(time.time() - self.started, 2)


def seed_everything(seed, deterministic=False):
    """Seed Python, NumPy and the backend; optionally force op determinism.

    TensorFlow's seeding clears its kernel cache; objects of earlier runs
    in this process (pipelines still prefetching, tokenizer kernels) are
    collected first, so that nothing uses a kernel while it is destroyed.
    """
    gc.collect()
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def get_strategy(name):
    """`auto`: MirroredStrategy over several local GPUs, else the default."""
    if name == "multi-worker":
        if "TF_CONFIG" not in os.environ:
            raise UsageError("--strategy multi-worker needs the TF_CONFIG environment variable")
        distribute.read_tf_config()  # a malformed TF_CONFIG is one line, not TensorFlow's traceback
        distribute.patch_keras_multi_worker()
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if name == "mirrored" or (name == "auto" and len(gpus) > 1):
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def start_run(app, config, argv=(), strategy=None, resolved=None):
    """Create the run folder, write config.json, seed, choose the strategy.

    Pass `strategy` when it had to exist earlier (before loading data), and
    `resolved` ({option: {value, reason}}) for the options the data decided.
    """
    strategy = strategy or get_strategy(config.strategy)
    chief = distribute.is_chief(strategy)
    if distribute.is_multi_worker(strategy) and not getattr(config, "run_dir", None):
        raise UsageError("--strategy multi-worker needs --run-dir (the same folder on every worker)")
    path = new_run_path(app, config)
    if not chief:
        path = distribute.worker_folder(path)
    check_run_folder(path, app)
    lock = RunLock(path).acquire()  # held until finish_run (or the process ends)
    try:
        resumed = (path / "config.json").exists()
        if resumed:
            check_same_config(path, config, resolved)
        finished = resumed and (path / "metrics.json").is_file()
        path.mkdir(parents=True, exist_ok=True)
        attach_log_file(path / "train.log")
        if config.mixed_precision:
            keras.mixed_precision.set_global_policy("mixed_float16")
        seed_everything(config.seed, config.deterministic)
        if not finished:  # a finished run keeps its record as it was
            write_json(path / "config.json", {
                "app": app, "config": dataclasses.asdict(config), "command": list(argv),
                "argv": sys.argv, "versions": library_versions(), "resolved": resolved or {},
            })
    except BaseException:
        lock.release()
        raise
    log.info("%s run folder: %s%s", app, path,
             " (finished earlier)" if finished else " (resuming)" if resumed else "")
    return Run(path=path, config=config, strategy=strategy, chief=chief, finished=finished, lock=lock)


def previous_best(run, monitor, mode, best_value):
    """The best monitored value so far: earlier phases, history.csv, best.json."""
    path = run.path / "history.csv"
    values = [] if best_value is None else [best_value]
    saved = saved_best_value(run.checkpoint_path.parent)
    if saved is not None:
        values.append(saved)
    if path.exists() and path.stat().st_size:
        frame = pd.read_csv(path)
        if monitor in frame:
            values.extend(frame[monitor].dropna().tolist())
    if not values:
        return None
    return float(min(values) if mode == "min" else max(values))


def standard_callbacks(run, phase, monitor="val_loss", mode="min", best_value=None):
    """Best weights, history.csv, TensorBoard, NaN stop, early stop, backup."""
    callbacks = [
        # Before the history, so that history.csv never claims a best that was not saved.
        BestWeights(run.checkpoint_path.parent, monitor=monitor, mode=mode,
                    initial_value_threshold=previous_best(run, monitor, mode, best_value)),
        HistoryCSV(run.path / "history.csv", phase=phase),
        keras.callbacks.TensorBoard(log_dir=str(run.path), write_graph=True, update_freq="epoch"),
        keras.callbacks.TerminateOnNaN(raise_error=True),
    ]
    if run.config.patience > 0:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=monitor, mode=mode, patience=run.config.patience, restore_best_weights=True))
    # Last, so that a kill after its save never loses an epoch the others logged.
    # Kept until fit_phase has written the phase's weights and marker.
    callbacks.append(AtomicBackupAndRestore(str(run.path / "backup" / phase)))
    return callbacks


def write_best_model(run, model, best):
    """checkpoints/best.keras from the best weights, when they are newer."""
    target = run.checkpoint_path
    weights = best.weights_path
    if weights.exists() and (not target.exists()
                             or target.stat().st_mtime_ns < weights.stat().st_mtime_ns):
        best.write_model(model, target)


def fit_phase(run, model, train, validation, *, phase="train", epochs, initial_epoch=0,
              monitor="val_loss", mode="min", best_value=None, callbacks=()):
    """Fit one phase with the standard callbacks; skip it if already done.

    The best epoch's weights are kept while training (cheap, atomic) and
    written as `checkpoints/best.keras` once, when the phase ends.

    Returns:
        dict with `epochs` (the global epoch count after this phase) and
        `best` (the best monitored value so far).
    """
    marker = run.path / "backup" / f"{phase}.done.json"
    weights = run.path / "backup" / f"{phase}.state.npz"
    if marker.exists():
        if weights.exists():
            load_state(model, weights)
        else:  # a phase finished by an earlier version: a Keras weights file
            model.load_weights(weights.with_name(f"{phase}.weights.h5"))
        log.info("phase %r finished in an earlier process: weights restored", phase)
        return read_json(marker)
    if epochs <= initial_epoch:
        return {"epochs": initial_epoch, "best": best_value}
    standard = standard_callbacks(run, phase, monitor, mode, best_value)
    if run.strategy is not None:
        batch_size = run.config.batch_size
        train = distribute.distribute_dataset(train, batch_size, run.strategy)
        validation = distribute.distribute_dataset(validation, batch_size, run.strategy)
    history = model.fit(
        train, validation_data=validation, epochs=epochs, initial_epoch=initial_epoch,
        callbacks=[*callbacks, *standard], shuffle=False,  # the pipeline shuffles
        verbose=1 if sys.stdout.isatty() else 2)
    best_weights = standard[0]
    best = best_weights.best if np.isfinite(best_weights.best) else best_value
    # A process killed after the backup of the last epoch trains no epoch when rerun:
    # the backup, not the (empty) history, knows how far the phase got.
    state = run.path / "backup" / phase / "state.json"
    backed_up = read_json(state)["epoch"] if state.exists() else 0
    done = {"epochs": max((history.epoch[-1] + 1) if history.epoch else initial_epoch, backed_up),
            "best": None if best is None else float(best),
            "weights_sha1": distribute.weights_digest(model)}
    log.info("phase %r ended after epoch %d; weights sha1 %s", phase, done["epochs"],
             done["weights_sha1"])
    write_best_model(run, model, best_weights)
    replace_atomically(lambda tmp: save_state(model, tmp, optimizers=False), weights)
    write_json(marker, done)
    shutil.rmtree(run.path / "backup" / phase, ignore_errors=True)
    return done


def finish_run(run, test_metrics, epochs, **extra):
    """Write metrics.json ({"test": ..., "seconds": ..., "epochs": ...}).

    A non-chief worker of a multi-worker run removes its private folder.
    """
    metrics = {"test": {k: float(v) for k, v in test_metrics.items()},
               "seconds": run.seconds(), "epochs": int(epochs), **extra}
    log.info("test metrics: %s (%.1f s)", json.dumps(metrics["test"]), metrics["seconds"])
    if not run.chief:
        detach_log_file()
        run.release()
        shutil.rmtree(run.path, ignore_errors=True)
        return metrics
    write_json(run.path / "metrics.json", metrics)
    run.release()
    return metrics


def load_run(run_dir):
    """Read a finished run's config.json, or raise UsageError."""
    path = Path(run_dir)
    if not (path / "config.json").is_file():
        raise UsageError(f"{path}: not a run folder (no config.json)")
    return read_json(path / "config.json")


def load_best_model(run_dir):
    """Load checkpoints/best.keras safely (no code from the file runs)."""
    path = Path(run_dir) / "checkpoints" / "best.keras"
    if not path.is_file():
        raise UsageError(f"{path}: no trained model in this run folder (train first)")
    return keras.saving.load_model(path, safe_mode=True)
