"""End-to-end runs of every segmenter verb on a tiny budget (offline)."""

import json
import subprocess
import sys

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from PIL import Image

import apps.segmenter as segmenter
from apps.segmenter import figures, main
from apps.segmenter.app import APP
from apps.segmenter.serving import image_spec
from shared.cli import run
from shared.data import read_image
from shared.errors import UsageError
from shared.images import encode_png
from tests.helpers import (
    api_predict_in_subprocess,
    event_tags,
    model_file_predict_in_subprocess,
    write_png,
)
from tests.segmenter.fixtures import scene, write_camvid

TINY = ["--scenes", "60", "--image-size", "32", "--base-filters", "4", "--depth", "2", "--epochs", "2",
        "--patience", "0", "--batch-size", "8"]
METRIC_KEYS = {"mean_iou", "pixel_accuracy", "iou_background", "iou_disk", "iou_square", "iou_triangle", "iou_ring"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("segmenter") / "run"
    metrics = main(["train", "--run-dir", str(run_dir), *TINY, "--upsampling", "bilinear", "--loss", "ce+dice",
                    "--class-weights", "balanced"])
    return run_dir, metrics


def test_train_writes_metrics_history_and_checkpoint(trained):
    run_dir, metrics = trained
    assert METRIC_KEYS <= set(metrics["test"]) and metrics["epochs"] == 2
    assert 0.0 <= metrics["test"]["mean_iou"] <= 1.0 and 0.0 <= metrics["test"]["pixel_accuracy"] <= 1.0
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    history = pd.read_csv(run_dir / "history.csv")
    assert {"loss", "mean_iou", "pixel_accuracy", "val_mean_iou", "val_iou_ring", "learning_rate"} <= set(history)
    assert (run_dir / "checkpoints" / "best.keras").is_file()


def test_tensorboard_has_iou_scalars_and_the_segmentation_picture(trained):
    tags = event_tags(trained[0])
    assert {"epoch_mean_iou", "epoch_pixel_accuracy", "epoch_iou_ring", "epoch_learning_rate"} <= set(tags["train"])
    assert {"epoch_mean_iou", "epoch_iou_disk"} <= set(tags["validation"])
    assert tags["validation"]["segmentation"] == "image"


def test_evaluate_reproduces_the_test_metrics(trained):
    run_dir, metrics = trained
    result = main(["evaluate", "--run", str(run_dir)])
    for key in METRIC_KEYS - {"iou_triangle", "iou_ring", "iou_square", "iou_disk"}:
        assert result["test"][key] == pytest.approx(metrics["test"][key], nan_ok=True)
    assert (run_dir / "evaluation.json").is_file()


def test_predict_writes_masks_and_overlays_at_the_input_size(trained, tmp_path, capsys):
    run_dir, _ = trained
    write_png(tmp_path / "in" / "a.png", scene(0, 20, 24)[0])
    write_png(tmp_path / "in" / "b.png", scene(1, 40, 30)[0])
    result = main(["predict", "--run", str(run_dir), str(tmp_path / "in"), "--out", str(tmp_path / "out")])
    assert len(result["predictions"]) == 2
    assert Image.open(tmp_path / "out" / "a_mask.png").size == (24, 20)
    assert Image.open(tmp_path / "out" / "b_overlay.png").size == (30, 40)
    assert "a_mask.png" in capsys.readouterr().out


def test_export_returns_masks_at_two_input_sizes_with_parity(trained, tmp_path):
    run_dir, _ = trained
    result = main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])
    assert result["max_abs_difference"] <= 1e-4
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    model = segmenter.load(run_dir).model
    assert image_spec(model) == (32, ["background", "disk", "square", "triangle", "ring"])
    for height, width in ((20, 24), (50, 36)):
        payload = tf.constant([encode_png(scene(i, height, width)[0]) for i in range(2)])
        outputs = serve(image_bytes=payload)
        assert outputs["mask"].shape == (2, height, width) and outputs["mask"].dtype == tf.int32
        assert outputs["probabilities"].shape == (2, height, width, 7 - 2)
        expected = model.predict(payload, verbose=0)
        np.testing.assert_allclose(outputs["probabilities"].numpy(), expected["probabilities"], atol=1e-4)
        np.testing.assert_allclose(outputs["class_shares"].numpy(), expected["class_shares"], atol=1e-6)


