"""The segmenter's loaders on fixtures in the four real layouts, good and bad."""

import dataclasses

import numpy as np
import pytest

from apps.segmenter.config import SegmenterConfig
from apps.segmenter.data import class_weights, load_data, make_dataset
from apps.segmenter.formats import detect_layout
from apps.segmenter.scenes import generate_scenes
from shared.errors import DataError, UsageError
from tests.helpers import write_png
from tests.segmenter.fixtures import scene, write_camvid, write_pairs, write_pet


def config_for(path, **overrides):
    return SegmenterConfig(data=str(path), image_size=16, **overrides)


def all_masks(data):
    return np.concatenate([data.y_train, data.y_val, data.y_test])


def test_generated_scenes_are_deterministic_and_have_every_class():
    first, second = generate_scenes(20, 32, seed=3), generate_scenes(20, 32, seed=3)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert set(np.unique(first[1])) == {0, 1, 2, 3, 4}
    assert not np.array_equal(first[1], generate_scenes(20, 32, seed=4)[1])
    data = load_data(SegmenterConfig(scenes=40, image_size=32))
    assert data.x_train.shape[1:] == (32, 32, 3) and data.class_names[0] == "background"
    assert len(data.x_train) + len(data.x_val) + len(data.x_test) == 40


def test_class_id_pairs_load_with_classes_inferred(tmp_path):
    data = load_data(config_for(write_pairs(tmp_path / "d")))
    assert data.class_names == ["0", "1", "2"] and data.source == "pairs"
    assert data.x_train.shape[1:] == (16, 16, 3) and data.y_train.shape[1:] == (16, 16)
    assert set(np.unique(all_masks(data))) == {0, 1, 2}  # nearest resize: no blended ids


@pytest.mark.parametrize("classes_file", ["csv", "json"])
def test_colour_masks_are_mapped_through_the_palette(tmp_path, classes_file):
    data = load_data(config_for(write_pairs(tmp_path / "d", colour=True, classes_file=classes_file)))
    assert data.class_names == ["background", "disk", "square"]
    reference = load_data(config_for(write_pairs(tmp_path / "ids")))
    np.testing.assert_array_equal(all_masks(data), all_masks(reference))


def test_oxford_pet_trimaps_map_to_three_classes(tmp_path):
    data = load_data(config_for(write_pet(tmp_path / "pet")))
    assert data.source == "pet" and data.class_names == ["pet", "background", "border"]
    assert set(np.unique(all_masks(data))) == {0, 1, 2}


@pytest.mark.parametrize("list_file", [True, False])
def test_camvid_layout_rewrites_the_list_and_marks_void(tmp_path, list_file):
    root = write_camvid(tmp_path / "camvid", list_file=list_file)
    assert detect_layout(root).kind == "camvid"
    data = load_data(config_for(root))
    assert len(data.class_names) == 11 and data.ignore_index == 11
    assert 11 in np.unique(all_masks(data))


def test_augmentation_moves_image_and_mask_together():
    image, mask = scene(0, 16, 16)
    x = np.repeat(image[None].astype("float32"), 8, axis=0)
    y = np.repeat(mask[None].astype("int32"), 8, axis=0)
    x[..., 0] = y * 100.0  # red channel encodes the class
    batch = next(iter(make_dataset(x, y, 8, shuffle=True, seed=1, augment=True)))
    images, masks = batch[0].numpy(), batch[1].numpy()
    assert not all(np.array_equal(m, mask) for m in masks)  # something moved
    agree = np.round(images[..., 0] / 100.0) == masks  # red level k*100 <-> class k
    assert agree.mean() > 0.95 and (np.round(images[:1, ..., 0] / 100.0) == masks[1:2]).mean() < agree.mean()
    assert set(np.unique(masks)) <= {0, 1, 2}


def test_class_weights_balanced_and_as_pixel_weights(tmp_path):
    data = load_data(config_for(write_pairs(tmp_path / "d")))
    weights = class_weights(dataclasses.replace(config_for(tmp_path / "d"), class_weights="balanced"), data)
    assert weights[0] < weights[1] and weights[0] < weights[2]  # background is the most frequent
    batch = next(iter(make_dataset(data.x_train, data.y_train, 4, weights=weights)))
    np.testing.assert_allclose(batch[2].numpy(), weights[batch[1].numpy()])
    with pytest.raises(UsageError, match="2 weights for 3 classes"):
        class_weights(dataclasses.replace(config_for(tmp_path / "d"), class_weights="1,2"), data)


def break_data(root, case):
    """Make one bad case in a pairs folder; return (file named, message)."""
    if case == "size":
        write_png(root / "masks" / "img03.png", np.zeros((10, 10), "uint8"))
        return "img03.png", "mask is 10x10 but its image img03.png is 24x20"
    if case == "value":
        (root / "classes.txt").write_text("background\ndisk\nsquare\n")
        write_png(root / "masks" / "img02.png", np.full((20, 24), 7, "uint8"))
        return "img02.png", "mask value 7 outside the class set 0..2"
    if case == "no-mask":
        (root / "masks" / "img05.png").unlink()
        return "img05.png", "no mask for this image"
    if case == "no-image":
        (root / "images" / "img06.png").unlink()
        return "img06.png", "no image for this mask"
    if case == "unreadable-image":
        (root / "images" / "img01.png").write_text("not pixels\n")
        return "img01.png", "not an image"
    (root / "masks" / "img04.png").write_bytes(b"")
    return "img04.png", "empty file (0 bytes)"


CASES = ["size", "value", "no-mask", "no-image", "unreadable-image", "empty-mask"]


@pytest.mark.parametrize("case", CASES)
def test_each_bad_case_names_the_file_or_is_skipped(tmp_path, case):
    root = write_pairs(tmp_path / "d", count=10)
    name, message = break_data(root, case)
    with pytest.raises(DataError) as error:
        load_data(config_for(root))
    assert name in str(error.value) and message in str(error.value)
    data = load_data(config_for(root, skip_bad=True))
    assert data.skipped == 1
    assert len(data.x_train) + len(data.x_val) + len(data.x_test) == 9


def test_colour_outside_the_palette_and_bad_trimap_values(tmp_path):
    root = write_pairs(tmp_path / "d", colour=True, classes_file="csv")
    write_png(root / "masks" / "img00.png", np.full((20, 24, 3), (9, 9, 9), "uint8"))
    with pytest.raises(DataError, match=r"img00.png: mask colour \(9, 9, 9\) is not in the palette"):
        load_data(config_for(root))
    pet = write_pet(tmp_path / "pet")
    write_png(pet / "annotations" / "trimaps" / "cat_1.png", np.full((20, 24), 5, "uint8"))
    with pytest.raises(DataError, match="cat_1.png: mask value 4 outside the class set 0..2"):
        load_data(config_for(pet))


def test_unknown_folder_and_missing_path_are_usage_errors(tmp_path):
    (tmp_path / "x").mkdir()
    with pytest.raises(UsageError, match="expected images/"):
        load_data(config_for(tmp_path / "x"))
    with pytest.raises(UsageError, match="no such file"):
        load_data(config_for(tmp_path / "nope"))
