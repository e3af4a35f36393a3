"""shared.idx: IDX files round-trip, pairs are found, bad files are named."""

import gzip

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


def test_a_header_declaring_a_huge_array_is_refused_before_the_body_is_read(tmp_path):
    bomb = tmp_path / "bomb-images-idx3-ubyte.gz"
    header = bytes([0, 0, 0x08, 3]) + b"".join(d.to_bytes(4, "big") for d in (100_000, 10_000, 10_000))
    with gzip.open(bomb, "wb") as handle:
        handle.write(header + bytes(1000))
    with pytest.raises(DataError, match="over the limit .* --limit array_elements="):
        read_idx(bomb)


def test_corrupt_gzip_and_trailing_bytes_are_one_line_errors(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (4, 28, 28))
    good = write_idx(tmp_path / "g-images-idx3-ubyte.gz", noise)
    raw = bytearray(good.read_bytes())
    raw[2 * len(raw) // 3] ^= 0xFF  # a flipped byte inside the compressed data: the CRC check fails
    corrupt = tmp_path / "c-images-idx3-ubyte.gz"
    corrupt.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="c-images-idx3-ubyte.gz"):
        read_idx(corrupt)
    long = tmp_path / "long-images-idx3-ubyte"
    long.write_bytes(write_idx(tmp_path / "plain", np.ones((2, 2, 2))).read_bytes() + b"xx")
    with pytest.raises(DataError, match="longer than its header promises"):
        read_idx(long)
