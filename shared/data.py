"""Data helpers: reading and checking image files, splits, tf.data pipelines.

Every input is checked before training. A bad file raises `DataError` naming
the file and the problem; with `skip_bad` the file is skipped, counted and
logged instead (`BadInputs`).
"""

from __future__ import annotations

import concurrent.futures
import csv
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf
from keras.utils import Progbar
from PIL import Image, UnidentifiedImageError
from sklearn.model_selection import train_test_split

from shared import limits
from shared.errors import DataError, UsageError
from shared.images import encode_png

Image.MAX_IMAGE_PIXELS = None  # the pixel limit of shared.limits governs, checked on each header

log = logging.getLogger("annsuite")

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


class BadInputs:
    """Raise on the first bad input, or (skip_bad) count and log each one."""

    def __init__(self, skip_bad=False):
        self.skip_bad = skip_bad
        self.skipped = []

    def report(self, error):
        if not self.skip_bad:
            raise error
        self.skipped.append(str(error))
        log.warning("skipped: %s", error)

    @property
    def count(self):
        return len(self.skipped)

    def summary(self):
        if self.skipped:
            log.warning("--skip-bad: %d bad input(s) skipped", self.count)
        return self.count


def utf8_text(path):
    """The file's text; bytes that are not UTF-8 raise DataError with their line."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise DataError(path, f"not UTF-8 text (byte 0x{raw[error.start]:02x})", line) from None


def csv_rows(text, path, delimiter=",", first_line=1):
    """(line number, row) of CSV/TSV `text`, every row checked before it is used.

    A line longer than the `line_chars` limit, an unbalanced quote (Python's
    csv module would otherwise merge the rows below it, or stop with its
    field-size error) and a NUL byte are a DataError naming the file and the
    line where the bad row starts."""
    limit = limits.get("line_chars")
    csv.field_size_limit(max(limit, 1 << 17))
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines, start=first_line):
        if len(line) > limit:
            raise limits.LimitError(path, "line_chars", len(line), line=number)
    reader = csv.reader(lines, delimiter=delimiter)
    start = first_line
    try:
        for row in reader:
            end = first_line + reader.line_num - 1
            if end != start:
                raise DataError(path, "unbalanced quote: this row runs over several lines", line=start)
            yield start, row
            start = end + 1
    except csv.Error as error:
        raise DataError(path, f"cannot read the row: {error}", line=first_line + reader.line_num - 1) from None


def is_image_file(path):
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def read_image(path, channels=3):
    """Read an image file as a uint8 array of shape (H, W, channels).

    Grayscale, palette, RGB and RGBA files all convert (alpha is dropped).

    Raises:
        DataError: empty, not an image, over the pixel limit, truncated or otherwise corrupt.
    """
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise DataError(path, "empty file (0 bytes)")
        with Image.open(path) as image:
            limits.check_pixels(*image.size, path)  # on the header, before decoding
            image.load()
            if image.mode in ("P", "LA", "PA") or "transparency" in image.info:
                image = image.convert("RGBA")
            array = np.asarray(image.convert("L" if channels == 1 else "RGB"))
    except Image.DecompressionBombError:
        raise DataError(path, "image header declares too many pixels (raise it with --limit pixels=N)") from None
    except UnidentifiedImageError:
        raise DataError(path, "not an image (unknown or damaged format)") from None
    except (OSError, SyntaxError, ValueError) as error:
        problem = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataError(path, f"unreadable image: {problem}") from None
    return array[..., None] if channels == 1 else array


def resize_images(images, size):
    """Resize a batch (N, H, W, C) or one image to (size, size), bilinear.

    The same TensorFlow op serves the exported model, so training and
    serving see identical pixels.
    """
    images = np.asarray(images, dtype="float32")
    if images.shape[-3:-1] == (size, size):
        return images
    return tf.image.resize(images, (size, size), method="bilinear").numpy()


def read_images(paths, size, channels, bad, workers=None):
    """Read and resize image files in parallel; returns (array, kept paths)."""
    paths = list(paths)
    workers = workers or min(8, (os.cpu_count() or 2) * 2)
    progress = Progbar(len(paths), unit_name="image") if len(paths) > 2000 else None
    images, kept = [], []

    def load(path):
        try:
            return resize_images(read_image(path, channels), size), None
        except DataError as error:
            return None, error

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for index, (path, (image, error)) in enumerate(zip(paths, pool.map(load, paths))):
            if progress is not None and index % 200 == 0:
                progress.update(index)
            if error is not None:
                bad.report(error)
                continue
            images.append(image)
            kept.append(path)
    shape = (0, size, size, channels)
    return (np.stack(images) if images else np.zeros(shape, "float32")), kept


def split_indices(labels, fractions, seed, stratify=True):
    """Deterministic train/validation/test index split.

    Args:
        labels: one label per example (used to stratify).
        fractions: (validation fraction, test fraction) of the whole.
        seed: the split's random seed.

    Returns:
        (train, validation, test) index arrays.
    """
    labels = np.asarray(labels)
    indices = np.arange(len(labels))
    validation_fraction, test_fraction = fractions

    def can_stratify(subset, fraction):
        counts = np.bincount(labels[subset]) if len(subset) else np.array([0])
        return stratify and counts[counts > 0].min() >= 2 and fraction * len(subset) >= len(counts[counts > 0])

    strat = labels if can_stratify(indices, test_fraction) else None
    rest, test = train_test_split(indices, test_size=test_fraction, random_state=seed, stratify=strat)
    relative = validation_fraction / (1.0 - test_fraction)
    strat = labels[rest] if can_stratify(rest, relative) else None
    train, validation = train_test_split(rest, test_size=relative, random_state=seed + 1, stratify=strat)
    return np.sort(train), np.sort(validation), np.sort(test)


def make_dataset(x, y, batch_size, shuffle=False, seed=0):
    """An in-memory tf.data pipeline: (shuffle), batch, prefetch."""
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def list_input_files(specs, wanted=is_image_file):
    """Files named on a command line, folders expanded (sorted, recursive).

    Raises:
        UsageError: a path that does not exist, or nothing to read.
    """
    files = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and wanted(p)))
        elif path.exists():
            files.append(path)
        else:
            raise UsageError(f"{spec}: no such file or folder")
    if not files:
        raise UsageError(f"no input files in {', '.join(map(str, specs))}")
    return files


@dataclass
class Splits:
    """Train, validation and test arrays (inputs x, targets y) of a data set.

    Apps subclass it to add what their data carries (class names, source).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def read_image_files(specs, channels, skip_bad=False):
    """Image files (folders expanded) as PNG bytes of their decoded pixels: (bytes, kept paths).

    Every file is decoded and checked here (PIL reads formats TensorFlow's
    decoder does not, e.g. TIFF and WebP); the lossless PNG re-encoding is
    what a model that decodes its own inputs (`shared.layers.DecodeImages`)
    receives, so it sees exactly the pixels training saw.
    """
    bad = BadInputs(skip_bad)
    encoded, kept = [], []
    for path in list_input_files(specs):
        try:
            encoded.append(encode_png(read_image(path, channels)))
        except DataError as error:
            bad.report(error)
            continue
        kept.append(path)
    bad.summary()
    return np.array(encoded, dtype=object), kept
