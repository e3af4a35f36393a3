"""Augmentation that keeps boxes right: flip, scale/crop, colour (TensorFlow).

Each transform is a plain function of explicit parameters (so the tests
can check a known box after it); `random_augment` draws the parameters
from a stateless seed, so a run's augmentation is reproducible.
Images are (S, S, 3) float32 in [0, 255]; boxes (n, 4) xyxy pixels.
"""

from __future__ import annotations

import tensorflow as tf

MIN_VISIBLE = 0.5  # a cropped box survives if this fraction of it stays visible
SCALE_RANGE = (0.75, 1.3)  # window side / image side: < 1 zooms in, > 1 zooms out


def flip_horizontal(image, boxes):
    size = tf.cast(tf.shape(image)[1], tf.float32)
    flipped = tf.stack([size - boxes[:, 2], boxes[:, 1], size - boxes[:, 0], boxes[:, 3]], axis=1)
    return tf.reverse(image, axis=[1]), flipped


def scale_crop(image, boxes, classes, window, top, left):
    """View a `window` x `window` square at (top, left) of the image, resized
    back to the image's size; `window` larger than the image pads it with the
    image's mean colour (zoom out, top/left then negative).

    Boxes are shifted, clipped and scaled with the pixels; a box with less
    than MIN_VISIBLE of its area left in the window is dropped.
    """
    size = tf.shape(image)[0]
    pad_before = tf.maximum(-top, 0), tf.maximum(-left, 0)
    pad_after = (tf.maximum(top + window - size, 0), tf.maximum(left + window - size, 0))
    mean = tf.reduce_mean(image, axis=[0, 1])
    canvas = tf.pad(image - mean, [[pad_before[0], pad_after[0]], [pad_before[1], pad_after[1]], [0, 0]]) + mean
    y0, x0 = top + pad_before[0], left + pad_before[1]
    crop = canvas[y0: y0 + window, x0: x0 + window]
    resized = tf.image.resize(crop, tf.stack([size, size]), method="bilinear")
    offset = tf.cast(tf.stack([left, top, left, top]), tf.float32)
    shifted = boxes - offset
    clipped = tf.clip_by_value(shifted, 0.0, tf.cast(window, tf.float32))
    area = (shifted[:, 2] - shifted[:, 0]) * (shifted[:, 3] - shifted[:, 1])
    visible = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    keep = visible >= MIN_VISIBLE * area
    scale = tf.cast(size, tf.float32) / tf.cast(window, tf.float32)
    return resized, tf.boolean_mask(clipped, keep) * scale, tf.boolean_mask(classes, keep)


def colour_jitter(image, brightness, contrast, saturation):
    """Shift brightness (levels), scale contrast and saturation; boxes unchanged."""
    mean = tf.reduce_mean(image)
    image = (image - mean) * contrast + mean + brightness
    grey = tf.reduce_mean(image, axis=-1, keepdims=True)
    image = grey + (image - grey) * saturation
    return tf.clip_by_value(image, 0.0, 255.0)


def random_augment(image, boxes, classes, seed):
    """All three transforms with parameters drawn from `seed` (shape (2,) int)."""
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 8)
    size = tf.shape(image)[0]
    if_flip = tf.random.stateless_uniform([], seeds[0]) < 0.5
    image, boxes = tf.cond(if_flip, lambda: flip_horizontal(image, boxes), lambda: (image, boxes))
    low, high = (tf.cast(tf.cast(size, tf.float32) * s, tf.int32) for s in SCALE_RANGE)
    window = tf.random.stateless_uniform([], seeds[1], low, high + 1, dtype=tf.int32)
    span = size - window  # negative when zooming out
    lo, hi = tf.minimum(span, 0), tf.maximum(span, 0) + 1
    top = tf.random.stateless_uniform([], seeds[2], lo, hi, dtype=tf.int32)
    left = tf.random.stateless_uniform([], seeds[3], lo, hi, dtype=tf.int32)
    image, boxes, classes = scale_crop(image, boxes, classes, window, top, left)
    image = colour_jitter(image, tf.random.stateless_uniform([], seeds[4], -30.0, 30.0),
                          tf.random.stateless_uniform([], seeds[5], 0.7, 1.3),
                          tf.random.stateless_uniform([], seeds[6], 0.6, 1.4))
    return image, boxes, classes
