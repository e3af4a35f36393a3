"""The detector: backbone -> feature pyramid -> shared class and box heads.

A single-stage, RetinaNet-style detector built with the Functional API.
The backbone (shared registry, keras-hub preset folder or .keras file)
gives feature maps at strides 2, 4, ...; the pyramid takes those at the
configured levels (1x1 laterals, top-down sum, 3x3 smoothing) and adds
coarser levels with stride-2 convolutions where the backbone stops. Two
heads, shared across levels, predict per anchor C + 1 class
probabilities (softmax with background 0) and 4 box offsets.

Outputs: {"boxes": (B, A, 4) offsets, "classes": (B, A, C + 1)}.
Why not keras-hub's RetinaNetObjectDetector: its heads are fixed at 256
filters x 4 convolutions per level (too slow on a 2-core CPU for small
images), it needs a backbone with `pyramid_outputs`, and its label encoder
does not force-match boxes smaller than every anchor.
"""

from __future__ import annotations

import logging
import math

import keras
import numpy as np

from apps.detector.losses import BoxLoss, FocalLoss
from shared.backbones import ImageBackbone, build_backbone, split_backbone
from shared.errors import UsageError

log = logging.getLogger("annsuite")


def feature_maps(core, size):
    """{level: last 4-D output at stride 2**level} of a functional model."""
    found = {}
    for layer in core.layers:
        output = getattr(layer, "output", None)
        if isinstance(layer, keras.layers.InputLayer) or len(getattr(output, "shape", ())) != 4:
            continue
        height = output.shape[1]
        if height and height < size and size % height == 0:
            level = math.log2(size // height)
            if level.is_integer():
                found[int(level)] = output
    return found


def load_backbone(config, image_shape):
    """The configured backbone, taking `image_shape` images.

    A registry backbone saved at another size (e.g. `--save-backbone` of a
    64 px run, reused at 128 px) is rebuilt at this size with its weights:
    convolution weights do not depend on the image size.
    """
    backbone, converter = build_backbone(config.backbone, image_shape, weights=config.weights,
                                         preset=config.preset, width=config.width)
    if converter is not None:
        raise UsageError(f"--preset {config.preset}: presets with their own image converter are not supported")
    if tuple(backbone.input_shape[1:3]) == tuple(image_shape[:2]):
        return backbone
    if not isinstance(backbone, ImageBackbone):
        raise UsageError(f"the backbone takes {backbone.input_shape[1:3]} images, the data "
                         f"{image_shape[:2]}: pass --image-size {backbone.input_shape[1]}")
    resized = ImageBackbone(backbone.family, image_shape, width=backbone.width,
                            kernel_initializer=backbone.kernel_initializer,
                            kernel_regularizer=backbone.kernel_regularizer, name=backbone.name)
    resized.set_weights(backbone.get_weights())
    log.info("backbone %s rebuilt for %s images with its trained weights", backbone.family, image_shape[:2])
    return resized


def backbone_maps(images, backbone, config):
    """({level: feature map} from the backbone, the levels used as laterals)."""
    core, prefix = split_backbone(backbone)
    maps = feature_maps(core, images.shape[1])
    inside = [level for level in sorted(maps) if config.min_level <= level <= config.max_level]
    below = [level for level in sorted(maps) if level < config.min_level]
    used = inside or below[-1:]
    if not used:
        raise UsageError(f"backbone {backbone.name!r} has no feature map at stride {2**config.max_level} or finer")
    encoder = keras.Model(core.inputs, [maps[level] for level in used], name="encoder")
    x = images
    for layer in prefix:
        x = layer(x)
    features = encoder(x)
    features = features if isinstance(features, (list, tuple)) else [features]
    return dict(zip(used, features)), bool(inside)


def pyramid(images, backbone, config):
    """[P_min .. P_max] feature maps of `fpn_filters` channels.

    Backbone levels inside [min_level, max_level] get 1x1 laterals, a
    top-down sum and 3x3 smoothing (FPN); coarser levels, and finer ones
    where the backbone stops early, come from stride-2 convolutions.
    """
    maps, inside = backbone_maps(images, backbone, config)
    filters = config.fpn_filters
    levels = sorted(maps)
    if not inside:  # the backbone stops below min_level: stride-2 convolutions down to it
        x = maps[levels[0]]
        for level in range(levels[0] + 1, config.min_level + 1):
            name = f"P{level}" if level == config.min_level else f"down_P{level}"
            x = keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation=None if
                                    level == config.min_level else "relu", name=name)(x)
        outputs, levels = [x], [config.min_level]
    else:
        laterals = [keras.layers.Conv2D(filters, 1, name=f"lateral_P{lv}")(maps[lv]) for lv in levels]
        for index in range(len(laterals) - 2, -1, -1):
            upsampled = keras.layers.UpSampling2D(2, name=f"up_P{levels[index + 1]}")(laterals[index + 1])
            laterals[index] = keras.layers.Add(name=f"merge_P{levels[index]}")([laterals[index], upsampled])
        outputs = [keras.layers.Conv2D(filters, 3, padding="same", name=f"P{lv}")(x)
                   for lv, x in zip(levels, laterals)]
    for level in range(levels[-1] + 1, config.max_level + 1):
        x = keras.layers.Activation("relu", name=f"relu_P{level}")(outputs[-1])
        outputs.append(keras.layers.Conv2D(filters, 3, strides=2, padding="same", name=f"P{level}")(x))
    return outputs


