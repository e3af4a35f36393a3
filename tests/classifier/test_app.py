"""End-to-end runs of every classifier verb on a tiny budget (offline)."""

import json
import subprocess
import sys

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

import apps.classifier as classifier
from apps.classifier import main
from apps.classifier.data import load_data
from shared import training
from shared.backbones import build_backbone
from shared.cli import run
from shared.data import read_image
from shared.errors import UsageError
from shared.images import encode_png
from tests.helpers import (
    api_predict_in_subprocess,
    event_tags,
    jpeg_bytes,
    model_file_predict_in_subprocess,
    write_class_folder,
    write_png,
)

TINY = ["--epochs", "2", "--width", "4", "--max-train-samples", "240", "--patience", "0", "--batch-size", "32"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("classifier") / "run"
    metrics = main(["train", "--run-dir", str(run_dir), *TINY])
    return run_dir, metrics


def test_train_writes_the_run_folder(trained):
    run_dir, metrics = trained
    assert set(metrics) >= {"test", "seconds", "epochs"} and metrics["epochs"] == 2
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    config = json.loads((run_dir / "config.json").read_text())
    assert config["config"]["width"] == 4 and config["command"][0] == "train"
    assert {"tensorflow", "keras", "keras_hub"} <= set(config["versions"])
    history = pd.read_csv(run_dir / "history.csv")
    assert history["epoch"].tolist() == [1, 2]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"} <= set(history.columns)
    assert history["learning_rate"].iloc[1] < history["learning_rate"].iloc[0]  # cosine decay
    assert (run_dir / "checkpoints" / "best.keras").is_file()


def test_tensorboard_events_have_scalars_and_images(trained):
    tags = event_tags(trained[0])
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"} <= set(tags["train"])
    assert {"epoch_loss", "epoch_accuracy"} <= set(tags["validation"])
    assert tags["validation"]["confusion_matrix"] == "image"
    assert tags["validation"]["predictions"] == "image"
    assert tags["train"]["keras"] == "graph"  # the conceptual graph of the Keras model


def test_evaluate_reproduces_the_test_accuracy(trained):
    run_dir, metrics = trained
    result = main(["evaluate", "--run", str(run_dir)])
    assert result["test"]["accuracy"] == pytest.approx(metrics["test"]["accuracy"])
    assert result["test"]["examples"] == 360
    assert (run_dir / "evaluation.json").is_file()


def test_predict_writes_csv_matching_the_model(trained, tmp_path, capsys):
    run_dir, _ = trained
    data = load_data(classifier.load(run_dir).config)
    files = [write_png(tmp_path / f"digit-{i}.png", np.round(data.x_test[i][..., 0])) for i in range(4)]
    result = main(["predict", "--run", str(run_dir), str(tmp_path), "--out", str(tmp_path / "p.csv")])
    frame = pd.read_csv(tmp_path / "p.csv", dtype={"label": str})
    assert frame["file"].tolist() == [str(f) for f in files]
    expected = keras.saving.load_model(run_dir / "checkpoints" / "best.keras").predict(
        np.round(data.x_test[:4]), verbose=0)
    assert frame["label"].tolist() == [str(i) for i in expected.argmax(1)]
    np.testing.assert_allclose(frame["probability"], expected.max(1), atol=1e-5)
    assert "file,label,probability" in capsys.readouterr().out
    assert len(result["predictions"]) == 4


def test_python_api_trains_loads_and_predicts_like_the_cli(tmp_path):
    images = write_class_folder(tmp_path / "shapes", per_class=10)
    run = classifier.train(data=str(images), epochs=1, width=4, image_size=16, patience=0,
                           run_dir=str(tmp_path / "run"))
    assert run.path == tmp_path / "run" and 0.0 <= run.metrics["test"]["accuracy"] <= 1.0
    inputs = [str(images / "square"), str(images / "disk" / "disk-00.png")]
    cli = main(["predict", "--run", str(run.path), *inputs, "--out", str(tmp_path / "p.csv")])
    assert api_predict_in_subprocess("classifier", run.path, inputs) == cli["predictions"]
    files = sorted((images / "square").iterdir()) + [images / "disk" / "disk-00.png"]
    pngs = [f for f in files if f.suffix == ".png"]
    raw = model_file_predict_in_subprocess(run.path, [encode_png(read_image(f, 3)) for f in pngs])
    by_file = {row["file"]: row for row in cli["predictions"]}
    assert raw["label"] == [by_file[str(f)]["label"] for f in pngs]
    np.testing.assert_allclose(raw["probability"], [by_file[str(f)]["probability"] for f in pngs], atol=1e-5)
    assert classifier.export(run.path, tmp_path / "sm")["max_abs_difference"] <= 1e-4


def test_a_run_without_model_keras_asks_to_be_retrained(trained, tmp_path):
    run_dir, _ = trained
    old = tmp_path / "old"
    (old / "checkpoints").mkdir(parents=True)
    for name in ("config.json", "metrics.json", "labels.json"):
        (old / name).write_bytes((run_dir / name).read_bytes())
    (old / "checkpoints" / "best.keras").write_bytes((run_dir / "checkpoints" / "best.keras").read_bytes())
    with pytest.raises(UsageError, match="train it again"):
        classifier.load(old)


def test_python_api_raises_usage_errors_not_system_exit():
    with pytest.raises(UsageError, match="backbone"):
        classifier.train(backbone="nope")
    with pytest.raises(UsageError, match="unknown option"):
        classifier.train(colour="red")


def test_export_serves_image_bytes_with_parity(trained, tmp_path):
    run_dir, _ = trained
    result = main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])
    assert result["max_abs_difference"] <= 1e-4
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    data = load_data(classifier.load(run_dir).config)
    images = np.round(data.x_test[4:7])
    payload = [encode_png(image) for image in images] + [jpeg_bytes(images[0][..., 0])]
    outputs = serve(image_bytes=tf.constant(payload))
    assert outputs["probabilities"].shape == (4, 10)
    expected = keras.saving.load_model(run_dir / "checkpoints" / "best.keras").predict(images, verbose=0)
    np.testing.assert_allclose(outputs["probabilities"].numpy()[:3], expected, atol=1e-4)
    assert [label.decode() for label in outputs["label"].numpy()[:3]] == [str(i) for i in expected.argmax(1)]


