"""The App base: every app's lifecycle, verbs, CLI and Python API, written once.

An app declares what is its own by subclassing `App` and filling in hooks;
`App` runs them in one order (keras-hub's Task, minGPT's `Trainer.run()`):

    resolve the config (defaults, --config, flags, --set, keyword arguments)
    -> scan(config): a cheap look at the data        \\ profile -> defaults():
    -> load_data(config): read and check everything   / each option left unset
       (no run folder exists yet: bad input fails here)  is resolved and logged
    -> run folder, seed, strategy (shared.training.start_run)
    -> on_run_start(run, data)
    -> build_task(config, data) in the strategy scope
    -> phases(config, data, task): for each Phase, prepare (freeze, unfreeze),
       compile in the scope, fit with the standard callbacks (shared.training)
    -> the best checkpoint -> test_metrics(best, data, config) on the held-out
       split -> summary(...) -> metrics.json

`evaluate`, `predict` and `export` start from a run folder through `load()`,
which gives a `TrainedModel`; the CLI verbs and the Python API
(`apps.<app>.train/load/export/main`, see `python_api`) are generated from
the same hooks, so they cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import keras

from shared import training
from shared.api import PythonAPI, python_api
from shared.app_cli import CommandLine
from shared.cli import build_config
from shared.distribute import synchronize_batch_norm
from shared.errors import UsageError
from shared.phases import Phase, fine_tune_phases, steps_per_epoch
from shared.records import read_json, replace_atomically
from shared.trained import MODEL_FILE, RunResult, TrainedModel, rows_to_csv  # noqa: F401 - re-exported

log = logging.getLogger("annsuite")

# Re-exported: the apps declare themselves with these names from shared.app.
__all__ = ["App", "MODEL_FILE", "Phase", "PythonAPI", "RunResult", "TrainedModel", "fine_tune_phases",
           "python_api", "rows_to_csv", "steps_per_epoch"]


class App(CommandLine):
    """Base of every app. Subclasses set the class attributes and the hooks.

    Class attributes:
        name: the app's name (`python -m apps.<name>`, run folder root).
        description: one line for `--help` and `python -m apps list`.
        config_class: the app's config dataclass (subclass of TrainConfig).
        monitor, mode: the value that picks the best checkpoint.
        train_help: the `train` verb's help line.
    """

    name = ""
    description = ""
    config_class = None
    monitor = "val_loss"
    mode = "min"
    has_model = True  # False: an experiment whose networks live in sub-runs (no best.keras)
    train_help = "train a model"
    predict_help = "predict raw inputs with a trained run"
    evaluate_help = "metrics of a trained run on held-out data"
    evaluate_data_help = "evaluate on all of this data set instead of the held-out split"
    export_help = "SavedModel that serves raw inputs"
    inputs_help = "inputs to predict"

    # ---- hooks: data ------------------------------------------------------
    def scan(self, config):
        """A cheap look at the data before loading it: a profile dict."""
        return {}

    def load_data(self, config):
        """Read and check all the data (raise DataError); return it."""
        raise NotImplementedError(f"{type(self).__name__} must define the load_data hook")

    def profile(self, data):
        """Facts about the loaded data that defaults may depend on."""
        return dict(getattr(data, "profile", None) or {})

    def defaults(self, profile, config):
        """{option: (value, reason)} for options the data decides when unset."""
        return {}

    # ---- hooks: training --------------------------------------------------
    def on_run_start(self, run, data):
        """Called once the run folder exists (before the task is built)."""

    def build_task(self, config, data):
        """The Keras model to train (called in the strategy scope).

        Parts the phases need (a backbone to freeze) can be kept as
        attributes of the model when they are among its layers."""
        raise NotImplementedError(f"{type(self).__name__} must define the build_task hook")

    def datasets(self, config, data):
        """(train, validation) tf.data pipelines."""
        raise NotImplementedError(f"{type(self).__name__} must define the datasets hook")

    def callbacks(self, run, data, task):
        """The app's own callbacks (run before the standard ones)."""
        return []

    def phases(self, config, data, task):
        """The training phases; default one phase `train` of config.epochs."""
        return [Phase("train", config.epochs, config.learning_rate)]

    def compile(self, task, phase, config, steps):
        """Compile `task` for `phase` (`steps` batches per epoch); in scope."""
        raise NotImplementedError(f"{type(self).__name__} must define the compile hook")

    def fit(self, run, data, task):
        """Run every phase with the standard callbacks; return the epoch count."""
        config = run.config
        train, validation = self.datasets(config, data)
        callbacks = self.callbacks(run, data, task)
        steps = steps_per_epoch(self.train_examples(data), config.batch_size)
        done = {"epochs": 0, "best": None}
        monitor, mode = self.monitor_for(config)
        for phase in self.phases(config, data, task):
            if phase.prepare is not None:
                phase.prepare(task)
            with run.strategy.scope():
                self.compile(task, phase, config, steps)
            done = training.fit_phase(
                run, task, train, validation, phase=phase.name, initial_epoch=done["epochs"],
                epochs=done["epochs"] + phase.epochs, best_value=done["best"],
                callbacks=callbacks, monitor=monitor, mode=mode)
        return done["epochs"]

    def monitor_for(self, config):
        """(monitored value, "min" or "max") that picks the best checkpoint for this config."""
        return self.monitor, self.mode

    def train_examples(self, data):
        """Training examples (for steps per epoch)."""
        return len(data.y_train)

    def after_fit(self, run, data, task):
        """Called after the last phase, before the best model is reloaded."""

    def test_metrics(self, model, data, config):
        """Metrics of the best model on the held-out test split."""
        raise NotImplementedError(f"{type(self).__name__} must define the test_metrics hook")

    def summary(self, run, data, model):
        """Extra entries of metrics.json besides test, seconds and epochs."""
        extra = {"skipped": getattr(data, "skipped", 0)}
        try:
            extra["train_examples"] = int(self.train_examples(data))
        except (AttributeError, TypeError):
            pass
        return extra

    # ---- hooks: a trained run ---------------------------------------------
    def inference_model(self, network, data, config):
        """The model `model.keras` holds: preprocessing + network + decoding (None: none)."""
        return None

    def restore(self, path, config):
        """What the run folder holds besides the model (a dict)."""
        return {}

    def evaluate(self, trained, data=None, skip_bad=False):
        """`evaluate`: test metrics of a trained run."""
        raise NotImplementedError(f"{type(self).__name__} must define the evaluate hook")

    def predict_rows(self, trained, inputs, **options):
        """`predict`: one dict per input."""
        raise NotImplementedError(f"{type(self).__name__} must define the predict_rows hook")

    def export(self, trained, out):
        """`export`: a SavedModel in `out`."""
        raise NotImplementedError(f"{type(self).__name__} must define the export hook")

    # ---- the lifecycle (not hooks) ----------------------------------------
    def make_config(self, options=None, config=None):
        """A config from keyword options (UsageError on bad names or values)."""
        if config is not None:
            if options:
                config = dataclasses.replace(config, **options)
            return config
        return build_config(self.config_class, dict(options or {}))

    def resolve(self, config, profile, given, resolved):
        """Apply `defaults(profile)` to options not given and not yet resolved."""
        changes = {}
        for name, (value, reason) in self.defaults(profile, config).items():
            if name in given or name in resolved:
                continue
            resolved[name] = {"value": value, "reason": reason}
            changes[name] = value
        if not changes:
            return config
        try:
            return dataclasses.replace(config, **changes)
        except (TypeError, ValueError) as error:
            raise UsageError(str(error)) from None

    def prepare(self, config, given=()):
        """Config resolution and data loading: (config, data, resolved)."""
        resolved = {}
        scanned = self.scan(config)
        config = self.resolve(config, scanned, given, resolved)
        data = self.load_data(config)  # every file checked before a run folder exists
        config = self.resolve(config, {**scanned, **self.profile(data)}, given, resolved)
        return config, data, resolved

    def train(self, config, argv=(), given=()):
        """The whole `train` verb; returns a RunResult."""
        strategy = training.get_strategy(config.strategy)
        config, data, resolved = self.prepare(config, given)
        run = training.start_run(self.name, config, argv, strategy=strategy, resolved=resolved)
        try:
            if run.finished:
                log.info("this run finished earlier: its metrics are kept as they are (to train again, "
                         "choose another --run-dir)")
                return RunResult(run.path, read_json(run.path / "metrics.json"))
            return RunResult(run.path, self.run_lifecycle(run, data, resolved))
        finally:
            run.release()

    def run_lifecycle(self, run, data, resolved):
        """From the run folder to metrics.json (train's steps after start_run)."""
        config = run.config
        for name, entry in resolved.items():  # into train.log, which exists from here on
            log.info("%s %s: %s", name, entry["value"], entry["reason"])
        self.on_run_start(run, data)
        with run.strategy.scope():
            task = self.build_task(config, data)
        if synchronize_batch_norm(task, run.strategy):
            log.info("BatchNormalization statistics synchronized across the %d replicas",
                     run.strategy.num_replicas_in_sync)
        epochs = self.fit(run, data, task)
        self.after_fit(run, data, task)
        best = training.load_best_model(run.path) if self.has_model else None
        test = run.extra.pop("test", None) or self.test_metrics(best, data, config)
        self.save_inference_model(run, best, data, config)
        return training.finish_run(run, test, epochs, **self.summary(run, data, best))

    def save_inference_model(self, run, network, data, config):
        """Write `model.keras` (atomically, the chief only) when the app builds one."""
        if not run.chief:
            return
        model = self.inference_model(network, data, config) if network is not None else None
        if model is not None:
            replace_atomically(model.save, run.path / MODEL_FILE)

    def load(self, run_dir, **overrides):
        """Open a run folder as a TrainedModel (UsageError if it is not one)."""
        path = Path(run_dir)
        saved = training.load_run(path)
        if saved.get("app") not in (None, self.name):
            raise UsageError(f"{path}: a {saved['app']} run, not a {self.name} run")
        known = {f.name for f in dataclasses.fields(self.config_class)}
        values = {k: v for k, v in saved.get("config", {}).items() if k in known}
        config = build_config(self.config_class, {**values, **overrides})
        model, network = self.load_model(path), None
        if model is None:
            model = network = training.load_best_model(path)
        return TrainedModel(self, path, config, model, self.restore(path, config), network)

    def load_model(self, path):
        """`model.keras` of a run (safe mode), None for apps that write none.

        A run of an app that writes one, trained before it did, stops with one line.
        """
        file = Path(path) / MODEL_FILE
        if file.is_file():
            return keras.saving.load_model(file, safe_mode=True)
        if type(self).inference_model is not App.inference_model:
            if (Path(path) / "metrics.json").is_file():
                raise UsageError(f"{path}: trained by an earlier annsuite (no {MODEL_FILE}, the model that "
                                 "carries its preprocessing); train it again with this version")
            raise UsageError(f"{path}: no trained model in this run folder (train first)")
        return None
