"""End-to-end runs of every detector verb on a tiny budget (offline)."""

import json

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

import apps.detector as detector
from apps.detector import main
from apps.detector.app import APP as app
from apps.detector.config import DetectorConfig
from apps.detector.layers import detection_layer
from apps.detector.model import build_model
from shared.backbones import build_backbone
from shared.cli import run
from shared.errors import UsageError
from shared.images import encode_png
from tests.detector.fixtures import truncate, write_voc
from tests.helpers import (
    api_predict_in_subprocess,
    event_tags,
    model_file_predict_in_subprocess,
    write_png,
)

TINY = ["--num-scenes", "40", "--epochs", "1", "--batch-size", "8", "--width", "4", "--fpn-filters", "8",
        "--map-images", "4", "--score-threshold", "0.001", "--max-detections", "10", "--patience", "0"]
TINY_OPTIONS = {"num_scenes": 40, "epochs": 1, "batch_size": 8, "width": 4, "fpn_filters": 8, "map_images": 4,
                "score_threshold": 0.001, "max_detections": 10, "patience": 0}  # TINY as keyword arguments


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("detector") / "run"
    metrics = main(["train", "--run-dir", str(run_dir), "--save-backbone", str(run_dir.parent / "preset"), *TINY])
    return run_dir, metrics


def test_train_writes_metrics_history_and_tensorboard(trained):
    run_dir, metrics = trained
    assert {"map", "map50", "recall100", "ap_ellipse", "ap50_triangle"} <= set(metrics["test"])
    assert 0.0 <= metrics["test"]["map"] <= metrics["test"]["map50"] <= 1.0
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    history = pd.read_csv(run_dir / "history.csv")
    assert {"loss", "boxes_loss", "classes_loss", "val_loss", "val_map", "val_map50"} <= set(history.columns)
    tags = event_tags(run_dir)
    assert {"epoch_map", "epoch_map50", "epoch_recall100", "epoch_ap_triangle"} <= set(tags["validation"])
    assert tags["validation"]["detections"] == "image"
    assert (run_dir / "checkpoints" / "best.keras").is_file()


def test_evaluate_reproduces_the_test_metrics(trained):
    run_dir, metrics = trained
    result = main(["evaluate", "--run", str(run_dir)])
    assert result["test"]["map50"] == pytest.approx(metrics["test"]["map50"])
    assert (run_dir / "evaluation.json").is_file()


def test_predict_draws_boxes_in_file_pixels(trained, tmp_path, capsys):
    run_dir, _ = trained
    scene = np.kron(np.round(np.random.default_rng(0).uniform(0, 255, (64, 64, 3))), np.ones((2, 2, 1)))
    write_png(tmp_path / "in" / "big.png", scene)
    result = main(["predict", "--run", str(run_dir), str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                   "--min-score", "0"])
    found = result["detections"][str(tmp_path / "in" / "big.png")]
    assert len(found) == 10 and all(0 <= v <= 128 for d in found for v in d["box"])
    assert (tmp_path / "out" / "big.png").is_file()
    assert json.loads((tmp_path / "out" / "detections.json").read_text()) == result["detections"]
    assert result["predictions"] == [{"file": str(tmp_path / "in" / "big.png"), "detections": found}]
    assert "big.png" in capsys.readouterr().out


def test_export_serves_image_bytes_with_boxes_in_input_pixels(trained, tmp_path):
    run_dir, _ = trained
    result = main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])
    assert result["max_abs_difference"] <= 1e-4
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    scene = np.round(np.random.default_rng(1).uniform(0, 255, (64, 64, 3)))
    double = np.kron(scene, np.ones((2, 2, 1)))  # the same picture at twice the size
    small = serve(image_bytes=tf.constant([encode_png(scene)]))
    large = serve(image_bytes=tf.constant([encode_png(double)]))
    assert set(small) == {"boxes", "scores", "classes", "labels", "num_detections"}
    assert small["boxes"].shape == (1, 10, 4)
    np.testing.assert_allclose(large["boxes"].numpy(), 2 * small["boxes"].numpy(), atol=1e-3)
    np.testing.assert_allclose(large["scores"].numpy(), small["scores"].numpy(), atol=1e-5)


