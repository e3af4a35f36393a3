"""Augmentation of (image, mask) pairs, identical geometry on both.

`augment_pair`: a random horizontal flip and a random scale crop (a side
share of `scale`..1 of the image) resized back; `jitter_colours`: random
brightness, contrast and saturation (images only); `random_crop`: the
training crop of `crop` x `crop` pixels of a larger scaled image (the
fully convolutional models are then applied to whole images).
"""

from __future__ import annotations

import tensorflow as tf


def augment_pair(image, mask, seed, scale=0.75):
    """Random horizontal flip and crop (`scale`-100 %) resized back; same for both."""
    size = tf.shape(image)[:2]
    flip_seed, crop_seed = seed[0], seed[1]
    if tf.random.stateless_uniform([], seed=tf.stack([flip_seed, 0])) < 0.5:
        image, mask = tf.reverse(image, [1]), tf.reverse(mask, [1])
    share = tf.random.stateless_uniform([], seed=tf.stack([crop_seed, 1]), minval=scale, maxval=1.0)
    offset = tf.random.stateless_uniform([2], seed=tf.stack([crop_seed, 2]), minval=0.0, maxval=1.0 - share)
    box = tf.concat([offset, offset + share], axis=0)[None]
    image = tf.image.crop_and_resize(image[None], box, [0], size, method="bilinear")[0]
    mask = tf.image.crop_and_resize(tf.cast(mask[None, ..., None], tf.float32), box, [0], size,
                                    method="nearest")[0, ..., 0]
    return image, tf.cast(mask, tf.int32)


def jitter_colours(image, seed, strength):
    """Brightness, contrast and saturation changes of up to `strength` (image in [0, 255])."""
    image = image / 255.0
    image = tf.image.stateless_random_brightness(image, strength * 0.5, seed=tf.stack([seed[0], 3]))
    image = tf.image.stateless_random_contrast(image, 1.0 - strength, 1.0 + strength, seed=tf.stack([seed[0], 4]))
    image = tf.image.stateless_random_saturation(image, 1.0 - strength, 1.0 + strength,
                                                 seed=tf.stack([seed[0], 5]))
    return tf.clip_by_value(image, 0.0, 1.0) * 255.0


def random_crop(image, mask, seed, crop):
    """The same random crop x crop window of an image and its mask."""
    size = tf.shape(image)[:2]
    top = tf.random.stateless_uniform([], seed=tf.stack([seed[1], 6]), maxval=size[0] - crop + 1, dtype=tf.int32)
    left = tf.random.stateless_uniform([], seed=tf.stack([seed[1], 7]), maxval=size[1] - crop + 1, dtype=tf.int32)
    return image[top:top + crop, left:left + crop], mask[top:top + crop, left:left + crop]


def train_transform(augment, scale, jitter, crop):
    """(image, mask, seed) -> (image, mask): what the training pipeline applies."""

    def transform(image, mask, seed):
        if augment:
            image, mask = augment_pair(image, mask, seed, scale)
            if jitter > 0:
                image = jitter_colours(image, seed, jitter)
        if crop:
            image, mask = random_crop(image, mask, seed, crop)
        return image, mask

    return transform
