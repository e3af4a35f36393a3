"""The classifier: augmentation -> backbone -> pooling -> dropout -> softmax."""

from __future__ import annotations

import keras

from shared.backbones import build_backbone
from shared.errors import UsageError
from shared.schedules import warmup_cosine


def augmentation_layers(seed, flip=True, strength=1.0):
    """Random flip, rotation, zoom, shift, contrast and noise (training only).

    `flip=False` for data whose mirror image is another thing (digits);
    `strength` scales every factor (1: the standard ones).
    """
    flips = [keras.layers.RandomFlip("horizontal", seed=seed)] if flip else []
    return keras.Sequential([
        *flips,
        keras.layers.RandomRotation(0.05 * strength, seed=seed),
        keras.layers.RandomTranslation(0.08 * strength, 0.08 * strength, seed=seed),
        keras.layers.RandomZoom(0.1 * strength, seed=seed),
        keras.layers.RandomContrast(min(0.1 * strength, 1.0), seed=seed, value_range=(0, 255)),
        # GaussianNoise takes a standard deviation of at most 1: add it in [0, 1] units.
        keras.layers.Rescaling(1.0 / 255.0),
        keras.layers.GaussianNoise(0.02 * strength, seed=seed),
        keras.layers.Rescaling(255.0),
    ], name="augmentation")


def regularizer(config):
    if config.l1 and config.l2:
        return keras.regularizers.L1L2(l1=config.l1, l2=config.l2)
    if config.l1:
        return keras.regularizers.L1(config.l1)
    if config.l2:
        return keras.regularizers.L2(config.l2)
    return None


def space_to_depth(x, block):
    """(H, W, C) -> (H/block, W/block, C*block*block): every pixel kept, fewer positions (built-in layers)."""
    height, width, channels = x.shape[1:]
    x = keras.layers.Reshape((height // block, block, width // block, block, channels), name="stem_split")(x)
    x = keras.layers.Permute((1, 3, 2, 4, 5), name="stem_permute")(x)
    return keras.layers.Reshape((height // block, width // block, channels * block * block), name="stem")(x)


def build_model(config, image_shape, num_classes, augment, flip=True, strength=1.0):
    """Build (model, backbone) for the config.

    The model takes float images in [0, 255] of `image_shape` and returns
    class probabilities. Layer names used elsewhere: `backbone`, `pool`,
    `classes` (CAM), `augmentation`. With `config.stem_stride` > 1 a
    space-to-depth stem puts each s x s patch of pixels into channels first
    (the early downsampling photo networks have, without losing a pixel).
    """
    stride = config.stem_stride or 1
    if stride > 1 and (config.pretrained or image_shape[0] % stride):
        raise UsageError(f"--stem-stride {stride} needs a backbone without pretrained weights and an image size "
                         f"divisible by it, got {image_shape[0]}")
    height, width_, channels = image_shape
    backbone, converter = build_backbone(
        config.backbone, (height // stride, width_ // stride, channels * stride * stride),
        weights=config.weights, preset=config.preset,
        width=config.width, kernel_initializer=config.initializer,
        kernel_regularizer=regularizer(config))
    images = keras.Input(image_shape, name="images")
    x = augmentation_layers(config.seed, flip, strength)(images) if augment else images
    if converter is not None:
        x = converter(x)
    if stride > 1:
        x = space_to_depth(x, stride)
    features = backbone(x)
    pool = keras.layers.GlobalAveragePooling2D if len(features.shape) == 4 else keras.layers.GlobalAveragePooling1D
    x = pool(name="pool")(features)
    x = keras.layers.Dropout(config.dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="classes",
                                 kernel_regularizer=regularizer(config), dtype="float32")(x)
    return keras.Model(images, outputs, name="classifier"), backbone


def compile_model(model, learning_rate, decay_steps=None, warmup_fraction=0.0, label_smoothing=0.0,
                  weight_decay=0.0):
    """Adam (AdamW when `weight_decay`), warm-up + cosine decay over `decay_steps` (constant when None).

    Labels are one-hot (mixup and CutMix mix them); AdamW leaves biases and
    BatchNorm's scale and offset undecayed.
    """
    rate = warmup_cosine(learning_rate, decay_steps, warmup_fraction) if decay_steps else learning_rate
    if weight_decay:
        optimizer = keras.optimizers.AdamW(rate, weight_decay=weight_decay)
        optimizer.exclude_from_weight_decay(var_names=["bias", "beta", "gamma"])
    else:
        optimizer = keras.optimizers.Adam(rate)
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
    )
    return model