@pytest.mark.parametrize("size,levels", [(64, (2, 4)), (128, (3, 5))])
def test_a_saved_backbone_folder_is_the_new_models_backbone_at_any_size(trained, size, levels):
    preset = trained[0].parent / "preset"
    saved = build_backbone(preset=str(preset))[0]
    config = DetectorConfig(preset=str(preset), min_level=levels[0], max_level=levels[1])
    model, backbone = build_model(config, size, 3)
    assert backbone.input_shape[1:3] == (size, size)
    for mine, theirs in zip(backbone.get_weights(), saved.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    assert model.get_layer(f"P{levels[0]}").output.shape[1] == size // 2 ** levels[0]


def test_python_api_trains_loads_and_predicts_like_the_cli(tmp_path):
    run_result = detector.train(**TINY_OPTIONS, run_dir=str(tmp_path / "run"))
    assert run_result.path == tmp_path / "run" and 0.0 <= run_result.metrics["test"]["map50"] <= 1.0
    assert run_result.metrics == json.loads((tmp_path / "run" / "metrics.json").read_text())
    scene = np.kron(np.round(np.random.default_rng(2).uniform(0, 255, (32, 48, 3))), np.ones((2, 2, 1)))
    inputs = [write_png(tmp_path / "in" / "a.png", scene), write_png(tmp_path / "in" / "b.png", scene[::-1])]
    cli = main(["predict", "--run", str(run_result.path), *map(str, inputs), "--out", str(tmp_path / "out"),
                "--min-score", "0"])
    api = api_predict_in_subprocess("detector", run_result.path, inputs, min_score=0)
    assert api == cli["predictions"] and [row["file"] for row in api] == [str(path) for path in inputs]
    assert all(len(row["detections"]) == 10 for row in api)
    assert not (run_result.path / "predictions").exists()  # the API draws no pictures
    layer = detection_layer(detector.load(run_result.path).model)
    assert layer.class_names == ["ellipse", "rectangle", "triangle"] and layer.image_size == 64
    assert detector.export(run_result.path, tmp_path / "sm")["max_abs_difference"] <= 1e-4


def test_model_keras_alone_takes_image_bytes_and_gives_the_predict_rows(trained, tmp_path):
    run_dir, _ = trained
    rng = np.random.default_rng(3)
    scenes = [np.kron(np.round(rng.uniform(0, 255, shape)), np.ones((2, 2, 1))) for shape in ((32, 48, 3), (40, 24, 3))]
    inputs = [write_png(tmp_path / "in" / f"{i}.png", scene) for i, scene in enumerate(scenes)]
    cli = main(["predict", "--run", str(run_dir), *map(str, inputs), "--out", str(tmp_path / "out"), "--min-score", "0"])
    raw = model_file_predict_in_subprocess(run_dir, [path.read_bytes() for path in inputs])
    assert set(raw) == {"boxes", "scores", "classes", "labels", "num_detections"}
    labels = np.reshape(raw["labels"], np.shape(raw["scores"]))
    for index, row in enumerate(cli["predictions"]):
        count = raw["num_detections"][index]
        assert [d["class"] for d in row["detections"]] == list(labels[index][:count])
        np.testing.assert_allclose([d["box"] for d in row["detections"]], raw["boxes"][index][:count], atol=0.01)
        np.testing.assert_allclose([d["score"] for d in row["detections"]], raw["scores"][index][:count], atol=1e-4)
        assert all(label == "" for label in labels[index][count:])


def test_a_run_without_model_keras_asks_to_be_retrained(trained, tmp_path):
    run_dir, _ = trained
    old = tmp_path / "old"
    (old / "checkpoints").mkdir(parents=True)
    for name in ("config.json", "metrics.json", "labels.json"):
        (old / name).write_bytes((run_dir / name).read_bytes())
    (old / "checkpoints" / "best.keras").write_bytes((run_dir / "checkpoints" / "best.keras").read_bytes())
    with pytest.raises(UsageError, match="train it again"):
        detector.load(old)


def test_python_api_raises_usage_errors_not_system_exit():
    with pytest.raises(UsageError, match="backbone"):
        detector.train(backbone="nope")
    with pytest.raises(UsageError, match="unknown option"):
        detector.train(colour="red")
    with pytest.raises(UsageError, match="iou_threshold"):
        detector.train(iou_threshold=2.0)


def test_the_data_decides_the_image_size_unless_given(trained, tmp_path):
    saved = json.loads((trained[0] / "config.json").read_text())
    assert saved["config"]["image_size"] == 64
    assert saved["resolved"]["image_size"]["reason"] == "the default for the generated scenes"
    files = app.make_config({"data": str(tmp_path)})
    assert app.resolve(files, app.scan(files), set(), {}).image_size == 128
    given = app.make_config({"image_size": 96})
    assert app.resolve(given, app.scan(given), {"image_size"}, {}).image_size == 96


def test_explain_writes_roi_pooled_features(trained):
    result = main(["explain", "--run", str(trained[0]), "--count", "2"])
    assert result["pooled_shape"][:3] == [2, 4, 7]
    assert (trained[0] / "figures" / "roi_pooling.png").is_file()


def test_bad_input_exits_2_before_any_run_folder(tmp_path, capsys):
    root, _, _ = write_voc(tmp_path / "voc")
    truncate(root / "JPEGImages" / "img01.jpg")
    code = run(main, ["train", "--data", str(root), "--run-dir", str(tmp_path / "never"), *TINY])
    assert code == 2 and not (tmp_path / "never").exists()
    assert "img01.jpg: unreadable image" in capsys.readouterr().err
    assert run(main, ["train", "--set", "iou_threshold=2"]) == 2


def test_help_works_for_every_verb(capsys):
    for verb in ("train", "evaluate", "predict", "export", "explain"):
        with pytest.raises(SystemExit) as exit_info:
            main([verb, "--help"])
        assert exit_info.value.code == 0
    assert "--score-threshold" in capsys.readouterr().out
