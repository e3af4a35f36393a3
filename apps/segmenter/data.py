"""Segmenter data: generated scenes by default, or a folder in a real layout.

`load_data(config)` returns a `SegData` of images (float32 in [0, 255],
N x S x S x 3) and masks (int32 class ids, N x S x S) in deterministic
train, validation and test splits; every file has been read and checked
first. `make_dataset` builds the tf.data pipeline with augmentation applied
identically to image and mask.

The training size, when `image_size` is unset, is decided by the data
(`DEFAULT_SIZE` of `data_kind`); the App resolves it before loading and
records it in `config.json`.
"""

from __future__ import annotations

import concurrent.futures
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

from apps.segmenter import formats
from apps.segmenter import masks as masks_lib
from apps.segmenter.augment import train_transform
from apps.segmenter.config import parse_weights
from apps.segmenter.scenes import CLASS_NAMES, generate_scenes
from shared import limits
from shared.data import BadInputs, Splits, split_indices
from shared.errors import DataError, UsageError

log = logging.getLogger("annsuite")

DEFAULT_SIZE = {"scenes": 64, "real": 128}


def data_kind(spec):
    """"scenes" for the generated default data, "real" for a data folder."""
    return "scenes" if spec in (None, "", "scenes") else "real"


@dataclass
class SegData(Splits):
    """Images, masks and class names of the three splits."""

    class_names: list
    source: str
    ignore_index: int | None = None
    skipped: int = 0
    mask_values: list | None = None  # original mask value of each class (None: the ids themselves)
    mask_reason: str = ""

    @property
    def num_classes(self):
        return len(self.class_names)


def resize_pair(image, mask, size):
    """Resize an image (bilinear) and its mask (nearest) to size x size."""
    image = tf.image.resize(np.asarray(image, "float32"), (size, size), method="bilinear").numpy()
    mask = tf.image.resize(mask[..., None].astype("int32"), (size, size), method="nearest").numpy()[..., 0]
    return image, mask


def check_values(mask_path, mask, num_classes, ignore_index):
    """A mask value outside 0..num_classes-1 (other than the void) is bad."""
    values = np.unique(mask)
    outside = values[((values < 0) | (values >= num_classes)) & (values != (ignore_index if ignore_index is not None else -1))]
    if len(outside):
        raise DataError(mask_path, f"mask value {int(outside[0])} outside the class set 0..{num_classes - 1}"
                                   + (f" (void {ignore_index})" if ignore_index is not None else ""))


def read_split(pairs, layout, size, bad, num_classes, ignore_index):
    """Read, check and resize pairs in parallel: (images, masks, mask paths)."""

    def load(pair):
        try:
            image, mask = formats.read_pair(*pair, layout)
            if num_classes is not None:
                check_values(pair[1], mask, num_classes, ignore_index)
            return resize_pair(image, mask, size), None
        except DataError as error:
            return None, error

    images, masks, paths = [], [], []
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for pair, (result, error) in zip(pairs, pool.map(load, pairs), strict=True):
            if error is not None:
                bad.report(error)
                continue
            images.append(result[0])
            masks.append(result[1])
            paths.append(pair[1])
    if not images:
        return np.zeros((0, size, size, 3), "float32"), np.zeros((0, size, size), "int32"), []
    return np.stack(images), np.stack(masks).astype("int32"), paths


def map_values(arrays, paths, config, ignore):
    """Raw mask values -> compact ids in place: (class names, values, how they were found)."""
    masks = [mask for _, y in arrays.values() for mask in y]  # one per file, in the order of `files`
    files = [path for split in arrays for path in paths[split]]
    if config.mask_values:
        values, reason = masks_lib.parse_values(config.mask_values), "--mask-values"
    else:
        values, reason = masks_lib.infer_values(masks, files, ignore)
    limits.check("mask_classes", len(values), files[0] if files else config.data)
    for split, (x, y) in arrays.items():
        arrays[split] = (x, masks_lib.to_ids(y, values, ignore))
    return masks_lib.class_names(values), values, reason


