"""End-to-end runs of every GAN verb on a tiny budget (offline)."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from apps import gan
from apps.classifier import main as classifier_main
from apps.gan.train import main
from shared.cli import run
from tests.helpers import event_tags, write_png

TINY = ["--epochs", "2", "--width", "4", "--max-train-samples", "128", "--batch-size", "32",
        "--feature-epochs", "1", "--fid-samples", "64", "--latent-dim", "8"]


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("gan") / "run"
    return run_dir, main(["train", "--run-dir", str(run_dir), "--conditional", *TINY])


@pytest.fixture(scope="module")
def autoencoder_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("autoencoder") / "run"
    args = ["--model", "autoencoder", "--denoising", "0.1", "--learning-rate", "1e-3"]
    return run_dir, main(["train", "--run-dir", str(run_dir), *args, *TINY])


def test_app_constants():
    assert gan.METRIC == "fid" and gan.DEMO_ARGS and gan.DESCRIPTION


def test_dcgan_train_writes_the_run_folder(dcgan_run):
    run_dir, metrics = dcgan_run
    assert {"fid", "fid_real_baseline", "class_coverage", "kid"} <= set(metrics["test"])
    assert metrics["test"]["fid"] > 0 and metrics["test"]["fid_real_baseline"] >= 0
    assert 0.0 <= metrics["test"]["class_coverage"] <= 1.0 and metrics["epochs"] == 2
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    history = pd.read_csv(run_dir / "history.csv")
    assert {"d_loss", "g_loss", "fid", "kid", "class_coverage"} <= set(history.columns)
    assert (run_dir / "checkpoints" / "best.keras").is_file()
    assert (run_dir / "figures" / "samples.png").is_file() and (run_dir / "figures" / "interpolation.png").is_file()
    tags = event_tags(run_dir)
    assert tags["train"]["samples"] == "image" and tags["train"]["interpolation"] == "image"
    assert {"epoch_d_loss", "epoch_g_loss", "epoch_fid"} <= set(tags["train"])


def test_dcgan_resume_is_a_no_op_after_finishing(dcgan_run):
    run_dir, metrics = dcgan_run
    again = main(["train", "--run-dir", str(run_dir), "--conditional", *TINY])
    assert again["epochs"] == 2 and len(pd.read_csv(run_dir / "history.csv")) == 2


def test_sample_evaluate_export(dcgan_run, tmp_path):
    run_dir, _ = dcgan_run
    result = main(["sample", "--run", str(run_dir), "--n", "6", "--out", str(tmp_path / "grid.png"),
                   "--individual", str(tmp_path / "each"), "--label", "3"])
    assert result["count"] == 6 and len(list((tmp_path / "each").glob("*.png"))) == 6
    evaluated = main(["evaluate", "--run", str(run_dir), "--samples", "32"])
    assert {"fid", "fid_real_baseline", "class_coverage"} <= set(evaluated["test"])
    exported = main(["export", "--run", str(run_dir)])
    assert exported["max_abs_difference"] <= 1.0
    serve = tf.saved_model.load(str(run_dir / "saved_model")).signatures["serving_default"]
    images = serve(noise=tf.zeros((3, 8)), label=tf.constant([0, 1, 2]))["images"]
    assert images.dtype == tf.uint8 and images.shape == (3, 16, 16, 1)


def test_autoencoder_verbs_and_encoder_into_the_classifier(autoencoder_run, tmp_path):
    run_dir, metrics = autoencoder_run
    assert metrics["test"]["reconstruction_mse"] < 0.2 and "fid" in metrics["test"]
    assert "reconstructions" in event_tags(run_dir)["train"]
    write_png(tmp_path / "in" / "a.png", np.full((20, 20), 200, "uint8"))
    rebuilt = main(["reconstruct", "--run", str(run_dir), str(tmp_path / "in")])
    assert len(rebuilt["files"]) == 1 and 0 <= rebuilt["mse"] <= 1
    exported = main(["export", "--run", str(run_dir)])
    assert exported["encoder"]["max_abs_difference"] <= 1e-4
    encoder = tf.saved_model.load(str(run_dir / "saved_model" / "encoder")).signatures["serving_default"]
    assert encoder(image=tf.zeros((2, 16, 16, 1)))["code"].shape == (2, 8)
    preset = main(["export-encoder", "--run", str(run_dir), str(tmp_path / "preset")])
    classified = classifier_main([
        "train", "--preset", preset["path"], "--image-size", "16", "--channels", "1", "--epochs", "1",
        "--fine-tune-epochs", "1", "--max-train-samples", "64", "--run-dir", str(tmp_path / "cls")])
    assert 0.0 <= classified["test"]["accuracy"] <= 1.0


def test_wrong_model_for_a_verb_and_bad_data_exit_2(dcgan_run, tmp_path, capsys):
    run_dir, _ = dcgan_run
    assert run(main, ["reconstruct", "--run", str(run_dir), str(tmp_path)]) == 2
    assert run(main, ["export-encoder", "--run", str(run_dir), str(tmp_path / "p")]) == 2
    assert run(main, ["train", "--data", str(tmp_path / "missing"), "--run-dir", str(tmp_path / "r")]) == 2
    assert "no such file" in capsys.readouterr().err and not (tmp_path / "r").exists()
    assert run(main, ["sample", "--run", str(tmp_path)]) == 2


def test_help_from_the_command_line():
    result = subprocess.run([sys.executable, "-m", "apps.gan", "--help"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and "export-encoder" in result.stdout
