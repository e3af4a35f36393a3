"""Classifier data: the digits default, image folders, MNIST IDX files.

`load_data(config)` returns an `ImageData` with deterministic train,
validation and test splits; every file has been read and checked.

Formats, detected from `--data`:
- absent or `digits`: scikit-learn's handwritten digits (1,797 real 8x8
  scans, shipped in the dependency), up-sampled to `image_size`.
- a folder per class, `root/<class>/*.png|jpg|...`, optionally under
  `train/`, `val/` (or `validation/`) and `test/`.
- MNIST/Fashion-MNIST IDX: a folder (or the images file) with
  `*-images-idx3-ubyte[.gz]` and the matching `*-labels-idx1-ubyte[.gz]`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image
from sklearn.datasets import load_digits as sklearn_digits
from sklearn.model_selection import train_test_split

from shared.data import (
    BadInputs,
    Splits,
    is_image_file,
    list_input_files,
    read_image,
    read_images,
    resize_images,
    split_indices,
)
from shared.errors import DataError, UsageError
from shared.idx import idx_files, read_idx_pair
from shared.image_folders import read_folder

log = logging.getLogger("annsuite")

SPLIT_NAMES = {"train": "train", "val": "validation", "validation": "validation", "test": "test"}
DEFAULT_SIZE = {"digits": 16, "idx": 28, "folder": 96}


@dataclass
class ImageData(Splits):
    """Images in [0, 255] as float32 (N, H, W, C) and integer labels."""

    class_names: list
    source: str
    skipped: int = 0

    @property
    def image_shape(self):
        return tuple(self.x_train.shape[1:])


def detect_format(spec):
    """'digits', 'idx' or 'folder' for a --data value (raises UsageError)."""
    if spec in (None, "", "digits"):
        return "digits"
    path = Path(spec)
    if not path.exists():
        raise UsageError(f"--data {spec}: no such file or folder")
    if idx_files(path):
        return "idx"
    if path.is_dir():
        return "folder"
    raise UsageError(f"--data {spec}: expected a folder of class folders or MNIST IDX files")


def scan_folder(root, sample=64):
    """A cheap look at an image folder: {"images", "classes", "median_side", "colour"}.

    Counts the training images and reads the headers (not the pixels) of up
    to `sample` of them, spread over the classes; unreadable files are left
    for `load_data` to report.
    """
    root = split_folders(root).get("train", Path(root))
    folders = [p for p in sorted(Path(root).iterdir()) if p.is_dir() and not p.name.startswith(".")]
    files = sorted(p for folder in folders for p in folder.rglob("*") if p.is_file() and is_image_file(p))
    sides, colour = [], 0
    for path in files[:: max(1, len(files) // sample)][:sample]:
        try:
            with Image.open(path) as image:
                sides.append(min(image.size))
                colour += image.mode not in ("L", "1", "I", "I;16", "F")
        except (OSError, SyntaxError, ValueError):
            continue
    return {"images": len(files), "classes": len(folders),
            "median_side": int(np.median(sides)) if sides else 0,
            "colour": bool(sides) and colour * 2 > len(sides)}


def load_idx(path, size):
    images, labels = read_idx_pair(path)
    x = resize_images(images[..., None].astype("float32"), size)
    names = [str(i) for i in range(int(labels.max()) + 1)]
    return x, labels, names


def load_digits(size):
    digits = sklearn_digits()
    x = (digits.images[..., None] * (255.0 / 16.0)).astype("float32")
    return resize_images(x, size), digits.target.astype("int32"), [str(n) for n in range(10)]


def split_folders(root):
    """{split name: folder} when `root` has train/val/test sub-folders."""
    found = {SPLIT_NAMES[p.name]: p for p in Path(root).iterdir() if p.is_dir() and p.name in SPLIT_NAMES}
    return found if "train" in found else {}


def preset_shape(preset):
    """(size, channels) a local preset folder's backbone expects, or (None, None)."""
    path = Path(preset or "") / "config.json"
    if not preset or not path.is_file():
        return None, None
    shape = json.loads(path.read_text(encoding="utf-8")).get("config", {}).get("image_shape") or [None] * 3
    return shape[0], shape[-1]


def resolve_shape(config, kind):
    """(image size, channels) from the config, a preset folder, and the data's kind."""
    preset_size, preset_channels = preset_shape(config.preset)
    size = config.image_size or preset_size or DEFAULT_SIZE[kind]
    default_channels = 1 if kind in ("digits", "idx") and not config.pretrained else 3
    return size, config.channels or preset_channels or default_channels


def to_channels(x, channels):
    if x.shape[-1] == channels:
        return x
    return np.repeat(x, channels, axis=-1) if channels == 3 else x.mean(axis=-1, keepdims=True)