def test_model_keras_segments_the_network_input_like_the_checkpoint(trained):
    run_dir, _ = trained
    trained_run = segmenter.load(run_dir)
    image = np.round(scene(3, 32, 32)[0]).astype("float32")  # the training size: no resizing either way
    outputs = trained_run.model.predict(tf.constant([encode_png(image)]), verbose=0)
    expected = trained_run.network.predict(image[None], verbose=0)
    np.testing.assert_allclose(outputs["probabilities"], expected, atol=1e-5)
    with pytest.raises(Exception, match="share one size"):
        trained_run.model.predict(tf.constant([encode_png(image), encode_png(scene(0)[0])]), verbose=0)


def test_a_run_without_model_keras_asks_to_be_retrained(trained, tmp_path):
    run_dir, _ = trained
    old = tmp_path / "old"
    (old / "checkpoints").mkdir(parents=True)
    for name in ("config.json", "metrics.json", "labels.json"):
        (old / name).write_bytes((run_dir / name).read_bytes())
    (old / "checkpoints" / "best.keras").write_bytes((run_dir / "checkpoints" / "best.keras").read_bytes())
    with pytest.raises(UsageError, match="train it again"):
        segmenter.load(old)
    assert run(main, ["predict", "--run", str(old), str(tmp_path)], prog="python -m apps.segmenter") == 2


def test_python_api_trains_loads_and_predicts_like_the_cli(tmp_path):
    run_result = segmenter.train(scenes=60, image_size=32, base_filters=4, depth=2, epochs=1, patience=0,
                                 batch_size=8, run_dir=str(tmp_path / "run"))
    assert run_result.path == tmp_path / "run" and 0.0 <= run_result.metrics["test"]["mean_iou"] <= 1.0
    inputs = [str(write_png(tmp_path / "in" / "a.png", scene(0, 20, 24)[0])),
              str(write_png(tmp_path / "in" / "b.png", scene(1, 40, 30)[0]))]
    cli = main(["predict", "--run", str(run_result.path), *inputs])
    rows = api_predict_in_subprocess("segmenter", run_result.path, inputs)
    assert rows == cli["predictions"] and [row["file"] for row in rows] == inputs
    assert rows[0]["mask"] == str(tmp_path / "run" / "predictions" / "a_mask.png")
    assert sum(rows[1]["class_shares"].values()) == pytest.approx(1.0, abs=1e-3)
    assert Image.open(rows[1]["overlay"]).size == (30, 40)
    for path, row in zip(inputs, rows, strict=True):  # model.keras alone, in a fresh interpreter
        raw = model_file_predict_in_subprocess(run_result.path, [encode_png(read_image(path, 3))])
        assert [round(share, 4) for share in raw["class_shares"][0]] == list(row["class_shares"].values())
        colours = figures.palette(len(row["class_shares"]))
        np.testing.assert_array_equal(figures.colour_mask(np.array(raw["mask"][0]), colours),
                                      np.asarray(Image.open(row["mask"]).convert("RGB")))
    other = segmenter.load(run_result.path).predict(inputs[0], out=tmp_path / "api")
    assert other[0]["mask"] == str(tmp_path / "api" / "a_mask.png") and (tmp_path / "api" / "a_mask.png").is_file()
    assert segmenter.export(run_result.path, tmp_path / "sm")["max_abs_difference"] <= 1e-4


def test_python_api_raises_usage_errors_not_system_exit(tmp_path):
    with pytest.raises(UsageError, match="model must be one of"):
        segmenter.train(model="segnet")
    with pytest.raises(UsageError, match="unknown option"):
        segmenter.train(colour="red")
    with pytest.raises(UsageError, match="2 weights for 5 classes"):  # checked before any run folder
        segmenter.train(class_weights="1,2", scenes=20, image_size=32, run_dir=str(tmp_path / "never"))
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("options,size,reason", [
    ({}, 64, "the default for generated scenes"),
    ({"data": "camvid/"}, 128, "the default for a data folder (no image size read)"), ({"image_size": 32}, 32, None)])
def test_image_size_is_decided_by_the_data_when_unset(options, size, reason):
    config = APP.make_config(options)
    resolved = {}
    config = APP.resolve(config, APP.scan(config), set(options), resolved)
    assert config.image_size == size
    if reason:
        assert resolved["image_size"] == {"value": size, "reason": reason}
    else:
        assert "image_size" not in resolved


