"""Detector data: generated scenes by default, VOC/COCO/CSV files otherwise.

`load_data(config)` returns a `DetectionData` with deterministic train,
validation and test splits; every annotation and image has been checked
before it returns. Images are float32 in [0, 255], resized (stretched) to
`image_size` squares; boxes are xyxy pixels of the resized image.
`make_dataset` turns a split into tf.data batches of images and anchor
targets (augmented for training).
"""

from __future__ import annotations

import concurrent.futures
import logging
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from apps.detector import formats, layouts, scenes
from apps.detector.augment import random_augment
from apps.detector.boxes import encode_targets
from shared.data import BadInputs, read_image, resize_images, split_indices
from shared.errors import DataError, UsageError
from shared.images import encode_png

log = logging.getLogger("annsuite")

DEFAULT_SIZE = {"scenes": 64, "files": 128}


@dataclass
class Examples:
    """Images (N, S, S, 3) with per-image boxes (n, 4) and class ids (n,)."""

    images: np.ndarray
    boxes: list
    classes: list
    names: list  # file names (or scene numbers)

    def __len__(self):
        return len(self.images)

    def take(self, indices):
        return Examples(self.images[indices], [self.boxes[i] for i in indices],
                        [self.classes[i] for i in indices], [self.names[i] for i in indices])


@dataclass
class DetectionData:
    train: Examples
    validation: Examples
    test: Examples
    class_names: list
    source: str
    skipped: int = 0

    @property
    def image_size(self):
        return int(self.train.images.shape[1])


def image_size_for(config, source):
    return config.image_size or DEFAULT_SIZE[source]


def load_data(config):
    """All splits of the configured data set (validated)."""
    if config.data:
        examples, class_names, skipped = load_files(config.data, image_size_for(config, "files"),
                                                    config.class_list, config.skip_bad)
        source = "files"
    else:
        size = image_size_for(config, "scenes")
        images, boxes, classes = scenes.generate_scenes(config.num_scenes, size, config.seed)
        examples = Examples(images, boxes, classes, [f"scene-{i:05d}" for i in range(len(images))])
        class_names, skipped, source = list(scenes.CLASS_NAMES), 0, "scenes"
    train, validation, test = split_indices(np.zeros(len(examples), "int32"),
                                            (config.validation_fraction, config.test_fraction),
                                            config.seed, stratify=False)
    if config.max_train_samples:
        train = train[: config.max_train_samples]
    data = DetectionData(examples.take(train), examples.take(validation), examples.take(test),
                         class_names, source, skipped)
    log.info("%s data: %d train, %d validation, %d test images of %d px, classes %s",
             source, len(train), len(validation), len(test), data.image_size, ", ".join(class_names))
    return data


def load_files(path, size, class_names=None, skip_bad=False):
    """Read and check a VOC/COCO/CSV data set: (Examples, class names, skipped)."""
    bad = BadInputs(skip_bad)
    records = formats.read_records(path, bad)
    names = sorted({n for r in records for n in r.names if n}) if class_names is None else list(class_names)
    known = set(names)
    loaded = read_all(records, size, known, bad)
    bad.summary()
    kept = [item for item in loaded if item is not None]
    if len(kept) < 3:
        raise DataError(path, f"only {len(kept)} usable annotated image(s); at least 3 are needed")
    images = np.stack([item[0] for item in kept])
    index = {name: i for i, name in enumerate(names)}
    classes = [np.asarray([index[n] for n in item[2]], "int32") for item in kept]
    examples = Examples(images, [item[1] for item in kept], classes, [str(item[3]) for item in kept])
    return examples, names, bad.count


def read_all(records, size, known, bad):
    """Read every record's image in parallel threads; None for a bad one."""

    def load(record):
        try:
            return load_record(record, size, known)
        except DataError as error:
            return error

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(load, records))
    loaded = []
    for result in results:
        if isinstance(result, DataError):
            bad.report(result)
            loaded.append(None)
        else:
            loaded.append(result)
    return loaded


def load_record(record, size, known):
    """(image resized, boxes scaled, names, path) of one checked record."""
    unknown = sorted({n for n in record.names if n and n not in known})
    if unknown:
        raise DataError(record.source, f"{record.image.name}: unknown class name(s) {', '.join(unknown)}",
                        line=record.line)
    if not layouts.is_file(record.image):
        raise DataError(record.source, f"image {record.image} not found", line=record.line)
    image = read_image(record.image, 3)
    height, width = image.shape[:2]
    boxes = formats.check_boxes(record, width, height)
    scale = np.array([size / width, size / height, size / width, size / height], "float32")
    return resize_images(image, size), boxes * scale, list(record.names), record.image


def read_inputs(paths, bad):
    """Image files for predict: (PNG bytes of their decoded pixels, the uint8 images, kept paths).

    PIL reads and checks every file (also formats TensorFlow's decoder does
    not); model.keras decodes the lossless PNG, so it sees those pixels.
    """
    encoded, originals, kept = [], [], []
    for path in paths:
        try:
            image = read_image(path, 3)
        except DataError as error:
            bad.report(error)
            continue
        encoded.append(encode_png(image))
        originals.append(image)
        kept.append(path)
    if not encoded:
        raise UsageError("no readable input images")
    return encoded, originals, kept


def padded(examples, max_boxes=None):
    """Boxes (N, M, 4) and classes (N, M, -1 padding) plus counts (N,)."""
    counts = np.array([len(b) for b in examples.boxes], "int32")
    width = max(int(counts.max(initial=0)), max_boxes or 1, 1)
    boxes = np.zeros((len(examples), width, 4), "float32")
    classes = np.full((len(examples), width), -1, "int32")
    for i, (b, c) in enumerate(zip(examples.boxes, examples.classes)):
        boxes[i, : len(b)] = b
        classes[i, : len(c)] = c
    return boxes, classes, counts


def make_dataset(examples, anchors, config, training=False):
    """(images, {"boxes", "classes"} targets) batches; augmented when training."""
    boxes, classes, counts = padded(examples)
    anchors = tf.constant(anchors)
    dataset = tf.data.Dataset.from_tensor_slices((examples.images, boxes, classes, counts))
    if training:
        dataset = dataset.shuffle(len(examples), seed=config.seed, reshuffle_each_iteration=True)
        seeds = tf.data.Dataset.random(seed=config.seed).batch(2)
        dataset = tf.data.Dataset.zip(dataset, seeds)

    def prepare(item, seed=None):
        image, image_boxes, image_classes, count = item
        image_boxes, image_classes = image_boxes[:count], image_classes[:count]
        if seed is not None and config.augment:
            image, image_boxes, image_classes = random_augment(image, image_boxes, image_classes, seed)
        targets = encode_targets(anchors, image_boxes, image_classes, config.positive_iou, config.negative_iou)
        return image, targets

    mapper = (lambda item, seed: prepare(item, seed)) if training else (lambda *item: prepare(item))
    dataset = dataset.map(mapper, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(config.batch_size).prefetch(tf.data.AUTOTUNE)
