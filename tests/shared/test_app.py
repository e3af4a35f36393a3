"""The App base: lifecycle order, data-profile defaults, phases, Python API."""

from __future__ import annotations

import json
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd
import pytest

from shared.app import App, Phase, PythonAPI, steps_per_epoch
from shared.config import TrainConfig, option
from shared.errors import DataError, UsageError


@dataclass
class ToyConfig(TrainConfig):
    units: int | None = option(None, "hidden units; default from the number of features")
    head_epochs: int = option(1, "epochs of the second phase")


@dataclass
class ToyData:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    profile: dict


class ToyApp(App):
    """y = sum(x): a small regression that exercises every hook."""

    name = "toy"
    description = "a toy regression"
    config_class = ToyConfig

    def __init__(self):
        self.calls = []

    def scan(self, config):
        self.calls.append("scan")
        if config.data == "broken":
            raise DataError("broken", "not a toy data set")
        return {"features": 3}

    def defaults(self, profile, config):
        self.calls.append(("defaults", tuple(sorted(profile))))
        return {"units": (2 * profile["features"], f"twice the {profile['features']} features")}

    def load_data(self, config):
        self.calls.append("load_data")
        rng = np.random.default_rng(config.seed)
        x = rng.normal(size=(60, 3)).astype("float32")
        y = x.sum(axis=1, keepdims=True)
        return ToyData(x[:40], y[:40], x[40:50], y[40:50], x[50:], y[50:], {"examples": 60})

    def build_task(self, config, data):
        self.calls.append(("build_task", config.units))
        inputs = keras.Input((3,))
        return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Dense(config.units)(inputs)))

    def datasets(self, config, data):
        import tensorflow as tf  # the test's own pipelines

        def batches(x, y):
            return tf.data.Dataset.from_tensor_slices((x, y)).batch(config.batch_size)

        return batches(data.x_train, data.y_train), batches(data.x_val, data.y_val)

    def phases(self, config, data, task):
        return [Phase("first", config.epochs, config.learning_rate),
                Phase("second", config.head_epochs, config.learning_rate / 10,
                      prepare=lambda model: self.calls.append("prepare second"))]

    def compile(self, task, phase, config, steps):
        self.calls.append(("compile", phase.name, phase.learning_rate, steps))
        task.compile(keras.optimizers.Adam(phase.learning_rate), "mse")

    def test_metrics(self, model, data, config):
        error = model.predict(data.x_test, verbose=0) - data.y_test
        return {"mse": float(np.mean(error ** 2))}

    def restore(self, path, config):
        return {"opened": str(path)}

    def predict_rows(self, trained, inputs, **options):
        values = trained.model.predict(np.asarray(inputs, "float32"), verbose=0)[:, 0]
        return [{"input": list(map(float, x)), "value": float(v)} for x, v in zip(inputs, values)]


TOY = ToyApp()


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    TOY.calls.clear()
    api = PythonAPI("tests.shared.test_app", "TOY")
    run = api.train(epochs=2, head_epochs=1, run_dir=str(tmp_path_factory.mktemp("toy") / "run"),
                    patience=0, batch_size=8)
    return api, run, list(TOY.calls)


def test_hooks_run_in_the_lifecycle_order(toy_run):
    _, _, calls = toy_run
    names = [c if isinstance(c, str) else c[0] for c in calls]
    assert names[:5] == ["scan", "defaults", "load_data", "defaults", "build_task"]
    assert calls[4] == ("build_task", 6)  # units resolved from the profile before the task is built
    assert calls[1][1] == ("features",) and calls[3][1] == ("examples", "features")
    assert ("compile", "first", 1e-3, 5) in calls and ("compile", "second", 1e-4, 5) in calls
    assert calls.index("prepare second") < calls.index(("compile", "second", 1e-4, 5))


def test_resolved_options_are_logged_with_their_reason_in_config_json(toy_run):
    _, run, _ = toy_run
    saved = json.loads((run.path / "config.json").read_text())
    assert saved["config"]["units"] == 6
    assert saved["resolved"] == {"units": {"value": 6, "reason": "twice the 3 features"}}
    assert "units 6: twice the 3 features" in (run.path / "train.log").read_text()


