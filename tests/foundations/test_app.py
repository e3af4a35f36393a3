"""End-to-end runs of every foundations experiment on a tiny budget (offline)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

import apps.foundations as package
from apps.foundations import main
from apps.foundations.experiments import overfitting
from shared.cli import run
from shared.errors import DataError, UsageError
from tests.helpers import api_predict_in_subprocess, event_tags, model_file_predict_in_subprocess

ROOT = Path(__file__).resolve().parents[2]

# model_file_predict_in_subprocess (tests/helpers.py) passes its inputs as a NumPy object
# array (strings, bytes); this model's raw inputs are float points, so they go in as float32.
def read_metrics(run_dir):
    return json.loads((run_dir / "metrics.json").read_text())


def check_run_folder(run_dir, metrics, figures):
    assert read_metrics(run_dir) == metrics
    assert set(metrics) >= {"test", "seconds", "epochs"}
    assert json.loads((run_dir / "config.json").read_text())["app"] == "foundations"
    for name in figures:
        assert (run_dir / "figures" / f"{name}.png").stat().st_size > 1000
    assert set(event_tags(run_dir)["summary"]) >= set(figures)


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("mlp") / "run"
    metrics = main(["train", "--run-dir", str(run_dir), "--problem", "moons", "--samples", "300",
                    "--epochs", "3", "--activation", "relu"])
    return run_dir, metrics


def test_mlp_learns_xor_and_writes_the_run_folder(mlp_run):
    run_dir, metrics = mlp_run
    check_run_folder(run_dir, metrics, ["decision_boundary_xor", "decision_boundary_moons"])
    assert metrics["test"]["xor_accuracy"] == 1.0
    outputs = np.array(metrics["xor_outputs"])
    assert (outputs[[1, 2]] > 0.5).all() and (outputs[[0, 3]] < 0.5).all()
    assert package.METRIC in metrics["test"] and metrics["test"]["accuracy"] > 0.7
    history = pd.read_csv(run_dir / "moons" / "history.csv")
    assert history["epoch"].tolist() == [1, 2, 3]
    tags = event_tags(run_dir)
    assert {"epoch_loss", "epoch_accuracy"} <= set(tags["moons/train"]) & set(tags["xor/validation"])
    assert tags["moons/validation"]["decision_boundary"] == "image"
    assert (run_dir / "checkpoints" / "best.keras").is_file()


def test_evaluate_reproduces_the_test_accuracy(mlp_run):
    run_dir, metrics = mlp_run
    result = main(["evaluate", "--run", str(run_dir)])
    assert result["test"]["accuracy"] == pytest.approx(metrics["test"]["accuracy"])
    assert result["test"]["examples"] == 60  # 20% of 300 points
    assert json.loads((run_dir / "evaluation.json").read_text())["test"] == result["test"]


def test_predict_takes_raw_points_and_skips_bad_ones(mlp_run, capsys):
    run_dir, _ = mlp_run
    model = package.load(run_dir)
    expected = model.model.predict(np.array([[1.0, 0.5], [-1.0, -0.5]], "float32"), verbose=0)["probability"]
    rows = main(["predict", "--run", str(run_dir), "1,0.5", "-1 -0.5", "1,x", "--skip-bad"])["predictions"]
    assert [(row["x1"], row["x2"]) for row in rows] == [(1.0, 0.5), (-1.0, -0.5)]
    np.testing.assert_allclose([row["probability"] for row in rows], expected, atol=1e-6)
    assert [row["label"] for row in rows] == [int(p > 0.5) for p in expected]
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "x1,x2,probability,label" and len(printed) == 3
    assert pd.read_csv(run_dir / "predictions.csv").shape == (2, 4)
    assert model.predict([1.0, 0.5]) == rows[:1]  # a flat list of numbers is one point
    with pytest.raises(DataError, match="point '1,x': expected 2 finite numbers"):
        main(["predict", "--run", str(run_dir), "1,x"])


def test_model_keras_takes_raw_points_and_predicts_like_the_cli(mlp_run):
    run_dir, _ = mlp_run
    points = [[0.5, -0.2], [1.5, 1.0], [-1.2, 0.3], [0.0, 0.0]]
    rows = main(["predict", "--run", str(run_dir), "--", *(f"{a},{b}" for a, b in points)])["predictions"]
    outputs = model_file_predict_in_subprocess(run_dir, points)
    assert set(outputs) == {"probability", "label"}
    np.testing.assert_allclose(outputs["probability"], [row["probability"] for row in rows], atol=1e-6)
    assert outputs["label"] == [row["label"] for row in rows]
    best = tf.keras.models.load_model(run_dir / "checkpoints" / "best.keras")  # the network on the same points
    np.testing.assert_allclose(best.predict(np.array(points, "float32"), verbose=0)[:, 0],
                               outputs["probability"], atol=1e-6)


def test_a_run_without_model_keras_asks_to_be_retrained(mlp_run, tmp_path):
    run_dir, _ = mlp_run
    old = tmp_path / "old"
    (old / "checkpoints").mkdir(parents=True)
    for name in ("config.json", "metrics.json", "checkpoints/best.keras"):
        (old / name).write_bytes((run_dir / name).read_bytes())
    with pytest.raises(UsageError, match="train it again"):
        package.load(old)
    assert run(main, ["predict", "--run", str(old), "1,0.5"], prog="foundations") == 2


def test_a_csv_run_predicts_and_exports_without_its_data_file(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 2)) * [3.0, 0.5] + [10.0, -4.0]  # features far from standardised
    labels = (x[:, 0] - 10.0 > 0).astype(int)
    rows = [f"{a:.5f},{b:.5f},{label}" for (a, b), label in zip(x, labels, strict=True)]
    data = tmp_path / "points.csv"
    data.write_text("x1,x2,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    run_dir = tmp_path / "run"
    main(["train", "--data", str(data), "--run-dir", str(run_dir), "--epochs", "2", "--xor-epochs", "1",
          "--patience", "0"])
    data.unlink()  # model.keras and the run's examples/ are all that predict and export need
    examples = np.loadtxt(run_dir / "examples" / "test_points.csv", delimiter=",", skiprows=1)
    assert examples.shape == (16, 3)
    rows = main(["predict", "--run", str(run_dir), "--", "12,-4", "8,-4"])["predictions"]
    assert [set(row) for row in rows] == [{"x1", "x2", "probability", "label"}] * 2
    assert main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])["max_abs_difference"] <= 1e-4


def test_python_api_trains_loads_and_predicts_like_the_cli(tmp_path):
    run = package.train(run_dir=str(tmp_path / "run"), problem="moons", samples=200, epochs=2,
                        xor_epochs=1, patience=0)
    assert run.metrics == read_metrics(run.path) and run.metrics["experiment"] == "mlp"
    inputs = ["0.5,-0.2", "1.5,1", "-1.2,0.3"]
    cli = main(["predict", "--run", str(run.path), "--", *inputs])  # `--`: a point may start with a minus
    assert api_predict_in_subprocess("foundations", run.path, inputs) == cli["predictions"]
    exported = package.export(run.path, tmp_path / "saved")
    assert exported["max_abs_difference"] <= 1e-4
    serve = tf.saved_model.load(str(tmp_path / "saved")).signatures["serving_default"]
    served = serve(points=tf.constant([[0.5, -0.2], [1.5, 1.0], [-1.2, 0.3]]))
    np.testing.assert_allclose(served["probability"].numpy(), [r["probability"] for r in cli["predictions"]],
                               atol=1e-5)
    assert served["label"].numpy().tolist() == [r["label"] for r in cli["predictions"]]


def test_python_api_runs_each_experiment_verb(tmp_path):
    run = package.perceptron(run_dir=str(tmp_path / "run"), epochs=20, mode="online")
    assert run.metrics == read_metrics(run.path) and run.metrics["experiment"] == "perceptron"
    assert run.metrics["test"]["and_online_converged"] == 1.0
    saved = json.loads((run.path / "config.json").read_text())
    assert saved["command"] == ["perceptron", "--set=run_dir=" + str(tmp_path / "run"), "--set=epochs=20",
                                "--set=mode=online"]
    assert not (run.path / "checkpoints").exists()  # no Keras model: the folder holds what it held
    with pytest.raises(UsageError, match="a perceptron run; evaluate, predict and export take an mlp run"):
        package.load(run.path)


def test_python_api_raises_usage_errors_not_system_exit():
    with pytest.raises(UsageError, match="activation"):
        package.train(activation="softsign")
    with pytest.raises(UsageError, match="unknown option"):
        package.train(nope=1)
    with pytest.raises(UsageError, match="depth must be > 0"):
        package.vanishing(depth=0)


def test_mlp_demo_arguments_parse():
    from apps.foundations.app import APP
    from apps.foundations.config import MLPConfig
    from shared.cli import build_parser, resolve_config

    namespace = build_parser("prog", "", APP.verbs()).parse_args(["train", *package.DEMO_ARGS])
    assert isinstance(resolve_config(MLPConfig, namespace), MLPConfig)


def test_perceptron_learns_and_or_but_not_xor(tmp_path):
    metrics = main(["perceptron", "--run-dir", str(tmp_path / "run"), "--epochs", "50"])
    check_run_folder(tmp_path / "run", metrics, ["perceptron_online", "perceptron_batch"])
    test = metrics["test"]
    for mode in ("online", "batch"):
        assert test[f"and_{mode}_converged"] == test[f"or_{mode}_converged"] == 1.0
        assert test[f"xor_{mode}_converged"] == 0.0 and test[f"xor_{mode}_epochs"] == 50
        assert test[f"xor_{mode}_misclassified"] >= 1
        assert test[f"separable_{mode}_converged"] == 1.0 and test[f"separable_{mode}_updates"] >= 1
        assert test[f"separable_{mode}_test_accuracy"] > 0.95
    assert test["and_online_updates"] == 10  # the hand-computed sequence
    assert metrics["problems"]["xor"]["online"]["misclassified_points"]
    assert event_tags(tmp_path / "run")["xor-online"] == {"misclassified": "scalar"}


def test_perceptron_reads_a_csv_with_three_features(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    labels = (x @ [1.0, -2.0, 0.5] > 0).astype(int)
    rows = [",".join(f"{v:.4f}" for v in row) + f",{label}" for row, label in zip(x, labels, strict=True)]
    (tmp_path / "points.csv").write_text("a,b,c,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    metrics = main(["perceptron", "--data", str(tmp_path / "points.csv"), "--run-dir", str(tmp_path / "run"),
                    "--mode", "online"])
    assert metrics["test"]["separable_online_converged"] == 1.0
    assert "separable_batch_converged" not in metrics["test"]
    assert len(metrics["problems"]["separable"]["online"]["weights"]) == 3


def test_sigmoid_gradients_vanish_towards_the_input_but_relu_ones_do_not(tmp_path):
    metrics = main(["vanishing", "--run-dir", str(tmp_path / "run"), "--epochs", "1", "--samples", "200",
                    "--gradient-batches", "2"])
    check_run_folder(tmp_path / "run", metrics, ["gradient_norms", "activation_variance"])
    test = metrics["test"]
    assert test["sigmoid_gradient_ratio"] < 1e-4  # layer 1 vs layer 20
    assert test["relu_gradient_ratio"] > 1e-2
    norms = np.array(metrics["gradient_norms"]["sigmoid"])
    assert len(norms) == 20 and norms[0] < norms[9] < norms[-1]
    assert 0.1 < test["variance_ratio_he_relu"] < 10  # I * Var(w) = 2 / I * I / 2 = 1 for ReLU
    assert test["variance_ratio_glorot_relu"] < 1e-3 and test["variance_ratio_normal_tanh"] < 1e-10
    tags = event_tags(tmp_path / "run")
    assert tags["sigmoid/gradients"]["gradients/hidden_1"] == "other"  # a histogram
    assert tags["relu/gradients"]["gradient_norm/hidden_20"] == "scalar"


def test_mle_recovers_the_known_parameters(tmp_path):
    metrics = main(["mle", "--run-dir", str(tmp_path / "run"), "--samples", "2000"])
    check_run_folder(tmp_path / "run", metrics, ["parameters"])
    assert not (tmp_path / "run" / "checkpoints").exists()  # the units are in their sub-runs
    test = metrics["test"]
    assert test["regression_recovered"] == test["classification_recovered"] == 1.0
    assert test["regression_max_abs_error"] < 0.1 and test["classification_max_abs_error"] < 0.25
    assert test["regression_sigma"] == pytest.approx(0.5, abs=0.05)
    fitted = metrics["parameters"]["regression"]["fitted"]
    np.testing.assert_allclose([*fitted["weights"], fitted["bias"]], [2.0, -3.0, 0.5, 1.0], atol=0.1)
    np.testing.assert_allclose(metrics["parameters"]["regression"]["least_squares"],
                               [*fitted["weights"], fitted["bias"]], atol=0.05)


def test_overfitting_writes_one_curve_per_remedy_and_a_table(tmp_path):
    metrics = main(["overfitting", "--run-dir", str(tmp_path / "run"), "--epochs", "4", "--repeats", "10",
                    "--units", "32"])
    check_run_folder(tmp_path / "run", metrics, ["fits"])
    variants = ("plain", "early_stopping", "l2", "l1", "dropout")
    assert all(np.isfinite(metrics["test"][f"{name}_test_mse"]) for name in variants)
    assert metrics["test"]["l2"] == 1e-2 and metrics["cross_validation"] is None
    assert metrics["table"].count("\n") == len(variants) + 1
    assert (tmp_path / "run" / "figures" / "heldout_error.md").read_text().startswith("| network |")
    tags = event_tags(tmp_path / "run")
    for name in variants:
        assert "epoch_mse" in tags[f"{name}/train"] and "epoch_mse" in tags[f"{name}/validation"]


def test_folds_choose_the_l2_strength_by_cross_validation(tmp_path, monkeypatch):
    from apps.foundations.config import OverfittingConfig
    from shared.training import start_run

    monkeypatch.setattr(overfitting, "L2_GRID", (1e-4, 10.0))
    config = OverfittingConfig(run_dir=str(tmp_path / "run"), folds=2, epochs=3, repeats=10, units=16)
    run = start_run("foundations", config)
    best, scores = overfitting.cross_validate_l2(run, overfitting.load_data(config))
    assert set(scores) == {"0.0001", "10"} and all(np.isfinite(list(scores.values())))
    assert f"{best:g}" == min(scores, key=scores.get)
    assert (tmp_path / "run" / "figures" / "cross_validation.png").is_file()
    assert "cv_mse_by_log10_l2" in event_tags(tmp_path / "run")["cross_validation"]


def test_bad_csv_exits_2_and_leaves_no_run_folder(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,0\n3,oops,1\n", encoding="utf-8")
    code = run(main, ["mlp", "--data", str(bad), "--run-dir", str(tmp_path / "run")], prog="foundations")
    assert code == 2 and f"{bad}:2: not a number" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_bad_option_value_exits_2(capsys):
    assert run(main, ["mlp", "--activation", "softsign"], prog="foundations") == 2
    assert run(main, ["vanishing", "--depth", "0"], prog="foundations") == 2
    assert run(main, ["mle", "--data", "points.csv"], prog="foundations") == 2
    err = capsys.readouterr().err
    assert "depth must be > 0, got 0" in err and "generates its own data" in err
