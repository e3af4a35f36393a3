"""Image data of the `knn` and `linear` experiments, and the pixel shift of the shift experiment.

`load_images(config)` returns an `ImageSplit`: float32 pixels in [0, 1]
(N, H, W, C), integer labels, class names, deterministic train, validation
and test splits. Formats, detected from `--data`:
- absent or `digits`: scikit-learn's 1,797 real 8x8 digit scans, up-sampled to 16x16 and
  centred on a 20x20 canvas (a 2-pixel border, as MNIST's 20x20 digits on 28x28).
- a folder per class, `root/<class>/*.png|jpg|...` (any depth below it).
- MNIST/Fashion-MNIST IDX files (a folder, or the images file).
- a CSV of `label,pixel1,...,pixelN` (N a square; pixels 0-255; a header allowed).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from shared.data import (
    BadInputs,
    Splits,
    csv_rows,
    resize_images,
    split_indices,
    utf8_text,
)
from shared.errors import DataError, UsageError
from shared.idx import idx_files, read_idx_pair
from shared.image_folders import read_folder

log = logging.getLogger("annsuite")

DIGITS_SIZE = 16  # the 8x8 digits up-sampled: LeNet-5 needs 16x16 or more
DIGITS_BORDER = 2  # ... and centred on a 20x20 canvas, as MNIST's digits are on theirs: a shift keeps the digit
MAX_SIZE = 32  # larger images are resized down to this (K-NN compares every pixel)
MIN_IMAGES = 20


@dataclass
class ImageSplit(Splits):
    """Train, validation and test images in [0, 1] (float32, NHWC) with integer labels."""

    class_names: list = None
    source: str = ""

    @property
    def image_shape(self):
        return tuple(self.x_train.shape[1:])


def shift_images(images, pixels):
    """The images moved `pixels` to the right and `pixels` down, the vacated border zero."""
    images = np.asarray(images)
    if pixels == 0:
        return images.copy()
    shifted = np.zeros_like(images)
    shifted[:, pixels:, pixels:] = images[:, :-pixels, :-pixels]
    return shifted


def detect_format(spec):
    """'digits', 'idx', 'csv' or 'folder' (UsageError for anything else)."""
    if spec in (None, "", "digits"):
        return "digits"
    path = Path(spec)
    if not path.exists():
        raise UsageError(f"--data {spec}: no such file or folder")
    if idx_files(path):
        return "idx"
    if path.is_file() and path.suffix.lower() == ".csv":
        return "csv"
    if path.is_dir():
        return "folder"
    raise UsageError(f"--data {spec}: expected a folder of class folders, MNIST IDX files or a .csv file")


def read_pixel_csv(path):
    """(images (N, S, S, 1) in [0, 255], labels) of a `label,pixel1,...,pixelN` CSV."""
    path = Path(path)
    rows, labels, width = [], [], None
    for line, row in csv_rows(utf8_text(path), path):
        if not row or all(not cell.strip() for cell in row):
            continue
        try:
            values = [float(cell) for cell in row]
        except ValueError:
            if line == 1 and not rows:
                continue  # a header
            raise DataError(path, f"not a number in row of {len(row)} cells", line) from None
        width = width or len(values)
        side = math.isqrt(width - 1)
        if len(values) != width or side * side != width - 1 or side < 2:
            raise DataError(path, f"expected a label and a square number of pixels, got {len(values)} cells", line)
        if not float(values[0]).is_integer() or values[0] < 0:
            raise DataError(path, f"label must be an integer >= 0, got {row[0]!r}", line)
        if not np.all(np.isfinite(values[1:])):
            raise DataError(path, "not a finite pixel value (nan or inf)", line)
        labels.append(int(values[0]))
        rows.append(values[1:])
    if not rows:
        raise DataError(path, "no rows")
    side = math.isqrt(width - 1)
    return np.asarray(rows, "float32").reshape(-1, side, side, 1), np.asarray(labels, "int32")


def read_class_folders(root, size, bad):
    """(images in [0, 255], labels, class names) of `root/<class>/...` image files (two classes at least)."""
    images, labels, names = read_folder(root, size, 3, bad)
    if len(names) < 2:
        raise DataError(root, f"expected a sub-folder per class (at least two), found {len(names)}")
    return images, labels, names


def raw_images(spec, kind, config, bad):
    """(images in [0, 255] at the run's size, labels, class names) of any format."""
    if kind == "digits":
        digits = load_digits()
        x = (digits.images[..., None] * (255.0 / 16.0)).astype("float32")
        y, names = digits.target.astype("int32"), [str(n) for n in range(10)]
    elif kind == "folder":
        return read_class_folders(spec, config.image_size or MAX_SIZE, bad)
    else:
        x, y = read_idx_pair(spec) if kind == "idx" else read_pixel_csv(spec)
        x = np.asarray(x, "float32").reshape(len(x), x.shape[1], x.shape[2], -1)
        names = [str(n) for n in range(int(y.max()) + 1)]
    if kind == "digits":
        size = (config.image_size or DIGITS_SIZE + 2 * DIGITS_BORDER) - 2 * DIGITS_BORDER
        border = ((0, 0), (DIGITS_BORDER, DIGITS_BORDER), (DIGITS_BORDER, DIGITS_BORDER), (0, 0))
        return np.pad(resize_images(x, size), border), y, names
    return resize_images(x, config.image_size or min(MAX_SIZE, x.shape[1])), y, names


def load_images(config):
    """Load, check and split the images `config.data` names (DataError on bad files)."""
    kind = detect_format(config.data)
    bad = BadInputs(config.skip_bad)
    x, y, names = raw_images(config.data, kind, config, bad)
    bad.summary()
    if len(x) < MIN_IMAGES or len(np.unique(y)) < 2:
        raise DataError(config.data or "digits", f"{len(x)} usable images of {len(np.unique(y))} classes; "
                                                 f"need at least {MIN_IMAGES} and two classes")
    x = np.clip(x / 255.0, 0.0, 1.0).astype("float32")
    train, validation, test = split_indices(y, (config.validation_fraction, config.test_fraction), config.seed)
    if config.max_train_samples:
        train = train[: config.max_train_samples]
    data = ImageSplit(x[train], y[train], x[validation], y[validation], x[test], y[test], names, kind)
    log.info("data: %s, %d classes, train/validation/test = %d/%d/%d images of %s", kind, len(names),
             len(train), len(validation), len(test), data.image_shape)
    return data
