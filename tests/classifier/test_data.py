"""The classifier's loaders on fixtures written in the real formats."""

import dataclasses
import gzip

import numpy as np
import pytest

from apps.classifier.config import ClassifierConfig
from apps.classifier.data import detect_format, load_data
from shared.errors import DataError, UsageError
from shared.idx import read_idx
from tests.helpers import jpeg_bytes, write_class_folder


def config_for(path, **overrides):
    return ClassifierConfig(data=str(path), image_size=16, **overrides)


def test_digits_default_is_split_deterministically():
    first = load_data(ClassifierConfig())
    second = load_data(ClassifierConfig())
    assert first.image_shape == (16, 16, 1) and len(first.class_names) == 10
    assert len(first.y_train) + len(first.y_val) + len(first.y_test) == 1797
    np.testing.assert_array_equal(first.x_test, second.x_test)
    assert 0 <= first.x_train.min() and first.x_train.max() <= 255


def test_mixed_mode_folder_loads_as_rgb(tmp_path):
    root = write_class_folder(tmp_path / "shapes", per_class=10)
    data = load_data(config_for(root))
    assert data.class_names == ["disk", "square"]
    assert data.image_shape == (16, 16, 3)
    assert len(data.y_train) + len(data.y_val) + len(data.y_test) == 20


def test_train_val_test_subfolders_are_used_as_given(tmp_path):
    for split, count in (("train", 10), ("val", 3), ("test", 4)):
        write_class_folder(tmp_path / "data" / split, per_class=count)
    data = load_data(config_for(tmp_path / "data"))
    assert (len(data.y_train), len(data.y_val), len(data.y_test)) == (20, 6, 8)


def add_bad_file(root, kind):
    folder = root / "disk"
    if kind == "truncated":
        path = folder / "cut.jpg"
        path.write_bytes(jpeg_bytes(np.random.default_rng(0).integers(0, 255, (64, 64, 3)))[:700])
        return path, "unreadable image"
    if kind == "zero-byte":
        path = folder / "zero.png"
        path.write_bytes(b"")
        return path, "empty file (0 bytes)"
    if kind == "text-as-png":
        path = folder / "notes.png"
        path.write_text("not pixels\n")
        return path, "not an image"
    if kind == "non-image-extension":
        path = folder / "readme.txt"
        path.write_text("hello\n")
        return path, "not an image file"
    path = root / "empty_class"
    path.mkdir()
    return path, "empty class folder"


@pytest.mark.parametrize("kind", ["truncated", "zero-byte", "text-as-png", "non-image-extension", "empty-class"])
def test_each_bad_input_names_the_file_or_is_skipped_and_counted(tmp_path, kind):
    root = write_class_folder(tmp_path / "shapes", per_class=10)
    path, fragment = add_bad_file(root, kind)
    with pytest.raises(DataError) as info:
        load_data(config_for(root))
    message = str(info.value)
    assert message.startswith(str(path)) and fragment in message and "\n" not in message
    data = load_data(config_for(root, skip_bad=True))
    assert data.skipped == 1
    assert len(data.y_train) + len(data.y_val) + len(data.y_test) == 20


def write_idx(path, array, magic_dims):
    header = bytes([0, 0, 8, magic_dims]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype("uint8").tobytes())


def test_idx_files_load(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (40, 28, 28))
    labels = np.repeat(np.arange(4), 10)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images, 3)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels, 1)
    assert detect_format(str(tmp_path)) == "idx"
    np.testing.assert_array_equal(read_idx(tmp_path / "t10k-labels-idx1-ubyte.gz"), labels)
    data = load_data(ClassifierConfig(data=str(tmp_path)))
    assert data.image_shape == (28, 28, 1) and data.class_names == ["0", "1", "2", "3"]


def test_truncated_idx_and_missing_labels(tmp_path):
    path = tmp_path / "x-images-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 3]) + (10).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + b"\0" * 100)
    with pytest.raises(DataError, match="no matching labels file"):
        load_data(ClassifierConfig(data=str(tmp_path)))
    (tmp_path / "x-labels-idx1-ubyte").write_bytes(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + b"\0" * 10)
    with pytest.raises(DataError, match="truncated IDX file"):
        load_data(ClassifierConfig(data=str(tmp_path)))


def test_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such file or folder"):
        load_data(dataclasses.replace(ClassifierConfig(), data=str(tmp_path / "nope")))


def test_train_and_val_only_make_val_the_held_out_test(tmp_path):
    for split, count in (("train", 10), ("val", 3)):
        write_class_folder(tmp_path / "data" / split, per_class=count)
    data = load_data(config_for(tmp_path / "data", validation_fraction=0.2))
    assert len(data.y_test) == 6  # val/, untouched
    assert (len(data.y_train), len(data.y_val)) == (16, 4)  # validation carved from train/, nothing dropped
    assert sorted(np.bincount(data.y_val)) == [2, 2]


def test_train_and_test_only_keep_every_training_image(tmp_path):
    for split, count in (("train", 10), ("test", 3)):
        write_class_folder(tmp_path / "data" / split, per_class=count)
    data = load_data(config_for(tmp_path / "data", validation_fraction=0.2))
    assert (len(data.y_train) + len(data.y_val), len(data.y_test)) == (20, 6)
