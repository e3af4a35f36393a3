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
from apps.segmenter.config import parse_weights
from apps.segmenter.scenes import CLASS_NAMES, generate_scenes
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
    """Read, check and resize pairs in parallel: (images, masks)."""

    def load(pair):
        try:
            image, mask = formats.read_pair(*pair, layout)
            if num_classes is not None:
                check_values(pair[1], mask, num_classes, ignore_index)
            return resize_pair(image, mask, size), None
        except DataError as error:
            return None, error

    images, masks = [], []
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for result, error in pool.map(load, pairs):
            if error is not None:
                bad.report(error)
                continue
            images.append(result[0])
            masks.append(result[1])
    if not images:
        return np.zeros((0, size, size, 3), "float32"), np.zeros((0, size, size), "int32")
    return np.stack(images), np.stack(masks).astype("int32")


def infer_classes(masks, ignore_index):
    """Class names 0..max of the masks when the data names none."""
    values = np.unique(np.concatenate([np.unique(m) for m in masks]))
    values = values[values != (ignore_index if ignore_index is not None else -1)]
    if len(values) and values.min() < 0:
        raise DataError("masks", f"negative mask value {int(values.min())}")
    return [str(i) for i in range(int(values.max()) + 1 if len(values) else 1)]


def load_folder(config, size, bad):
    """Every split of a real data folder: ({split: (x, y)}, names, ignore)."""
    layout = formats.detect_layout(config.data)
    ignore = config.ignore_index if config.ignore_index is not None else layout.ignore_index
    splits = formats.list_pairs(config.data, layout, bad)
    if not any(splits.values()):
        raise DataError(config.data, "no image/mask pairs found")
    names = layout.class_names
    count = len(names) if names else None
    arrays = {split: read_split(pairs, layout, size, bad, count, ignore) for split, pairs in splits.items()}
    if names is None:
        names = infer_classes([y for _, y in arrays.values()], ignore)
    log.info("data: %s layout, %d classes%s", layout.kind, len(names),
             f", void {ignore}" if ignore is not None else "")
    return arrays, names, ignore, layout.kind


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
    else:
        if not Path(config.data).exists():
            raise UsageError(f"--data {config.data}: no such file or folder")
        arrays, names, ignore, source = load_folder(config, size, bad)
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
    data = SegData(*train, *val, *test, names, source, ignore, bad.summary())
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


def augment_pair(image, mask, seed):
    """Random horizontal flip and crop (75-100 %) resized back; same for both."""
    size = tf.shape(image)[0]
    flip_seed, crop_seed = seed[0], seed[1]
    if tf.random.stateless_uniform([], seed=tf.stack([flip_seed, 0])) < 0.5:
        image, mask = tf.reverse(image, [1]), tf.reverse(mask, [1])
    scale = tf.random.stateless_uniform([], seed=tf.stack([crop_seed, 1]), minval=0.75, maxval=1.0)
    offset = tf.random.stateless_uniform([2], seed=tf.stack([crop_seed, 2]), minval=0.0, maxval=1.0 - scale)
    box = tf.concat([offset, offset + scale], axis=0)[None]
    crop = tf.stack([size, size])
    image = tf.image.crop_and_resize(image[None], box, [0], crop, method="bilinear")[0]
    mask = tf.image.crop_and_resize(tf.cast(mask[None, ..., None], tf.float32), box, [0], crop,
                                    method="nearest")[0, ..., 0]
    return image, tf.cast(mask, tf.int32)


def make_dataset(x, y, batch_size, shuffle=False, seed=0, augment=False, weights=None, ignore_index=None):
    """tf.data pipeline of (image, mask[, pixel weights]) batches."""
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    if augment:
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        dataset = tf.data.Dataset.zip((dataset, seeds)).map(
            lambda pair, s: augment_pair(*pair, s), num_parallel_calls=tf.data.AUTOTUNE)
    if weights is not None:
        table = tf.constant(weights, tf.float32)

        def add_weights(image, mask):
            pixel = tf.gather(table, tf.clip_by_value(mask, 0, len(weights) - 1))
            if ignore_index is not None:
                pixel = tf.where(mask == ignore_index, 0.0, pixel)
            return image, mask, pixel

        dataset = dataset.map(add_weights, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
