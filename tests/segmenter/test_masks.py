"""Masks as users store them: every binary encoding, ids times a constant, ambiguous sets,
and the value mapping saved with the run and applied by predict and the export."""

import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from apps.segmenter import main, masks
from apps.segmenter.config import SegmenterConfig
from apps.segmenter.data import load_data
from shared.errors import DataError
from shared.images import encode_png
from tests.helpers import write_png
from tests.segmenter.fixtures import scene

TRAIN = ["--image-size", "16", "--crop", "16", "--base-filters", "4", "--depth", "2", "--steps", "4",
         "--patience", "0", "--batch-size", "4"]


def write_masks(root, encoding, count=8):
    """images/ + masks/ of `count` scenes, the masks stored in `encoding`."""
    root = Path(root)
    for index in range(count):
        image, ids = scene(index)
        binary = (ids > 0).astype("uint8")
        write_png(root / "images" / f"p{index}.png", image)
        mask_path = root / "masks" / f"p{index}.png"
        mask_path.parent.mkdir(parents=True, exist_ok=True)
        if encoding == "0/255":
            write_png(mask_path, binary * 255)
        elif encoding == "0/1":
            write_png(mask_path, binary)
        elif encoding == "0/7":
            write_png(mask_path, binary * 7)
        elif encoding == "palette":
            picture = Image.fromarray(binary, mode="L").convert("P")
            picture.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
            picture.save(mask_path)
        elif encoding == "jpeg":
            big = np.kron(binary, np.ones((4, 4), "uint8")) * 255  # JPEG noise around the edges
            write_png(root / "images" / f"p{index}.png", np.kron(image, np.ones((4, 4, 1), "uint8")))
            Image.fromarray(big).save(mask_path.with_suffix(".jpg"), quality=70)
        elif encoding == "x38":
            write_png(mask_path, np.round(ids * 37.5).astype("uint8"))
        elif encoding == "ambiguous":
            greys = np.random.default_rng(0).choice(np.arange(1, 255), 40, replace=False)
            write_png(mask_path, np.random.default_rng(index).choice(greys, size=ids.shape).astype("uint8"))
    return root


def loaded(root, **options):
    return load_data(SegmenterConfig(data=str(root), image_size=16, **options))


def all_ids(data):
    return np.unique(np.concatenate([data.y_train.ravel(), data.y_val.ravel(), data.y_test.ravel()]))


@pytest.mark.parametrize("encoding, values", [("0/255", [0, 255]), ("0/1", [0, 1]), ("0/7", [0, 7]),
                                              ("palette", [0, 1]), ("jpeg", [0, 255])])
def test_every_binary_encoding_is_two_classes(tmp_path, encoding, values):
    data = loaded(write_masks(tmp_path, encoding))
    assert data.class_names == ["background", "foreground"] and data.mask_values[0] == values[0]
    assert data.mask_values[1] >= values[1] - 3 if encoding == "jpeg" else data.mask_values == values
    assert set(all_ids(data)) == {0, 1}
    first = data.y_train[0]  # the compact ids follow the foreground where the scene has its shapes
    assert first.mean() > 0.02 and first.mean() < 0.8


def test_ids_times_a_constant_are_compact_classes(tmp_path):
    data = loaded(write_masks(tmp_path, "x38"))
    assert data.mask_values == [0, 38, 75] and data.class_names == ["0", "38", "75"]
    assert set(all_ids(data)) == {0, 1, 2}
    assert "times" in data.mask_reason


def test_the_inference_of_values_never_spans_the_range_to_the_maximum():
    values, _ = masks.infer_values([np.array([[0, 200], [200, 0]])], ["m.png"])
    assert values == [0, 200]
    values, _ = masks.infer_values([np.array([[0, 1, 2, 5], [5, 5, 0, 1]])], ["m.png"])
    assert values == [0, 1, 2, 5]
    np.testing.assert_array_equal(masks.to_ids(np.array([3, 250, 126, 129]), [0, 255]), [0, 1, 0, 1])


def test_an_ambiguous_mask_set_is_one_line_naming_a_file_and_its_values(tmp_path):
    with pytest.raises(DataError) as caught:
        loaded(write_masks(tmp_path, "ambiguous"))
    message = str(caught.value)
    assert "\n" not in message and "masks/p" in message and ".png" in message
    assert "ambiguous mask values" in message and "distinct values" in message


def test_classes_and_mask_values_options_override_the_inference(tmp_path):
    root = write_masks(tmp_path, "0/1")
    data = loaded(root, classes="sky,horse")
    assert data.class_names == ["sky", "horse"] and data.mask_values is None
    with pytest.raises(DataError, match="outside the class set"):
        loaded(write_masks(tmp_path / "b", "0/255"), classes="sky,horse")
    data = loaded(write_masks(tmp_path / "c", "x38"), mask_values="0,38,75,113")
    assert data.mask_values == [0, 38, 75, 113] and data.num_classes == 4


@pytest.fixture(scope="module")
def binary_run(tmp_path_factory):
    root = write_masks(tmp_path_factory.mktemp("masks"), "0/255", count=10)
    run_dir = root.parent / "run"
    metrics = main(["train", "--data", str(root), "--run-dir", str(run_dir), *TRAIN])
    return root, run_dir, metrics


@pytest.mark.slow  # trains a run: make test-all
def test_the_mapping_is_resolved_logged_and_saved_with_the_run(binary_run):
    _, run_dir, metrics = binary_run
    config = json.loads((run_dir / "config.json").read_text())
    assert config["resolved"]["mask_values"]["value"] == "0,255" and config["config"]["mask_values"] == "0,255"
    assert "binary" in config["resolved"]["mask_values"]["reason"]
    assert json.loads((run_dir / "labels.json").read_text())["mask_values"] == [0, 255]
    assert "mask values 0,255 -> class ids 0..1" in (run_dir / "train.log").read_text()
    assert "foreground_iou" in metrics["test"] and metrics["test"]["foreground_iou"] == metrics["test"]["iou_foreground"]


@pytest.mark.slow  # trains a run: make test-all
def test_predict_and_the_export_return_the_original_values(binary_run, tmp_path):
    root, run_dir, _ = binary_run
    result = main(["predict", "--run", str(run_dir), str(root / "images" / "p0.png"), "--out", str(tmp_path / "p")])
    values = np.asarray(Image.open(result["predictions"][0]["values"]))
    assert values.shape == (20, 24) and set(np.unique(values)) <= {0, 255}
    main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    outputs = serve(image_bytes=tf.constant([encode_png(scene(0)[0])]))
    ids, mask = outputs["class_ids"].numpy(), outputs["mask"].numpy()
    np.testing.assert_array_equal(mask, np.where(ids == 1, 255, 0))
    np.testing.assert_array_equal(mask[0], values)


@pytest.mark.slow  # trains a run: make test-all
def test_evaluate_on_other_data_applies_the_runs_mapping(binary_run, tmp_path):
    _, run_dir, _ = binary_run
    other = write_masks(tmp_path / "other", "0/255", count=6)
    result = main(["evaluate", "--run", str(run_dir), "--data", str(other)])
    assert result["test"]["examples"] == 6 and "foreground_iou" in result["test"]