def test_explain_writes_overlays_and_tensorboard_images(trained):
    run_dir, _ = trained
    for method in ("cam", "gradcam"):
        result = main(["explain", "--run", str(run_dir), "--method", method, "--count", "3"])
        assert len(result["files"]) == 3
        assert all((run_dir / "figures" / method).joinpath(f"test-{i:03d}.png").is_file() for i in range(3))
    assert event_tags(run_dir)["explain"] == {"cam": "image", "gradcam": "image"}


def test_cam_highlights_the_pixels_that_decide():
    from apps.classifier.explain import class_activation_maps

    # A hand-built model whose only evidence is the top-left quadrant.
    inputs = keras.Input((8, 8, 1))
    features = keras.layers.Conv2D(1, 1, use_bias=False, name="conv", kernel_initializer="ones")(inputs)
    backbone = keras.Model(inputs, features, name="backbone")
    images = keras.Input((8, 8, 1))
    x = keras.layers.GlobalAveragePooling2D(name="pool")(backbone(images))
    x = keras.layers.Dropout(0.0, name="dropout")(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="classes")(x)
    model = keras.Model(images, outputs)
    model.get_layer("classes").set_weights([np.array([[1.0, -1.0]]), np.zeros(2)])
    image = np.zeros((1, 8, 8, 1), "float32")
    image[0, :4, :4] = 1.0
    for method in ("cam", "gradcam"):
        maps, predicted = class_activation_maps(model, image, method)
        assert predicted.tolist() == [0]
        assert maps[0, :3, :3].min() > 0.9 and maps[0, 5:, 5:].max() < 0.1


def test_k_fold_reports_mean_and_std(tmp_path):
    metrics = main(["train", "--run-dir", str(tmp_path / "cv"), "--folds", "3", *TINY, "--backbone", "lenet5"])
    assert len(metrics["folds"]["held_out_accuracy"]) == 3
    assert metrics["test"]["cv_accuracy_mean"] == pytest.approx(np.mean(metrics["folds"]["held_out_accuracy"]))
    assert metrics["test"]["cv_accuracy_std"] == pytest.approx(np.std(metrics["folds"]["held_out_accuracy"]))
    assert all((tmp_path / "cv" / f"fold-{k}" / "checkpoints" / "best.keras").is_file() for k in (1, 2, 3))


