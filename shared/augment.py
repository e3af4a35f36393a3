"""Batch image augmentation for tf.data pipelines (training only).

Every function takes a batch of float images (B, H, W, C) in [0, 255] and
returns a batch of the same shape and range; each image gets its own random
draw. The recipe small photo data sets train with from scratch (the
Inception/ResNet random-resized crop, colour jitter, horizontal flips) and
the two label-mixing regularisers (mixup, Zhang et al. 2018; CutMix, Yun et
al. 2019), which take one-hot labels.

Example:
```python
augment = photo_augmenter(strength=1.0, flip=True)
train = train.map(augment, num_parallel_calls=tf.data.AUTOTUNE)  # batched (images, one-hot labels)
```
"""

from __future__ import annotations

import math

import tensorflow as tf

LUMA = (0.299, 0.587, 0.114)


def _uniform(batch, low, high, rank=1):
    return tf.random.uniform([batch] + [1] * (rank - 1), low, high)


def random_resized_crop(images, scale=(0.25, 1.0), ratio=(3 / 4, 4 / 3)):
    """A random box of `scale` of the area and `ratio` aspect per image, resized back to (H, W)."""
    shape = tf.shape(images)
    batch = shape[0]
    area = _uniform(batch, scale[0], scale[1])
    aspect = tf.exp(_uniform(batch, math.log(ratio[0]), math.log(ratio[1])))
    height = tf.minimum(tf.sqrt(area / aspect), 1.0)
    width = tf.minimum(tf.sqrt(area * aspect), 1.0)
    top = _uniform(batch, 0.0, 1.0) * (1.0 - height)
    left = _uniform(batch, 0.0, 1.0) * (1.0 - width)
    boxes = tf.stack([top, left, top + height, left + width], axis=1)
    cropped = tf.image.crop_and_resize(images, boxes, tf.range(batch), shape[1:3])
    return tf.ensure_shape(cropped, images.shape)


def random_flip(images):
    """Mirror each image left-right with probability 1/2."""
    flip = _uniform(tf.shape(images)[0], 0.0, 1.0, rank=4) < 0.5
    return tf.where(flip, tf.reverse(images, axis=[2]), images)


def colour_jitter(images, brightness=0.2, contrast=0.2, saturation=0.2):
    """Random brightness (a fraction of 255), contrast and saturation factors in [1 - f, 1 + f]."""
    batch = tf.shape(images)[0]
    x = images + _uniform(batch, -brightness, brightness, rank=4) * 255.0
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    x = (x - mean) * _uniform(batch, 1.0 - contrast, 1.0 + contrast, rank=4) + mean
    if images.shape[-1] == 3:
        grey = tf.reduce_sum(x * tf.constant(LUMA, x.dtype), axis=-1, keepdims=True)
        x = (x - grey) * _uniform(batch, 1.0 - saturation, 1.0 + saturation, rank=4) + grey
    return tf.clip_by_value(x, 0.0, 255.0)


def _beta(alpha):
    """One draw of Beta(alpha, alpha) (two gamma draws)."""
    first = tf.random.gamma([], alpha)
    second = tf.random.gamma([], alpha)
    return first / (first + second)


def mixup(images, labels, alpha=0.2):
    """Blend each example with a shuffled partner: lam * a + (1 - lam) * b, labels alike."""
    weight = _beta(alpha)
    order = tf.random.shuffle(tf.range(tf.shape(images)[0]))
    mixed = weight * images + (1.0 - weight) * tf.gather(images, order)
    return mixed, weight * labels + (1.0 - weight) * tf.gather(labels, order)


def cutmix(images, labels, alpha=1.0):
    """Paste a random box of a shuffled partner; labels mixed by the pasted area."""
    shape = tf.shape(images)
    height, width = shape[1], shape[2]
    side = tf.sqrt(1.0 - _beta(alpha))
    box_h = tf.cast(tf.round(side * tf.cast(height, tf.float32)), tf.int32)
    box_w = tf.cast(tf.round(side * tf.cast(width, tf.float32)), tf.int32)
    top = tf.random.uniform([], 0, height - box_h + 1, tf.int32)
    left = tf.random.uniform([], 0, width - box_w + 1, tf.int32)
    rows = tf.logical_and(tf.range(height) >= top, tf.range(height) < top + box_h)
    cols = tf.logical_and(tf.range(width) >= left, tf.range(width) < left + box_w)
    inside = tf.logical_and(rows[:, None], cols[None, :])[None, :, :, None]
    order = tf.random.shuffle(tf.range(shape[0]))
    mixed = tf.where(inside, tf.gather(images, order), images)
    pasted = tf.cast(box_h * box_w, tf.float32) / tf.cast(height * width, tf.float32)
    return mixed, (1.0 - pasted) * labels + pasted * tf.gather(labels, order)


def photo_augmenter(strength=1.0, flip=True, crops=True, mix=None):
    """(images, one-hot labels) -> augmented batch: crops, flips, colour jitter, then mixup/cutmix.

    Args:
        strength: scales the jitter factors and the smallest crop (1.0: crops of
            25-100% of the area, jitter of +-0.2); 0 leaves images as they are.
        flip: horizontal flips (off for data whose mirror image is another class).
        crops: random resized crops.
        mix: None, "mixup" or "cutmix".
    """
    if strength < 0 or mix not in (None, "mixup", "cutmix"):
        raise ValueError(f"strength must be >= 0 and mix None, 'mixup' or 'cutmix'; got {strength!r}, {mix!r}")
    smallest = max(0.08, 1.0 - 0.75 * strength)
    jitter = 0.2 * strength

    def augment(images, labels):
        if crops and strength > 0:
            images = random_resized_crop(images, scale=(smallest, 1.0))
        if flip:
            images = random_flip(images)
        if jitter > 0:
            images = colour_jitter(images, jitter, jitter, jitter)
        if mix == "mixup":
            return mixup(images, labels)
        if mix == "cutmix":
            return cutmix(images, labels)
        return images, labels

    return augment
