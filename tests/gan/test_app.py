"""End-to-end runs of every GAN verb on a tiny budget (offline)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from PIL import Image

from apps import gan
from apps.classifier import main as classifier_main
from apps.gan import main
from shared.cli import run
from shared.errors import UsageError
from tests.helpers import (
    api_predict_in_subprocess,
    event_tags,
    model_file_predict_in_subprocess,
    write_png,
)

TINY = ["--epochs", "2", "--width", "4", "--max-train-samples", "128", "--batch-size", "32",
        "--feature-epochs", "1", "--fid-samples", "64", "--latent-dim", "8"]


def seeds_predict_in_subprocess(run_dir, seeds, labels=None):
    """A DCGAN's `RUN/model.keras` on integer seeds (and labels) in a fresh interpreter after
    `import apps` only (safe mode); its outputs as lists (the shared helper passes strings or bytes)."""
    code = ("import json, sys\n"
            "import numpy as np\n"
            "import apps, keras\n"
            "args = json.loads(sys.argv[1])\n"
            "model = keras.saving.load_model(args['model'], safe_mode=True)\n"
            "seeds = np.array(args['seeds'], 'int64')\n"
            "inputs = seeds if args['labels'] is None else {'seed': seeds, 'label': np.array(args['labels'], 'int32')}\n"
            "out = model.predict(inputs, verbose=0)\n"
            "print(json.dumps({k: [v.decode() if isinstance(v, bytes) else v for v in np.asarray(a).tolist()]\n"
            "                  for k, a in out.items()}))\n")
    payload = json.dumps({"model": str(run_dir / "model.keras"), "seeds": seeds, "labels": labels})
    done = subprocess.run([sys.executable, "-c", code, payload], capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def png_pixels(path):
    image = np.asarray(Image.open(path))
    return image[..., None] if image.ndim == 2 else image


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
    assert {"fid", "fid_real_baseline", "class_coverage", "kid", "fid_ratio"} <= set(metrics["test"])
    assert metrics["test"]["fid_ratio"] == pytest.approx(metrics["test"]["fid"] / metrics["test"]["fid_real_baseline"])
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
                   "--individual", str(tmp_path / "each"), "--label", "3", "--seed", "2"])
    assert result["count"] == 6 and len(list((tmp_path / "each").glob("*.png"))) == 6
    main(["predict", "--run", str(run_dir), "6", "--label", "3", "--out", str(tmp_path / "p")])
    sampled, predicted = (png_pixels(path).astype("int16") for path in (
        tmp_path / "each" / "sample-0004.png", tmp_path / "p" / "seed-6-class-3.png"))
    assert np.abs(sampled - predicted).max() <= 1  # sample --seed 2, image 4 = predict seed 6
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
    predicted = main(["predict", "--run", str(run_dir), str(tmp_path / "in"), "--out", str(tmp_path / "p")])
    row = predicted["predictions"][0]
    assert row["file"] == str(tmp_path / "in" / "a.png") and row["mse"] == round(rebuilt["mse"], 6)
    assert (tmp_path / "p" / "a.png").is_file()
    png = (tmp_path / "in" / "a.png").read_bytes()
    raw = model_file_predict_in_subprocess(run_dir, [png, png])  # encoded image bytes -> reconstructions
    np.testing.assert_allclose(raw["mse"], [row["mse"]] * 2, atol=1e-6)
    assert np.asarray(raw["images"])[0].tolist() == png_pixels(tmp_path / "p" / "a.png").tolist()
    assert len(raw["code"][0]) == 8 and raw["code_distance"][0] > 0
    exported = main(["export", "--run", str(run_dir)])
    assert exported["encoder"]["max_abs_difference"] <= 1e-4
    assert exported["decoder"]["max_abs_difference"] <= 1.0
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
                            timeout=600)
    assert result.returncode == 0
    verbs = ("train", "evaluate", "predict", "sample", "reconstruct", "export", "export-encoder")
    assert all(verb in result.stdout for verb in verbs)


def test_train_resolves_the_data_decided_options_into_config_json(dcgan_run):
    run_dir, _ = dcgan_run
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["config"]["image_size"] == 16 and saved["config"]["channels"] == 1
    assert saved["resolved"]["image_size"]["reason"] == "the default for digits data"
    assert "epochs" not in saved["resolved"]  # given on the command line


def test_cli_predict_writes_one_png_per_seed_and_cycles_the_classes(dcgan_run, tmp_path, capsys):
    run_dir, _ = dcgan_run
    result = main(["predict", "--run", str(run_dir), "4", "4", "7", "--out", str(tmp_path / "p")])
    rows = result["predictions"]
    assert [(row["seed"], row["label"]) for row in rows] == [(4, 0), (4, 1), (7, 2)]
    assert rows[0]["file"] == str(tmp_path / "p" / "seed-4-class-0.png")
    assert all((tmp_path / "p" / name).is_file() for name in ("seed-4-class-1.png", "predictions.csv"))
    assert pd.read_csv(tmp_path / "p" / "predictions.csv")["seed"].tolist() == [4, 4, 7]
    assert "seed,label,file" in capsys.readouterr().out
    again = main(["predict", "--run", str(run_dir), "4", "--label", "1", "--out", str(tmp_path / "q")])
    assert again["predictions"][0]["label"] == 1
    first, second = (np.asarray(Image.open(tmp_path / folder / "seed-4-class-1.png"), "int16") for folder in "pq")
    assert np.abs(first - second).max() <= 1  # the same noise and class: the same image
    assert run(main, ["predict", "--run", str(run_dir), "digit.png"]) == 2
    assert run(main, ["predict", "--run", str(run_dir), "1", "--label", "10"]) == 2


def test_model_keras_generates_predict_s_images_from_seeds_and_labels(dcgan_run, tmp_path):
    run_dir, _ = dcgan_run
    rows = main(["predict", "--run", str(run_dir), "4", "9", "4", "--out", str(tmp_path / "p")])["predictions"]
    raw = seeds_predict_in_subprocess(run_dir, [4, 9, 4], [row["label"] for row in rows])
    assert raw["class_name"] == ["0", "1", "2"]  # the digits' class names, inside the model
    for row, image in zip(rows, raw["images"]):
        assert np.asarray(image).tolist() == png_pixels(row["file"]).tolist()


def test_a_run_needs_only_model_keras_and_an_old_run_asks_to_be_retrained(dcgan_run, tmp_path):
    run_dir, _ = dcgan_run
    for name in ("config.json", "metrics.json"):  # no data.json, no checkpoints: not read back
        (tmp_path / "lean" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "lean" / name).write_bytes((run_dir / name).read_bytes())
    (tmp_path / "lean" / "model.keras").write_bytes((run_dir / "model.keras").read_bytes())
    rows = gan.load(tmp_path / "lean").predict(["5"], out=tmp_path / "lean-p")
    assert rows[0]["seed"] == 5 and (tmp_path / "lean-p" / "seed-5-class-0.png").is_file()
    old = tmp_path / "old"
    (old / "checkpoints").mkdir(parents=True)
    for name in ("config.json", "metrics.json", "data.json", "checkpoints/best.keras"):
        (old / name).write_bytes((run_dir / name).read_bytes())
    with pytest.raises(UsageError, match="train it again"):
        gan.load(old)


def test_python_api_trains_loads_and_predicts_like_the_cli(tmp_path):
    run = gan.train(epochs=1, width=4, max_train_samples=64, batch_size=32, feature_epochs=1,
                    fid_samples=32, latent_dim=8, run_dir=str(tmp_path / "run"))
    assert run.path == tmp_path / "run" and run.metrics["epochs"] == 1 and run.metrics["test"]["fid"] >= 0
    assert json.loads((run.path / "metrics.json").read_text()) == run.metrics
    inputs = ["0", "3", "11"]
    cli = main(["predict", "--run", str(run.path), *inputs])
    png = (run.path / "predictions" / "seed-3.png").read_bytes()
    assert [row["seed"] for row in cli["predictions"]] == [0, 3, 11]
    assert api_predict_in_subprocess("gan", run.path, inputs) == cli["predictions"]
    assert (run.path / "predictions" / "seed-3.png").read_bytes() == png  # rewritten, identical
    raw = seeds_predict_in_subprocess(run.path, [0, 3, 11])
    assert [np.asarray(image).tolist() for image in raw["images"]] == [
        png_pixels(row["file"]).tolist() for row in cli["predictions"]]
    exported = gan.export(run.path, tmp_path / "sm")
    assert exported["max_abs_difference"] <= 1.0
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    assert serve(noise=tf.zeros((2, 8)))["images"].shape == (2, 16, 16, 1)


def test_python_api_raises_usage_errors_not_system_exit(tmp_path):
    with pytest.raises(UsageError, match="model"):
        gan.train(model="vae")
    with pytest.raises(UsageError, match="unknown option"):
        gan.train(colour="red")
    with pytest.raises(UsageError, match="no such file"):
        gan.train(data=str(tmp_path / "missing"), run_dir=str(tmp_path / "r"))
    assert not (tmp_path / "r").exists()
