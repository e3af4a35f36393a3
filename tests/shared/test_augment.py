"""shared.augment: shapes, value ranges and label mixing of the batch augmentations."""

import numpy as np
import pytest
import tensorflow as tf

from shared import augment


def batch(count=6, size=20, channels=3, seed=0):
    return tf.constant(np.random.default_rng(seed).uniform(0, 255, (count, size, size, channels)), tf.float32)


def one_hot(count=6, classes=3):
    return tf.one_hot(np.arange(count) % classes, classes)


@pytest.mark.parametrize("channels", [1, 3])
def test_crop_flip_and_jitter_keep_shape_and_range(channels):
    images = batch(channels=channels)
    for function in (augment.random_resized_crop, augment.random_flip, augment.colour_jitter):
        out = function(images).numpy()
        assert out.shape == tuple(images.shape)
        assert out.min() >= -1e-3 and out.max() <= 255 + 1e-3


def test_full_area_crop_is_the_image():
    images = batch()
    out = augment.random_resized_crop(images, scale=(1.0, 1.0), ratio=(1.0, 1.0)).numpy()
    np.testing.assert_allclose(out, images.numpy(), atol=1e-3)


def test_small_crops_magnify_a_part():
    ramp = tf.constant(np.tile(np.linspace(0, 255, 40, dtype="float32"), (2, 40, 1))[..., None])
    out = augment.random_resized_crop(ramp, scale=(0.1, 0.1)).numpy()
    spread = out[:, 0, :, 0].max(axis=1) - out[:, 0, :, 0].min(axis=1)
    assert (spread < 150).all()  # about a third of the width, stretched over all of it


def test_flip_mirrors_each_image_or_leaves_it():
    images = batch(count=32)
    out = augment.random_flip(images).numpy()
    mirrored = [np.allclose(o, i[:, ::-1]) for o, i in zip(out, images.numpy())]
    same = [np.allclose(o, i) for o, i in zip(out, images.numpy())]
    assert all(m or s for m, s in zip(mirrored, same)) and any(mirrored) and any(same)


def test_zero_jitter_is_identity():
    images = batch()
    np.testing.assert_allclose(augment.colour_jitter(images, 0.0, 0.0, 0.0).numpy(), images.numpy(), atol=1e-3)


def test_mixup_blends_images_and_labels_with_one_weight():
    images, labels = batch(), one_hot()
    mixed, mixed_labels = augment.mixup(images, labels, alpha=0.4)
    np.testing.assert_allclose(mixed_labels.numpy().sum(axis=1), 1.0, atol=1e-5)
    assert mixed.shape == images.shape and float(tf.reduce_min(mixed)) >= 0 and float(tf.reduce_max(mixed)) <= 255


def test_cutmix_labels_follow_the_pasted_area():
    tf.random.set_seed(3)
    images = tf.zeros((4, 10, 10, 1)) + tf.reshape(tf.range(4, dtype=tf.float32) * 50, (4, 1, 1, 1))
    labels = tf.one_hot(tf.range(4), 4)
    mixed, mixed_labels = augment.cutmix(images, labels, alpha=1.0)
    for index in range(4):
        own = float(np.mean(mixed.numpy()[index] == index * 50))
        assert mixed_labels.numpy()[index, index] == pytest.approx(own, abs=1e-5) or own == 1.0
    np.testing.assert_allclose(mixed_labels.numpy().sum(axis=1), 1.0, atol=1e-5)


def test_photo_augmenter_keeps_the_batch_and_rejects_bad_options():
    images, labels = batch(), one_hot()
    out, out_labels = augment.photo_augmenter(1.0, mix="mixup")(images, labels)
    assert out.shape == images.shape and out_labels.shape == labels.shape
    same, same_labels = augment.photo_augmenter(0.0, flip=False)(images, labels)
    np.testing.assert_allclose(same.numpy(), images.numpy())
    with pytest.raises(ValueError, match="mix"):
        augment.photo_augmenter(1.0, mix="blend")
