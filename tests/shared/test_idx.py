"""shared.idx: IDX files round-trip, pairs are found, bad files are named."""

import numpy as np
import pytest

from shared.errors import DataError
from shared.idx import idx_files, read_idx, read_idx_pair, write_idx


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_pair_round_trips(tmp_path, suffix):
    images = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", images)
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", np.array([1, 2, 9]))
    x, y = read_idx_pair(tmp_path)
    np.testing.assert_array_equal(x, images)
    assert y.tolist() == [1, 2, 9] and y.dtype == np.int32


def test_missing_labels_and_bad_files_are_named(tmp_path):
    write_idx(tmp_path / "a-images-idx3-ubyte", np.zeros((2, 3, 3)))
    with pytest.raises(DataError, match="no matching labels file a-labels-idx1-ubyte"):
        idx_files(tmp_path)
    bad = tmp_path / "bad-images-idx3-ubyte"
    bad.write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(DataError, match="bad magic number"):
        read_idx(bad)
    short = tmp_path / "short"
    short.write_bytes((tmp_path / "a-images-idx3-ubyte").read_bytes()[:-3])
    with pytest.raises(DataError, match="truncated"):
        read_idx(short)


def test_count_mismatch(tmp_path):
    write_idx(tmp_path / "x-images-idx3-ubyte", np.zeros((2, 3, 3)))
    write_idx(tmp_path / "x-labels-idx1-ubyte", np.zeros(3))
    with pytest.raises(DataError, match="3 labels for 2 images"):
        read_idx_pair(tmp_path)
    assert idx_files(tmp_path / "nothing-here.txt") is None