def test_weights_path_is_loaded_into_the_backbone(tmp_path):
    source, _ = build_backbone("resnet", (16, 16, 1), width=4)
    source.save_weights(tmp_path / "b.weights.h5")
    main(["train", "--run-dir", str(tmp_path / "w"), "--weights", str(tmp_path / "b.weights.h5"), "--epochs", "1",
          "--fine-tune-epochs", "0", "--width", "4", "--max-train-samples", "100", "--channels", "1"])
    model = keras.saving.load_model(tmp_path / "w" / "checkpoints" / "best.keras")
    for expected, got in zip(source.weights, model.get_layer("backbone").weights):
        np.testing.assert_array_equal(expected.numpy(), got.numpy())  # frozen: still the loaded values


def test_saved_backbone_fine_tunes_on_another_data_set(tmp_path):
    main(["train", "--run-dir", str(tmp_path / "a"), *TINY, "--backbone", "lenet5",
          "--save-backbone", str(tmp_path / "preset")])
    assert (tmp_path / "preset" / "config.json").is_file()
    saved = keras.saving.load_model(tmp_path / "a" / "checkpoints" / "best.keras").get_layer("backbone")
    shapes = write_class_folder(tmp_path / "shapes", per_class=12, size=16)
    metrics = main(["train", "--run-dir", str(tmp_path / "b"), "--data", str(shapes), "--preset", str(tmp_path / "preset"),
                    "--epochs", "1", "--fine-tune-epochs", "1",  # size and channels from the preset
                    "--unfreeze-blocks", "2"])
    history = pd.read_csv(tmp_path / "b" / "history.csv")
    assert history["phase"].tolist() == ["head", "fine_tune"] and history["epoch"].tolist() == [1, 2]
    assert history["learning_rate"].iloc[1] < history["learning_rate"].iloc[0] / 5  # 10x lower
    tuned = keras.saving.load_model(tmp_path / "b" / "checkpoints" / "best.keras").get_layer("backbone")
    assert len(tuned.weights) == len(saved.weights) and metrics["epochs"] == 2


class Interrupt(Exception):
    """Stands in for a kill after the first epoch."""


def test_interrupted_run_resumes_from_its_backup(tmp_path, monkeypatch):
    standard = training.standard_callbacks

    class Stop(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise Interrupt()

    def with_interrupt(*args, **kwargs):
        return [*standard(*args, **kwargs), Stop()]

    argv = ["train", "--run-dir", str(tmp_path / "r"), *TINY[2:], "--epochs", "3", "--backbone", "lenet5"]
    monkeypatch.setattr(training, "standard_callbacks", with_interrupt)
    with pytest.raises(Interrupt):
        main(argv)
    assert pd.read_csv(tmp_path / "r" / "history.csv")["epoch"].tolist() == [1]
    monkeypatch.setattr(training, "standard_callbacks", standard)
    metrics = main(argv)
    history = pd.read_csv(tmp_path / "r" / "history.csv")
    assert history["epoch"].tolist() == [1, 2, 3] and metrics["epochs"] == 3
    log = (tmp_path / "r" / "train.log").read_text()
    assert "(resuming)" in log


@pytest.mark.parametrize("argv,fragment", [
    (["train", "--backbone", "nope"], "invalid choice: 'nope'"),
    (["train", "--epochs", "-2"], "epochs must be >= 0, got -2"),
    (["train", "--data", "/nonexistent/folder"], "no such file or folder"),
    (["evaluate", "--run", "/nonexistent/run"], "not a run folder"),
])
def test_bad_command_lines_exit_2_with_one_line(argv, fragment, capsys):
    assert run(main, argv, prog="python -m apps.classifier") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err


def test_command_line_process_exit_code(tmp_path):
    done = subprocess.run([sys.executable, "-m", "apps.classifier", "train", "--backbone", "nope"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr  # no TensorFlow start-up chatter either
    assert done.stderr.startswith("python -m apps.classifier: error:") and "nope" in done.stderr
