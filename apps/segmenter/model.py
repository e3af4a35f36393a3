"""The segmentation models: U-Net, U-Net on a pretrained encoder, and FCN.

Every model takes float images in [0, 255] (S x S x 3) and returns class
probabilities per pixel (S x S x classes). Layer names used elsewhere:
`encoder` (the pretrained part of a backbone U-Net), `classes`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import keras

from apps.segmenter.layers import BilinearUpsample
from apps.segmenter.losses import make_loss, segmentation_metrics
from shared.backbones import build_backbone, split_backbone
from shared.errors import UsageError
from shared.layers.conv_block import ConvBlock
from shared.layers.unet_conv_block import UNetConvBlock
from shared.layers.unet_up_block import UNetUpBlock
from shared.schedules import warmup_cosine

log = logging.getLogger("annsuite")


def classes_head(x, num_classes):
    return keras.layers.Conv2D(num_classes, 1, activation="softmax", dtype="float32", name="classes")(x)


def contracting_path(x, config):
    """Convolution blocks and 2x pooling, filters doubling: (bottom, skips)."""
    skips = []
    for level in range(config.depth):
        dropout = config.dropout if level == config.depth - 1 else 0.0
        x = UNetConvBlock(config.base_filters * 2**level, config.batch_norm, dropout, name=f"down{level}")(x)
        skips.append(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool{level}")(x)
    bottom = UNetConvBlock(config.base_filters * 2**config.depth, config.batch_norm, config.dropout,
                           name="bottleneck")(x)
    return bottom, skips


def expansive_path(x, skips, config, filters):
    """Up-sample and join the skip of every level, deepest first."""
    for level in reversed(range(len(skips))):
        x = UNetUpBlock(filters[level], config.upsampling, config.batch_norm, name=f"up{level}")([x, skips[level]])
    return x


def build_unet(config, image_shape, num_classes):
    """U-Net (Ronneberger et al. 2015) with "same" padding."""
    images = keras.Input(image_shape, name="images")
    x = keras.layers.Rescaling(1.0 / 255.0, name="rescaling")(images)
    bottom, skips = contracting_path(x, config)
    filters = [config.base_filters * 2**level for level in range(config.depth)]
    x = expansive_path(bottom, skips, config, filters)
    return keras.Model(images, classes_head(x, num_classes), name="unet")


def build_fcn(config, image_shape, num_classes):
    """FCN (Long et al. 2015): the same encoder, dense layers as 1x1 convolutions.

    The class heatmaps have 1/2**depth of the input's resolution and are
    up-sampled bilinearly to the input size; no skip connections.
    """
    images = keras.Input(image_shape, name="images")
    x = keras.layers.Rescaling(1.0 / 255.0, name="rescaling")(images)
    bottom, _ = contracting_path(x, config)
    units = config.base_filters * 2 ** (config.depth + 1)
    x = ConvBlock(units, 1, batch_norm=False, name="fc1")(bottom)
    x = keras.layers.Dropout(config.dropout, name="fc_dropout")(x)
    x = ConvBlock(units, 1, batch_norm=False, name="fc2")(x)
    heatmaps = keras.layers.Conv2D(num_classes, 1, name="heatmaps")(x)
    x = BilinearUpsample(2**config.depth, name="upsample")(heatmaps)
    outputs = keras.layers.Activation("softmax", dtype="float32", name="classes")(x)
    return keras.Model(images, outputs, name="fcn")


def load_encoder_backbone(config, image_shape):
    """The backbone named by --backbone: registry name, preset folder or .keras file."""
    spec = config.backbone
    if Path(spec).is_dir():
        return build_backbone(preset=spec)[0]
    if spec.endswith(".keras"):
        return build_backbone(weights=spec)[0]
    return build_backbone(spec, image_shape, weights=config.weights, width=config.base_filters)[0]


def pyramid(core, size):
    """{down-sampling factor: the last feature map at that size} of a model."""
    found = {}
    for layer in core.layers:
        output = getattr(layer, "output", None)
        if isinstance(layer, keras.layers.InputLayer) or not hasattr(output, "shape") or len(output.shape) != 4:
            continue
        height = output.shape[1]
        if height and size % height == 0 and height < size and (size // height) & (size // height - 1) == 0:
            found[size // height] = output
    return found


def build_backbone_unet(config, image_shape, num_classes):
    """U-Net whose contracting path is a pretrained backbone: (model, backbone)."""
    backbone = load_encoder_backbone(config, image_shape)
    core, prefix = split_backbone(backbone)
    features = pyramid(core, image_shape[0])
    factors = [2**k for k in range(1, config.depth + 1) if 2**k in features]
    if not factors or factors[0] != 2:
        raise UsageError(f"--backbone {config.backbone}: no feature maps at 1/2, 1/4... of {image_shape[0]} px")
    factors = [f for i, f in enumerate(factors) if f == 2 ** (i + 1)]
    if len(factors) < config.depth:
        log.info("--backbone %s reaches 1/%d of the input: U-Net depth %d instead of %d",
                 config.backbone, factors[-1], len(factors), config.depth)
    encoder = keras.Model(core.inputs, [features[f] for f in factors], name="encoder")
    images = keras.Input(image_shape, name="images")
    x = images
    for layer in prefix:
        x = layer(x)
    maps = encoder(x)
    maps = maps if isinstance(maps, (list, tuple)) else [maps]
    full = UNetConvBlock(config.base_filters, config.batch_norm, name="full_resolution")(
        keras.layers.Rescaling(1.0 / 255.0, name="rescaling")(images))
    skips = [full, *maps[:-1]]
    filters = [config.base_filters * 2**level for level in range(len(skips))]
    x = expansive_path(maps[-1], skips, config, filters)
    return keras.Model(images, classes_head(x, num_classes), name="backbone_unet"), backbone


def build_model(config, image_shape, num_classes):
    """(model, backbone or None) for the config."""
    if config.backbone:
        if config.model != "unet":
            raise UsageError("--backbone works with --model unet")
        return build_backbone_unet(config, image_shape, num_classes)
    builder = build_fcn if config.model == "fcn" else build_unet
    return builder(config, image_shape, num_classes), None


def compile_model(model, config, class_names, ignore_index=None, class_weights=None,
                  learning_rate=None, decay_steps=None):
    """Adam (cosine decay or warm-up + cosine over `decay_steps` if chosen), the loss, IoU metrics."""
    learning_rate = learning_rate or config.learning_rate
    if decay_steps and config.lr_schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps, alpha=0.01)
    elif decay_steps and config.lr_schedule == "warmup_cosine":
        learning_rate = warmup_cosine(learning_rate, decay_steps, warmup_fraction=0.05, final_fraction=0.01)
    weights = class_weights if config.loss != "ce" else None
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=make_loss(config.loss, len(class_names), ignore_index, weights),
                  metrics=segmentation_metrics(class_names, ignore_index))
    return model
