"""DiffAugment: translation and cutout, differentiable, applied alike to real and fake."""

import keras
import numpy as np
import tensorflow as tf

from apps.gan.augment import cutout, diff_augment, translate


def dot_images(batch=32, size=16):
    """Black images (-1) with one white pixel in the middle."""
    images = -np.ones((batch, size, size, 1), "float32")
    images[:, size // 2, size // 2] = 1.0
    return images


def test_translation_moves_the_content_by_at_most_its_reach_and_fills_with_black():
    images = dot_images()
    shifted = translate(tf.constant(images), 0.125, keras.random.SeedGenerator(0)).numpy()
    assert shifted.shape == images.shape
    assert set(np.unique(shifted)) == {-1.0, 1.0}
    where = np.argwhere(shifted[..., 0] == 1.0)  # (batch, row, col), one per image
    assert len(where) == len(images)
    offsets = where[:, 1:] - 8
    assert np.abs(offsets).max() <= 2 and len({tuple(o) for o in offsets}) > 5  # shifts vary


def test_cutout_erases_one_square_of_the_given_side():
    ones = tf.ones((16, 16, 16, 1))
    erased = cutout(ones, 0.5, keras.random.SeedGenerator(1)).numpy()
    assert ((erased == 0).sum(axis=(1, 2, 3)) == 64).all()
    rows = np.flatnonzero((erased[0, ..., 0] == 0).any(axis=1))
    assert len(rows) == 8 and rows[-1] - rows[0] == 7  # one contiguous 8 x 8 square


def test_the_generator_gradient_flows_through_the_augmentation():
    images = tf.Variable(dot_images(4))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(diff_augment(images, keras.random.SeedGenerator(2)))
    gradient = tape.gradient(total, images).numpy()
    assert gradient.shape == images.shape and set(np.unique(gradient)) <= {0.0, 1.0}
    assert gradient.sum() > 0.5 * images.shape[1] * images.shape[2] * len(gradient)
