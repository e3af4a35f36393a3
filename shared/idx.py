"""MNIST/Fashion-MNIST IDX files: find the images/labels pair, read them.

An IDX file is a big-endian header (two zero bytes, a type byte, the number
of dimensions, then each dimension as 4 bytes) followed by the raw array.
Only unsigned bytes (type 0x08) are read: every MNIST-family file is.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from shared import limits
from shared.errors import DataError


def idx_files(path):
    """(images file, labels file) of an IDX data set at `path`, or None.

    `path` is a folder holding `*-images-idx3-ubyte[.gz]` with the matching
    `*-labels-idx1-ubyte[.gz]`, or the images file itself.

    Raises:
        DataError: an images file without its labels file.
    """
    path = Path(path)
    candidates = sorted(path.glob("*idx3-ubyte*")) if path.is_dir() else [path]
    for images in candidates:
        if "idx3-ubyte" not in images.name:
            continue
        labels = images.with_name(images.name.replace("images", "labels").replace("idx3", "idx1"))
        if not labels.exists():
            raise DataError(images, f"no matching labels file {labels.name}")
        return images, labels
    return None


def read_idx(path):
    """Read one IDX file (optionally gzipped) into a uint8 numpy array.

    The header is read and checked first: the array it declares must fit the
    `array_elements` limit before the body is read (a gzip bomb reads no more
    than the header promises).

    Raises:
        DataError: unreadable, corrupt compressed data, bad magic number, over a limit, or truncated.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            head = handle.read(4)
            if len(head) < 4 or head[:2] != b"\x00\x00" or head[2] != 0x08:
                raise DataError(path, "not an unsigned-byte IDX file (bad magic number)")
            ndim = head[3]
            dims = [int.from_bytes(handle.read(4), "big") for _ in range(ndim)]
            size = limits.check("array_elements", math.prod(dims), path)
            body = handle.read(size + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(path, f"unreadable IDX file: {error}") from None
    if len(body) < size:
        raise DataError(path, f"truncated IDX file: {len(body)} bytes of data, header promises {size}")
    if len(body) > size:
        raise DataError(path, f"IDX file longer than its header promises ({size} bytes of data)")
    return np.frombuffer(body, dtype=np.uint8).reshape(dims)


def read_idx_pair(path):
    """(images (N, H, W) uint8, labels (N,) int32) of the IDX data set at `path`.

    Raises:
        DataError: no IDX files there, a bad file, or counts that differ.
    """
    found = idx_files(path)
    if found is None:
        raise DataError(path, "no *-images-idx3-ubyte[.gz] file")
    images_path, labels_path = found
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3:
        raise DataError(images_path, f"expected 3 dimensions (N, H, W), got {images.ndim}")
    if len(images) != len(labels):
        raise DataError(labels_path, f"{len(labels)} labels for {len(images)} images")
    return images, labels.astype("int32")


def write_idx(path, array):
    """Write a uint8 array as an IDX file (gzipped when `path` ends in .gz)."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as handle:
        handle.write(header + array.tobytes())
    return Path(path)
