"""The training runner: run folder, phases, resume markers, best value."""

import dataclasses
import json

import keras
import numpy as np
import pandas as pd
import pytest

from shared.config import TrainConfig
from shared.data import make_dataset
from shared.errors import UsageError
from shared.training import finish_run, fit_phase, previous_best, start_run


def tiny_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], "float32"))[:, None]
    return make_dataset(x, y, 16), make_dataset(x, y, 64)


def tiny_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.05), "mse")
    return model


def test_run_folder_phases_and_metrics(tmp_path):
    config = TrainConfig(run_dir=str(tmp_path / "run"), epochs=2, patience=0)
    run = start_run("demo", config, ["train", "--epochs", "2"])
    saved = json.loads((run.path / "config.json").read_text())
    assert saved["app"] == "demo" and saved["config"]["epochs"] == 2 and saved["command"][0] == "train"
    train, validation = tiny_data()
    model = tiny_model()
    first = fit_phase(run, model, train, validation, phase="head", epochs=2)
    second = fit_phase(run, model, train, validation, phase="tune", initial_epoch=first["epochs"], epochs=3,
                       best_value=first["best"])
    history = pd.read_csv(run.path / "history.csv")
    assert history["epoch"].tolist() == [1, 2, 3] and history["phase"].tolist() == ["head", "head", "tune"]
    assert second["best"] <= first["best"]
    assert (run.path / "checkpoints" / "best.keras").is_file()
    assert not (run.path / "backup" / "head").exists()  # the backup goes once the phase is recorded
    metrics = finish_run(run, {"mse": 0.5}, second["epochs"])
    assert json.loads((run.path / "metrics.json").read_text()) == metrics
    assert metrics["test"] == {"mse": 0.5} and metrics["epochs"] == 3


def test_finished_phase_is_skipped_with_its_weights(tmp_path):
    config = TrainConfig(run_dir=str(tmp_path / "run"), patience=0)
    run = start_run("demo", config)
    train, validation = tiny_data()
    trained = tiny_model()
    fit_phase(run, trained, train, validation, phase="head", epochs=2)
    fresh = tiny_model()
    result = fit_phase(run, fresh, train, validation, phase="head", epochs=2)
    assert result["epochs"] == 2
    for a, b in zip(trained.weights, fresh.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


class KilledAtTrainEnd(keras.callbacks.Callback):
    """Stands for a SIGKILL after the last epoch's backup, before the phase marker."""

    def on_train_end(self, logs=None):
        raise RuntimeError("killed")


def test_rerun_after_the_last_epochs_backup_reports_every_epoch(tmp_path):
    config = TrainConfig(run_dir=str(tmp_path / "run"), patience=0)
    run = start_run("demo", config)
    train, validation = tiny_data()
    with pytest.raises(RuntimeError, match="killed"):
        fit_phase(run, tiny_model(), train, validation, phase="head", epochs=2, callbacks=[KilledAtTrainEnd()])
    assert not (run.path / "backup" / "head.done.json").exists()
    result = fit_phase(run, tiny_model(), train, validation, phase="head", epochs=2)  # trains no epoch
    assert result["epochs"] == 2
    assert json.loads((run.path / "backup" / "head.done.json").read_text())["epochs"] == 2
    assert pd.read_csv(run.path / "history.csv")["epoch"].tolist() == [1, 2]


def test_resuming_with_other_options_is_refused(tmp_path):
    config = TrainConfig(run_dir=str(tmp_path / "run"))
    start_run("demo", config)
    start_run("demo", config)  # same options: fine
    with pytest.raises(UsageError, match=r"other options \(batch_size\)"):
        start_run("demo", dataclasses.replace(config, batch_size=8))


def test_previous_best_reads_the_history(tmp_path):
    config = TrainConfig(run_dir=str(tmp_path / "run"))
    run = start_run("demo", config)
    assert previous_best(run, "val_loss", "min", None) is None
    pd.DataFrame({"epoch": [1, 2], "val_loss": [0.5, 0.3], "val_acc": [0.7, 0.9]}).to_csv(run.path / "history.csv")
    assert previous_best(run, "val_loss", "min", None) == 0.3
    assert previous_best(run, "val_loss", "min", 0.1) == 0.1
    assert previous_best(run, "val_acc", "max", 0.8) == 0.9