def test_fcn_trains_and_is_a_network_without_skips(tmp_path):
    metrics = main(["train", "--run-dir", str(tmp_path / "fcn"), *TINY, "--model", "fcn", "--epochs", "1"])
    model = keras.saving.load_model(tmp_path / "fcn" / "checkpoints" / "best.keras")
    heatmaps = keras.Model(model.inputs, model.get_layer("heatmaps").output)  # any input size now
    channels = model.inputs[0].shape[-1]
    assert tuple(heatmaps(np.zeros((1, 32, 32, channels), "float32")).shape[1:3]) == (8, 8)  # 32 px / 2**depth
    assert not any(isinstance(layer, keras.layers.Concatenate) or "UNetUp" in type(layer).__name__
                   for layer in model.layers)
    assert "mean_iou" in metrics["test"]


@pytest.mark.slow  # 45 s; the classifier-backbone test below covers the encoder path in make test
def test_backbone_unet_freezes_then_fine_tunes(tmp_path):
    argv = ["train", "--run-dir", str(tmp_path / "bb"), *TINY, "--backbone", "mobilenetv2", "--epochs", "1",
            "--fine-tune-epochs", "1", "--depth", "3"]
    metrics = main(argv)
    history = pd.read_csv(tmp_path / "bb" / "history.csv")
    assert history["phase"].tolist() == ["decoder", "fine_tune"] and metrics["epochs"] == 2
    assert history["learning_rate"].iloc[1] < history["learning_rate"].iloc[0] / 5
    model = keras.saving.load_model(tmp_path / "bb" / "checkpoints" / "best.keras")
    assert [tuple(o.shape[1:3]) for o in model.get_layer("encoder").outputs] == [(16, 16), (8, 8), (4, 4)]


def test_backbone_saved_by_the_classifier_becomes_the_encoder(tmp_path):
    from shared.backbones import build_backbone, save_backbone

    backbone, _ = build_backbone("resnet", (32, 32, 3), width=4)
    save_backbone(backbone, tmp_path / "preset")
    main(["train", "--run-dir", str(tmp_path / "r"), *TINY, "--backbone", str(tmp_path / "preset"),
          "--epochs", "1", "--fine-tune-epochs", "0"])
    model = keras.saving.load_model(tmp_path / "r" / "checkpoints" / "best.keras")
    encoder = model.get_layer("encoder")
    for expected, got in zip(backbone.weights, encoder.weights, strict=False):
        np.testing.assert_array_equal(expected.numpy(), got.numpy())  # frozen: still the saved values


def test_camvid_void_is_ignored_by_training_and_metrics(tmp_path):
    root = write_camvid(tmp_path / "camvid", count=10)
    metrics = main(["train", "--run-dir", str(tmp_path / "cv"), "--data", str(root), *TINY, "--epochs", "1"])
    assert len([k for k in metrics["test"] if k.startswith("iou_")]) == 11
    labels = json.loads((tmp_path / "cv" / "labels.json").read_text())
    assert labels["ignore_index"] == 11


@pytest.mark.parametrize("argv,fragment", [
    (["train", "--model", "segnet"], "invalid choice: 'segnet'"),
    (["train", "--image-size", "30", "--depth", "2"], "multiple of 2**depth = 4, got 30"),
    (["train", "--class-weights", "1,x"], "'1,x'"),
    (["train", "--data", "/nonexistent/folder"], "no such file or folder"),
    (["evaluate", "--run", "/nonexistent/run"], "not a run folder"),
])
def test_bad_command_lines_exit_2_with_one_line(argv, fragment, capsys):
    assert run(main, argv, prog="python -m apps.segmenter") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err


def test_bad_mask_exits_2_naming_the_file_before_any_run_folder(tmp_path, capsys):
    root = write_camvid(tmp_path / "camvid", count=6)
    write_png(root / "valannot" / "f002.png", np.full((20, 24), 40, "uint8"))
    argv = ["train", "--data", str(root), "--run-dir", str(tmp_path / "never"), *TINY]
    assert run(main, argv, prog="python -m apps.segmenter") == 2
    assert "f002.png: mask value 40 outside the class set 0..10" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()


def test_command_line_process_help():
    done = subprocess.run([sys.executable, "-m", "apps.segmenter", "train", "--help"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "--upsampling" in done.stdout and "--ignore-index" in done.stdout
