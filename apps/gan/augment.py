"""Differentiable augmentation for GANs trained on few images (DiffAugment).

A discriminator that sees the same 1,400 digits epoch after epoch learns
them by heart; its verdict then stops telling the generator anything and
training falls apart (on the default data the FID turned upwards after
about 60 epochs). DiffAugment (Zhao et al., "Differentiable Augmentation
for Data-Efficient GAN Training", 2020) shows the discriminator every
image, real and generated, through the same random translation and cutout,
in the discriminator's step and in the generator's. Both are differentiable
with respect to the pixels (gathers and a mask), so the generator's
gradient flows through them, and because generated images are augmented
exactly as real ones are, the generator is not pushed to produce shifted
or cut images.

Images are NHWC in [-1, 1]; -1 (black) fills what a translation uncovers.
"""

from __future__ import annotations

import keras
import tensorflow as tf

TRANSLATION = 0.125  # largest shift, as a fraction of the side
CUTOUT = 0.5  # side of the erased square, as a fraction of the side


def translate(images, fraction, seed):
    """Shift each image by up to `fraction` of its size, in whole pixels."""
    height, width = images.shape[1], images.shape[2]
    reach_y, reach_x = max(1, round(height * fraction)), max(1, round(width * fraction))
    batch = tf.shape(images)[0]
    shift_y = keras.random.randint((batch,), -reach_y, reach_y + 1, seed=seed, dtype="int32")
    shift_x = keras.random.randint((batch,), -reach_x, reach_x + 1, seed=seed, dtype="int32")
    padded = tf.pad(images, [[0, 0], [reach_y, reach_y], [reach_x, reach_x], [0, 0]], constant_values=-1.0)
    rows = tf.range(height)[None, :] + reach_y - shift_y[:, None]
    cols = tf.range(width)[None, :] + reach_x - shift_x[:, None]
    shifted = tf.gather(padded, rows, axis=1, batch_dims=1)
    return tf.gather(shifted, cols, axis=2, batch_dims=1)


def cutout(images, fraction, seed):
    """Set a square of side `fraction` x size at a random place of each image to 0."""
    height, width = images.shape[1], images.shape[2]
    size_y, size_x = max(1, round(height * fraction)), max(1, round(width * fraction))
    batch = tf.shape(images)[0]
    top = keras.random.randint((batch,), 0, height - size_y + 1, seed=seed, dtype="int32")
    left = keras.random.randint((batch,), 0, width - size_x + 1, seed=seed, dtype="int32")
    rows = tf.range(height)[None, :] - top[:, None]
    cols = tf.range(width)[None, :] - left[:, None]
    inside_rows = (rows >= 0) & (rows < size_y)
    inside_cols = (cols >= 0) & (cols < size_x)
    erased = inside_rows[:, :, None] & inside_cols[:, None, :]
    return images * tf.cast(~erased, images.dtype)[..., None]


def diff_augment(images, seed, policy="translation,cutout"):
    """The augmentations named in `policy` ("translation,cutout", "translation", "cutout", "none")."""
    if "translation" in policy:
        images = translate(images, TRANSLATION, seed)
    if "cutout" in policy:
        images = cutout(images, CUTOUT, seed)
    return images
