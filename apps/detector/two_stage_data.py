"""tf.data batches for the two-stage detector: images, RPN targets and the true boxes.

Each element: (image, {"rpn_objectness": (A,), "rpn_boxes": (A, 5),
"true_boxes": (M, 4), "true_classes": (M,) -1 padding}), from `target_dataset` (which the
sliding-window model shares with its own targets). The RPN's anchor
mini-batch is sampled here (a fresh sample every epoch when training,
from the pipeline's seeds); the second stage samples its regions in the
training step, from the proposals of that step.
"""

from __future__ import annotations

import tensorflow as tf

from apps.detector.augment import random_augment
from apps.detector.data import padded
from apps.detector.rpn import rpn_targets

VALIDATION_SEED = (7, 11)


def pad_boxes(boxes, classes, width):
    """(n, 4), (n,) -> (width, 4), (width,) with class -1 padding (n <= width)."""
    extra = width - tf.shape(boxes)[0]
    boxes = tf.pad(tf.reshape(boxes, [-1, 4]), [[0, extra], [0, 0]])
    classes = tf.pad(tf.cast(classes, tf.int32), [[0, extra]], constant_values=-1)
    return tf.ensure_shape(boxes, (width, 4)), tf.ensure_shape(classes, (width,))


def target_dataset(examples, config, make_targets, training=False):
    """(images, targets) batches of an `Examples` split; augmented and reshuffled when training.

    `make_targets(boxes, classes, seed)` gives one image's targets (a dict)
    from its (augmented) boxes and a stateless seed for any sampling.
    """
    boxes, classes, counts = padded(examples)
    width = boxes.shape[1]
    dataset = tf.data.Dataset.from_tensor_slices((examples.images, boxes, classes, counts))
    if training:
        dataset = dataset.shuffle(len(examples), seed=config.seed, reshuffle_each_iteration=True)
    seeds = tf.data.Dataset.random(seed=config.seed).batch(2) if training else \
        tf.data.Dataset.from_tensors(tf.constant(VALIDATION_SEED, tf.int64)).repeat()
    dataset = tf.data.Dataset.zip(dataset, seeds)

    def prepare(item, seed):
        image, image_boxes, image_classes, count = item
        image_boxes, image_classes = image_boxes[:count], image_classes[:count]
        if training and config.augment:
            image, image_boxes, image_classes = random_augment(image, image_boxes, image_classes, seed)
        targets = make_targets(image_boxes, image_classes, tf.random.experimental.stateless_fold_in(seed, 1))
        targets["true_boxes"], targets["true_classes"] = pad_boxes(image_boxes, image_classes, width)
        return image, targets

    dataset = dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(config.batch_size).prefetch(tf.data.AUTOTUNE)


def two_stage_dataset(examples, anchors, config, training=False):
    """The two-stage model's batches: RPN targets of sampled anchors and the true boxes."""
    anchors = tf.constant(anchors)

    def make_targets(boxes, classes, seed):
        order = tf.random.stateless_uniform([anchors.shape[0]], seed)
        return rpn_targets(anchors, boxes, order, config.rpn_samples)

    return target_dataset(examples, config, make_targets, training)