def load_arrays(config, kind, size, channels, bad):
    """All examples of an unsplit source: (x, y, class names)."""
    if kind == "digits":
        x, y, names = load_digits(size)
    elif kind == "idx":
        x, y, names = load_idx(config.data, size)
    else:
        x, y, names = read_folder(config.data, size, channels, bad)
    return to_channels(x, channels), y, names


def load_data(config):
    """Load, check and split the data the config names."""
    kind = detect_format(config.data)
    size, channels = resolve_shape(config, kind)
    bad = BadInputs(config.skip_bad)
    splits = split_folders(config.data) if kind == "folder" else {}
    if splits:
        data = load_split_folders(splits, size, channels, config, bad)
    else:
        x, y, names = load_arrays(config, kind, size, channels, bad)
        if len(x) < 10:
            raise DataError(config.data or "digits", f"only {len(x)} usable images; need at least 10")
        train, val, test = split_indices(y, (config.validation_fraction, config.test_fraction), config.seed)
        data = ImageData(x[train], y[train], x[val], y[val], x[test], y[test], names, kind)
    if config.max_train_samples:
        data.x_train = data.x_train[: config.max_train_samples]
        data.y_train = data.y_train[: config.max_train_samples]
    data.skipped = bad.summary()
    log.info("data: %s, %d classes, train/validation/test = %d/%d/%d images of %s",
             kind, len(data.class_names), len(data.y_train), len(data.y_val), len(data.y_test),
             data.image_shape)
    return data


def load_split_folders(splits, size, channels, config, bad):
    """Use the train/val/test folders as given; split what is missing.

    With `train/` and `val/` only (the usual layout of downloaded photo sets),
    `val/` is the held-out test split and the validation split (early
    stopping, best checkpoint) comes out of `train/`: the test split must
    not pick the checkpoint it scores.
    """
    x, y, names = read_folder(splits["train"], size, channels, bad)
    parts = {}
    for split in ("validation", "test"):
        if split in splits:
            parts[split] = read_folder(splits[split], size, channels, bad, class_names=names)[:2]
    if "test" not in parts and "validation" in parts:
        parts["test"] = parts.pop("validation")
        log.info("data: %s/ is the held-out test split; validation comes from %s/",
                 splits["validation"].name, splits["train"].name)
    if "test" not in parts:
        train, val, test = split_indices(y, (config.validation_fraction, config.test_fraction), config.seed)
        parts["test"] = (x[test], y[test])
    elif "validation" not in parts:
        train, val = carve(y, config.validation_fraction, config.seed)
    else:
        train, val = np.arange(len(y)), np.arange(0)
    parts.setdefault("validation", (x[val], y[val]))
    return ImageData(x[train], y[train], *parts["validation"], *parts["test"], names, "folder")


def carve(labels, fraction, seed):
    """(train, validation) indices: `fraction` of `labels` held out, stratified where it can be."""
    indices = np.arange(len(labels))
    counts = np.bincount(labels) if len(labels) else np.array([0])
    stratify = labels if counts[counts > 0].min() >= 2 and fraction * len(labels) >= len(counts[counts > 0]) else None
    train, validation = train_test_split(indices, test_size=fraction, random_state=seed + 1, stratify=stratify)
    return np.sort(train), np.sort(validation)


def one_hot_pipeline(x, y, num_classes, batch_size, shuffle=False, seed=0, augment=None):
    """(images, one-hot labels) batches: (shuffle), batch, (augment each batch), prefetch."""
    labels = np.eye(num_classes, dtype="float32")[np.asarray(y, "int64")]
    dataset = tf.data.Dataset.from_tensor_slices((x, labels))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if augment is not None:
        dataset = dataset.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def load_eval_data(config, spec, class_names):
    """Every image at `spec` (same format rules) as one test set."""
    kind = detect_format(spec)
    size, channels = resolve_shape(config, kind)
    bad = BadInputs(config.skip_bad)
    if kind == "folder":
        x, y, _ = read_folder(spec, size, channels, bad, class_names=class_names)
    else:
        x, y, _ = load_arrays(dataclasses.replace(config, data=spec), kind, size, channels, bad)
    bad.summary()
    return to_channels(x, channels), y


def read_inputs(paths, size, channels, skip_bad):
    """Image files (folders expanded) for predict/explain: (array, paths)."""
    bad = BadInputs(skip_bad)
    images, kept = read_images(list_input_files(paths), size, channels, bad)
    bad.summary()
    return images, kept


__all__ = ["ImageData", "load_data", "load_eval_data", "read_inputs", "read_image"]