def test_phases_continue_one_epoch_count_and_metrics_json_is_written(toy_run):
    _, run, _ = toy_run
    history = pd.read_csv(run.path / "history.csv")
    assert history["epoch"].tolist() == [1, 2, 3]
    assert history["phase"].tolist() == ["first", "first", "second"]
    assert run.metrics["epochs"] == 3 and run.metrics["test"]["mse"] >= 0
    assert json.loads((run.path / "metrics.json").read_text()) == run.metrics


def test_an_option_the_user_gave_is_never_overridden(tmp_path):
    api = PythonAPI("tests.shared.test_app", "TOY")
    run = api.train(epochs=1, head_epochs=1, units=4, run_dir=str(tmp_path / "run"), patience=0)
    saved = json.loads((run.path / "config.json").read_text())
    assert saved["config"]["units"] == 4 and saved["resolved"] == {}


def test_the_cli_counts_flags_config_files_and_set_as_given(tmp_path):
    (tmp_path / "options.yaml").write_text("units: 5\n")
    metrics = TOY.main(["train", "--epochs", "1", "--head-epochs", "1", "--run-dir", str(tmp_path / "a"),
                        "--config", str(tmp_path / "options.yaml")])
    assert json.loads((tmp_path / "a" / "config.json").read_text())["config"]["units"] == 5
    assert metrics["epochs"] == 2
    TOY.main(["train", "--epochs", "1", "--head-epochs", "1", "--run-dir", str(tmp_path / "b"),
              "--set", "units=7"])
    assert json.loads((tmp_path / "b" / "config.json").read_text())["config"]["units"] == 7


def test_resuming_a_finished_run_keeps_its_resolved_values(toy_run):
    api, run, _ = toy_run
    again = api.train(epochs=2, head_epochs=1, run_dir=str(run.path), patience=0, batch_size=8)
    assert again.metrics["epochs"] == 3
    assert json.loads((run.path / "config.json").read_text())["config"]["units"] == 6


def test_load_and_predict_give_rows(toy_run):
    api, run, _ = toy_run
    trained = api.load(run.path)
    assert trained.state == {"opened": str(run.path)} and trained.config.units == 6
    rows = trained.predict([[1.0, 2.0, 3.0]])
    assert list(rows[0]) == ["input", "value"] and isinstance(rows[0]["value"], float)


def test_bad_options_and_data_raise_one_line_errors_not_system_exit(tmp_path):
    api = PythonAPI("tests.shared.test_app", "TOY")
    with pytest.raises(UsageError, match="unknown option"):
        api.train(colour="red")
    with pytest.raises(UsageError, match="batch_size"):
        api.train(batch_size=0)
    with pytest.raises(DataError, match="broken: not a toy data set"):
        api.train(data="broken", run_dir=str(tmp_path / "never"))
    assert not (tmp_path / "never").exists()  # bad input fails before a run folder exists
    with pytest.raises(UsageError, match="not a run folder"):
        api.load(tmp_path)


def test_a_run_of_another_app_is_refused(toy_run, tmp_path):
    _, run, _ = toy_run
    other = json.loads((run.path / "config.json").read_text())
    other["app"] = "classifier"
    (tmp_path / "config.json").write_text(json.dumps(other))
    with pytest.raises(UsageError, match="a classifier run, not a toy run"):
        TOY.load(tmp_path)


def test_steps_per_epoch_counts_the_last_short_batch():
    assert steps_per_epoch(64, 32) == 2 and steps_per_epoch(65, 32) == 3 and steps_per_epoch(0, 8) == 1


class ExperimentApp(ToyApp):
    """An experiment whose networks live elsewhere: no best.keras at the top of its run."""

    name = "toy"
    has_model = False

    def fit(self, run, data, task):
        run.extra["test"] = {"found": 1.0}
        return 0

    def build_task(self, config, data):
        return None


def test_an_app_without_a_model_finishes_from_the_metrics_its_fit_found(tmp_path):
    app = ExperimentApp()
    run = app.train(ToyConfig(run_dir=str(tmp_path / "run"), units=2))
    assert run.metrics["test"] == {"found": 1.0}
    assert not (tmp_path / "run" / "checkpoints").exists() and not (tmp_path / "run" / "model.keras").exists()
