"""The memory app end to end on a tiny budget: train, evaluate, predict, export, explain, resume, API."""

import json

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

import apps  # noqa: F401 - registers every layer model.keras files hold
import apps.memory as package
from apps.memory import main
from shared import training
from tests.helpers import event_tags

pytestmark = pytest.mark.slow  # end-to-end NTM runs: make test-all

TINY = ["--epochs", "2", "--steps-per-epoch", "3", "--batch-size", "4", "--max-length", "3", "--units", "8",
        "--memory-size", "8", "--memory-width", "4", "--test-sequences", "4", "--validation-sequences", "8",
        "--eval-lengths", "2,5"]


@pytest.fixture(scope="module")
def ntm_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("memory") / "run"
    return run_dir, main(["train", "--run-dir", str(run_dir), *TINY])


def test_train_writes_the_run_folder_with_metrics_per_length(ntm_run):
    run_dir, metrics = ntm_run
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    test = metrics["test"]
    assert {"bit_errors_L2", "exact_L2", "bit_errors_L5", "exact_L5", "bit_errors_train", "bit_errors_longer",
            package.METRIC} <= set(test)
    assert 0.0 <= test["exact_L2"] <= 1.0 and test["bit_errors_L5"] >= 0.0
    assert metrics["epochs"] == 2 and metrics["test_sequences_per_length"] == {"2": 4, "5": 4}
    history = pd.read_csv(run_dir / "history.csv")
    assert {"val_bit_errors", "val_exact", "bit_errors_per_step"} <= set(history.columns)
    tags = event_tags(run_dir)
    assert tags["validation"]["sequence"] == "image"
    assert {"epoch_loss", "epoch_bit_errors", "epoch_exact", "epoch_bit_errors_per_step"} <= set(tags["validation"])
    resolved = json.loads((run_dir / "config.json").read_text())["resolved"]
    assert "epochs" not in resolved  # given on the command line


def test_model_keras_takes_raw_sequences_and_returns_the_weightings(ntm_run):
    run_dir, _ = ntm_run
    model = keras.saving.load_model(run_dir / "model.keras", safe_mode=True)
    outputs = model.predict(np.zeros((2, 7, 10), "float32"), verbose=0)
    assert outputs["probabilities"].shape == (2, 7, 8) and outputs["bits"].dtype == np.int32
    assert outputs["read_weights"].shape == outputs["write_weights"].shape == (2, 7, 1, 8)
    np.testing.assert_allclose(outputs["read_weights"].sum(axis=-1), 1.0, atol=1e-5)


def test_evaluate_reproduces_the_test_metrics(ntm_run):
    run_dir, metrics = ntm_run
    result = main(["evaluate", "--run", str(run_dir)])
    for name, value in metrics["test"].items():
        assert result["test"][name] == pytest.approx(value, abs=1e-6), name


def test_predict_generated_and_file_sequences(ntm_run, tmp_path):
    run_dir, _ = ntm_run
    result = main(["predict", "--run", str(run_dir), "--length", "4", "--count", "2"])
    rows = result["predictions"]
    assert len(rows) == 2 and rows[0]["length"] == 4 and len(rows[0]["output"].split()) == 4
    path = tmp_path / "seq.csv"
    path.write_text("sequence,input,target\na,1010101000,\na,0000000010,\na,0000000000,10101010\n")
    rows = main(["predict", "--run", str(run_dir), str(path)])["predictions"]
    assert rows[0]["length"] == 1 and 0 <= rows[0]["bit_errors"] <= 8


def test_export_serves_sequences_and_matches_the_keras_model(ntm_run, tmp_path):
    run_dir, _ = ntm_run
    result = main(["export", "--run", str(run_dir), "--out", str(tmp_path / "saved")])
    assert result["max_abs_difference"] <= 1e-4
    serve = tf.saved_model.load(str(tmp_path / "saved")).signatures["serving_default"]
    outputs = serve(sequence=tf.zeros((1, 5, 10)))
    assert {"probabilities", "bits", "read_weights", "write_weights"} <= set(outputs)


def test_explain_writes_the_heatmap_png(ntm_run):
    run_dir, _ = ntm_run
    result = main(["explain", "--run", str(run_dir), "--length", "4"])
    assert result["length"] == 4
    with open(result["path"], "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_rerunning_a_finished_run_keeps_its_metrics(ntm_run):
    run_dir, metrics = ntm_run
    assert main(["train", "--run-dir", str(run_dir), *TINY]) == metrics


class Interrupt(Exception):
    """Stands in for a kill after the first epoch."""


def test_an_interrupted_run_resumes_from_its_backup(tmp_path, monkeypatch):
    standard = training.standard_callbacks

    class Stop(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise Interrupt()

    monkeypatch.setattr(training, "standard_callbacks", lambda *a, **k: [*standard(*a, **k), Stop()])
    argv = ["train", "--run-dir", str(tmp_path / "r"), *TINY[2:], "--epochs", "3"]
    with pytest.raises(Interrupt):
        main(argv)
    assert pd.read_csv(tmp_path / "r" / "history.csv")["epoch"].tolist() == [1]
    monkeypatch.setattr(training, "standard_callbacks", standard)
    metrics = main(argv)
    assert pd.read_csv(tmp_path / "r" / "history.csv")["epoch"].tolist() == [1, 2, 3] and metrics["epochs"] == 3
    assert "(resuming)" in (tmp_path / "r" / "train.log").read_text()


def test_the_lstm_baseline_has_about_the_ntm_parameter_count(tmp_path):
    metrics = main(["train", "--run-dir", str(tmp_path / "lstm"), *TINY, "--model", "lstm"])
    resolved = json.loads((tmp_path / "lstm" / "config.json").read_text())["resolved"]
    target = int(resolved["lstm_units"]["reason"].split("NTM's ")[1].split()[0])
    assert abs(metrics["parameters"] - target) <= 0.1 * target
    model = keras.saving.load_model(tmp_path / "lstm" / "model.keras", safe_mode=True)
    assert set(model.predict(np.zeros((1, 3, 10), "float32"), verbose=0)) == {"probabilities", "bits"}


def test_the_python_api_trains_loads_and_predicts(tmp_path):
    run = package.train(run_dir=str(tmp_path / "api"), task="associative-recall", epochs=1, steps_per_epoch=2,
                        batch_size=4, max_length=3, units=8, memory_size=16, memory_width=4, test_sequences=4,
                        validation_sequences=4, eval_lengths="3,4", controller="dense")
    assert {"bit_errors_L3", "bit_errors_L4"} <= set(run.metrics["test"])
    rows = package.load(run.path).predict([], length=3)
    assert rows[0]["length"] == 3 and len(rows[0]["output"].split()) == 3  # one item of 3 vectors
