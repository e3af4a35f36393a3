"""GAN loaders on fixtures in the real formats, good and bad."""

import numpy as np
import pytest

from apps.gan.config import GanConfig
from apps.gan.data import detect_format, load_data
from shared.errors import DataError, UsageError
from shared.idx import write_idx
from tests.helpers import write_class_folder, write_png


def test_default_digits_and_shapes():
    digits = load_data(GanConfig())
    assert digits.image_shape == (16, 16, 1) and digits.labelled and len(digits.class_names) == 10
    assert len(digits.x_train) + len(digits.x_test) == 1797 and 0 <= digits.x_train.min() <= digits.x_train.max() <= 255
    shapes = load_data(GanConfig(data="shapes", image_size=32))
    assert shapes.image_shape == (32, 32, 1) and shapes.class_names == ["disc", "square", "triangle"]


def test_class_folder_with_a_bad_file(tmp_path):
    root = write_class_folder(tmp_path / "images", per_class=12)
    data = load_data(GanConfig(data=str(root), image_size=16))
    assert data.source == "folder" and data.labelled and data.class_names == ["disk", "square"]
    assert data.image_shape == (16, 16, 3) and len(data.x_train) + len(data.x_test) == 24
    (root / "disk" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match="broken.png"):
        load_data(GanConfig(data=str(root), image_size=16))
    skipped = load_data(GanConfig(data=str(root), image_size=16, skip_bad=True))
    assert skipped.skipped == 1 and len(skipped.x_train) + len(skipped.x_test) == 24


def test_flat_folder_gets_cluster_labels_and_refuses_conditional(tmp_path):
    rng = np.random.default_rng(0)
    for index in range(24):
        write_png(tmp_path / "flat" / f"{index}.png", rng.integers(0, 255, (12, 12, 3)))
    data = load_data(GanConfig(data=str(tmp_path / "flat"), image_size=8))
    assert not data.labelled and data.class_names[0] == "cluster0"
    with pytest.raises(UsageError, match="--conditional needs labels"):
        load_data(GanConfig(data=str(tmp_path / "flat"), image_size=8, conditional=True))


def test_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", rng.integers(0, 255, (30, 28, 28)))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(30) % 3)
    data = load_data(GanConfig(data=str(tmp_path)))
    assert data.source == "idx" and data.image_shape == (28, 28, 1) and len(data.class_names) == 3
    (tmp_path / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="no matching labels file"):
        load_data(GanConfig(data=str(tmp_path)))


def test_npz_good_and_bad(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "good.npz", x=rng.uniform(0, 1, (40, 8, 8)), y=np.arange(40) % 4)
    data = load_data(GanConfig(data=str(tmp_path / "good.npz")))
    assert data.image_shape == (32, 32, 1) and data.x_train.max() > 1.0 and len(data.class_names) == 4
    np.savez(tmp_path / "nolabels.npz", images=rng.uniform(0, 255, (40, 8, 8, 3)))
    assert not load_data(GanConfig(data=str(tmp_path / "nolabels.npz"), image_size=8)).labelled
    np.savez(tmp_path / "wrong.npz", z=np.zeros(3))
    with pytest.raises(DataError, match="no 'x' or 'images' array"):
        load_data(GanConfig(data=str(tmp_path / "wrong.npz")))
    np.savez(tmp_path / "mismatch.npz", x=np.zeros((40, 8, 8)), y=np.zeros(3))
    with pytest.raises(DataError, match="3 labels for 40 images"):
        load_data(GanConfig(data=str(tmp_path / "mismatch.npz")))
    (tmp_path / "corrupt.npz").write_bytes(b"garbage")
    with pytest.raises(DataError, match="corrupt.npz"):
        load_data(GanConfig(data=str(tmp_path / "corrupt.npz")))


def test_bad_specs_and_options():
    with pytest.raises(UsageError, match="no such file"):
        detect_format("/nonexistent/data")
    with pytest.raises(ValueError, match="multiple of 4"):
        GanConfig(image_size=18)
    with pytest.raises(ValueError, match="label_smoothing"):
        GanConfig(label_smoothing=1.5)
