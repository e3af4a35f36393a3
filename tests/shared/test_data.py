"""Image reading and checking, splits."""

import numpy as np
import pytest

from shared.data import BadInputs, read_image, read_images, split_indices
from shared.errors import DataError
from tests.helpers import jpeg_bytes, shape_image


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "LA"])
def test_any_mode_reads_as_requested_channels(tmp_path, mode):
    path = tmp_path / f"x-{mode}.png"
    shape_image("disk", 12, mode=mode).save(path)
    assert read_image(path, 3).shape == (12, 12, 3)
    assert read_image(path, 1).shape == (12, 12, 1)


def test_bad_files_raise_one_line_naming_the_file(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    text = tmp_path / "notes.png"
    text.write_text("this is text, not an image\n")
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(jpeg_bytes(np.random.default_rng(0).integers(0, 255, (64, 64, 3)))[:600])
    for path, fragment in ((empty, "empty file"), (text, "not an image"), (truncated, "unreadable image")):
        with pytest.raises(DataError) as info:
            read_image(path)
        assert str(info.value).startswith(str(path)) and fragment in str(info.value)
        assert "\n" not in str(info.value)


def test_read_images_skips_and_counts(tmp_path):
    good = tmp_path / "good.png"
    shape_image("square", 10).save(good)
    bad_file = tmp_path / "bad.png"
    bad_file.write_bytes(b"")
    bad = BadInputs(skip_bad=True)
    images, kept = read_images([good, bad_file], 8, 3, bad)
    assert images.shape == (1, 8, 8, 3) and kept == [good] and bad.count == 1
    with pytest.raises(DataError, match="empty file"):
        read_images([good, bad_file], 8, 3, BadInputs(skip_bad=False))


def test_split_is_deterministic_disjoint_and_stratified():
    labels = np.repeat(np.arange(4), 25)
    first = split_indices(labels, (0.2, 0.2), seed=3)
    second = split_indices(labels, (0.2, 0.2), seed=3)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    train, val, test = first
    assert len(set(train) | set(val) | set(test)) == 100
    assert len(test) == 20 and len(val) == 20
    assert np.bincount(labels[test]).tolist() == [5, 5, 5, 5]
    other = split_indices(labels, (0.2, 0.2), seed=4)[2]
    assert not np.array_equal(np.sort(other), np.sort(test))