def load_folder(config, size, bad):
    """Every split of a real data folder: ({split: (x, y)}, names, ignore, kind, mask values)."""
    layout = formats.detect_layout(config.data)
    ignore = config.ignore_index if config.ignore_index is not None else layout.ignore_index
    splits = formats.list_pairs(config.data, layout, bad)
    if not any(splits.values()):
        raise DataError(config.data, "no image/mask pairs found")
    names = [n.strip() for n in config.classes.split(",") if n.strip()] if config.classes else layout.class_names
    count = len(names) if names else None
    read = {split: read_split(pairs, layout, size, bad, count, ignore) for split, pairs in splits.items()}
    arrays = {split: (x, y) for split, (x, y, _) in read.items()}
    values = reason = None
    if names is None:
        names, values, reason = map_values(arrays, {split: p for split, (_, _, p) in read.items()}, config, ignore)
        log.info("mask values %s -> class ids 0..%d: %s", masks_lib.format_values(values), len(values) - 1, reason)
    log.info("data: %s layout, %d classes%s", layout.kind, len(names),
             f", void {ignore}" if ignore is not None else "")
    return arrays, names, ignore, layout.kind, (values, reason if values is not None else "")


def split_arrays(x, y, config):
    train, val, test = split_indices(np.zeros(len(x), "int32"),
                                     (config.validation_fraction, config.test_fraction), config.seed,
                                     stratify=False)
    return (x[train], y[train]), (x[val], y[val]), (x[test], y[test])


def load_data(config):
    """Load, check and split the data the config names."""
    size = config.image_size or DEFAULT_SIZE[data_kind(config.data)]
    bad = BadInputs(config.skip_bad)
    if data_kind(config.data) == "scenes":
        x, y = generate_scenes(config.scenes, size, seed=config.seed)
        arrays, names, ignore, source = {"all": (x, y)}, list(CLASS_NAMES), config.ignore_index, "scenes"
        values = (None, "")
    else:
        if not Path(config.data).exists():
            raise UsageError(f"--data {config.data}: no such file or folder")
        arrays, names, ignore, source, values = load_folder(config, size, bad)
    if "all" in arrays:
        if len(arrays["all"][0]) < 5:
            raise DataError(config.data or "scenes", f"only {len(arrays['all'][0])} usable pairs; need at least 5")
        train, val, test = split_arrays(*arrays["all"], config)
    else:
        train, val, test = arrays["train"], arrays.get("validation"), arrays.get("test")
        if val is None or test is None:
            train, split_val, split_test = split_arrays(*train, config)
            val = split_val if val is None else val
            test = split_test if test is None else test
    if config.max_train_samples:
        train = (train[0][: config.max_train_samples], train[1][: config.max_train_samples])
    data = SegData(*train, *val, *test, names, source, ignore, bad.summary(), *values)
    log.info("data: %s, %d classes, train/validation/test = %d/%d/%d images of %dx%d", source,
             data.num_classes, len(data.x_train), len(data.x_val), len(data.x_test), size, size)
    return data


def class_weights(config, data):
    """Per-class loss weights (None: unweighted)."""
    if config.class_weights == "none":
        return None
    if config.class_weights == "balanced":
        labels = data.y_train[(data.y_train >= 0) & (data.y_train < data.num_classes)]
        counts = np.bincount(labels.ravel(), minlength=data.num_classes).astype("float64")
        weights = counts.sum() / np.maximum(counts, 1) / data.num_classes
        return (weights / weights[counts > 0].mean()).astype("float32")
    weights = parse_weights(config.class_weights)
    if len(weights) != data.num_classes:
        raise UsageError(f"--class-weights: {len(weights)} weights for {data.num_classes} classes")
    return np.asarray(weights, "float32")


def make_dataset(x, y, batch_size, shuffle=False, seed=0, augment=False, weights=None, ignore_index=None,
                 crop=None, scale=0.75, jitter=0.0):
    """tf.data pipeline of (image, mask[, pixel weights]) batches; `crop`: random training crops."""
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    crop = crop if crop and crop < min(x.shape[1:3]) else None
    if augment or crop:
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        transform = train_transform(augment, scale, jitter, crop)
        dataset = tf.data.Dataset.zip((dataset, seeds)).map(
            lambda pair, s: transform(*pair, s), num_parallel_calls=tf.data.AUTOTUNE)
    if weights is not None:
        table = tf.constant(weights, tf.float32)

        def add_weights(image, mask):
            pixel = tf.gather(table, tf.clip_by_value(mask, 0, len(weights) - 1))
            if ignore_index is not None:
                pixel = tf.where(mask == ignore_index, 0.0, pixel)
            return image, mask, pixel

        dataset = dataset.map(add_weights, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