def heads(levels, config, num_classes):
    """Class probabilities and box offsets of every anchor, levels concatenated."""
    anchors = config.anchors_per_location
    towers = {name: [keras.layers.Conv2D(config.fpn_filters, 3, padding="same", activation="relu",
                                         name=f"{name}_conv{i}") for i in range(config.head_convs)]
              for name in ("class", "box")}
    class_out = keras.layers.Conv2D(anchors * (num_classes + 1), 3, padding="same", name="class_logits")
    box_out = keras.layers.Conv2D(anchors * 4, 3, padding="same", name="box_offsets",
                                  kernel_initializer=keras.initializers.RandomNormal(stddev=0.01))
    logits, offsets = [], []
    for feature in levels:
        x, y = feature, feature
        for conv in towers["class"]:
            x = conv(x)
        for conv in towers["box"]:
            y = conv(y)
        logits.append(keras.layers.Reshape((-1, num_classes + 1))(class_out(x)))
        offsets.append(keras.layers.Reshape((-1, 4))(box_out(y)))
    logits = keras.layers.Concatenate(axis=1, name="all_logits")(logits) if len(logits) > 1 else logits[0]
    offsets = keras.layers.Concatenate(axis=1, name="all_offsets")(offsets) if len(offsets) > 1 else offsets[0]
    classes = keras.layers.Activation("softmax", dtype="float32", name="classes")(logits)
    boxes = keras.layers.Activation("linear", dtype="float32", name="boxes")(offsets)
    return class_out, {"boxes": boxes, "classes": classes}


def set_background_prior(layer, anchors, num_classes, prior=0.01):
    """Start with P(object) ~ prior at every anchor (RetinaNet's prior)."""
    bias = np.zeros((anchors, num_classes + 1), "float32")
    bias[:, 0] = math.log((1 - prior) * num_classes / prior)
    layer.bias.assign(bias.reshape(-1))


def build_model(config, image_size, num_classes):
    """(model, backbone): float images (S, S, 3) in [0, 255] -> boxes, classes."""
    image_shape = (image_size, image_size, 3)
    backbone = load_backbone(config, image_shape)
    images = keras.Input(image_shape, name="images")
    class_out, outputs = heads(pyramid(images, backbone, config), config, num_classes)
    set_background_prior(class_out, config.anchors_per_location, num_classes)
    return keras.Model(images, outputs, name="detector"), backbone


def compile_model(model, config, learning_rate=None, decay_steps=None):
    learning_rate = learning_rate or config.learning_rate
    if decay_steps:
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps, alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=10.0),
                  loss={"boxes": BoxLoss(), "classes": FocalLoss(config.focal_gamma, config.focal_alpha)})
    return model
