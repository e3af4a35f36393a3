"""One registry of image backbones, selected by name.

Every backbone is a keras-hub `Backbone`: a functional model from images in
[0, 255] (shape HxWxC) to a feature map. So a backbone trained here saves
with `save_to_preset(folder)` and loads back with
`keras_hub.models.Backbone.from_preset(folder)`, like any keras-hub preset.

The families (`BACKBONES`, registered in `shared.architectures`): the
course's architectures, compact (lenet5, alexnet, vgg, inception, resnet),
and `keras.applications` ones (mobilenetv2, resnet50, efficientnetb0,
vgg16; ImageNet weights with `weights="imagenet"`). Any keras-hub image
backbone: `build_backbone(preset=NAME_OR_FOLDER)`.

Fine-tuning lives in `shared.finetune`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import keras
import keras_hub

from shared.architectures import BACKBONES
from shared.errors import UsageError
from shared.layers import ImagenetPreprocessing

log = logging.getLogger("annsuite")


@keras.saving.register_keras_serializable(package="annsuite")
class ImageBackbone(keras_hub.models.Backbone):
    """A registered backbone family as a keras-hub Backbone.

    Args:
        family: a name from `BACKBONES`.
        image_shape: (height, width, channels) of the input images.
        width: base number of filters of the built-in families.
        kernel_initializer: initializer of the built-in families' convolutions.
        kernel_regularizer: regularizer (or its config) of those, or None.
        **kwargs: `name`, `dtype`, `trainable`.

    Example:
    ```python
    backbone = ImageBackbone("resnet", image_shape=(32, 32, 1))
    features = backbone(keras.ops.zeros((2, 32, 32, 1)))  # (2, 8, 8, 128)
    ```
    """

    def __init__(self, family, image_shape, width=32, kernel_initializer="he_normal",
                 kernel_regularizer=None, **kwargs):
        if family not in BACKBONES:
            raise ValueError(f"unknown backbone {family!r}; known: {', '.join(BACKBONES)}")
        spec = BACKBONES[family]
        images = keras.Input(tuple(image_shape), name="images")
        if spec.preprocessing:
            x = ImagenetPreprocessing(spec.preprocessing, name="preprocessing")(images)
        elif spec.application:
            x = images  # EfficientNet rescales inside
        else:
            x = keras.layers.Rescaling(1.0 / 255.0, name="rescaling")(images)
        regularizer = keras.regularizers.get(kernel_regularizer)
        features = spec.builder(x, width, kernel_initializer, regularizer)
        super().__init__(inputs=images, outputs=features, **kwargs)
        self.family = family
        self.image_shape = tuple(image_shape)
        self.width = width
        self.kernel_initializer = kernel_initializer
        self.kernel_regularizer = keras.regularizers.serialize(regularizer)

    def get_config(self):
        config = super().get_config()
        config.update({
            "family": self.family,
            "image_shape": self.image_shape,
            "width": self.width,
            "kernel_initializer": self.kernel_initializer,
            "kernel_regularizer": self.kernel_regularizer,
        })
        return config


def load_imagenet_weights(backbone):
    """Copy ImageNet weights of a keras.applications family into `backbone`."""
    spec = BACKBONES[backbone.family]
    if spec.application is None:
        raise UsageError(f"--weights imagenet: backbone {backbone.family!r} has no ImageNet weights; "
                         f"use one of {', '.join(n for n, s in BACKBONES.items() if s.application)}")
    if backbone.image_shape[-1] != 3:
        raise UsageError("--weights imagenet needs RGB input (3 channels)")
    try:
        pretrained = getattr(keras.applications, spec.application)(
            include_top=False, weights="imagenet", input_shape=backbone.image_shape)
    except Exception as error:  # noqa: BLE001 - any download failure reads the same to a user
        raise UsageError(
            f"--weights imagenet: the {spec.application} ImageNet weights cannot be had offline "
            f"({type(error).__name__}); download them once on a connected machine into "
            "~/.keras/models/, or pass --weights PATH to a .weights.h5 file") from None
    backbone.get_layer(spec.application.lower()).set_weights(pretrained.get_weights())


def build_backbone(name="resnet", image_shape=(32, 32, 3), weights="none", preset=None,
                   width=32, kernel_initializer="he_normal", kernel_regularizer=None):
    """Build a backbone by registry name or keras-hub preset, with weights.

    Args:
        name: a registered family (ignored when `preset` is given).
        image_shape: input shape (height, width, channels).
        weights: "none", "imagenet", or a path to a `.weights.h5` file or a
            `.keras` file holding a backbone (e.g. written by
            `--save-backbone`).
        preset: a keras-hub preset name or a local preset folder.

    Returns:
        (backbone, image_converter): the converter is a keras-hub
        `ImageConverter` for presets that ship one, else None.
    """
    if preset:
        return load_preset(preset), load_converter(preset)
    weights = str(weights)
    if weights.endswith(".keras"):
        return load_backbone_file(weights), None
    if name not in BACKBONES:
        raise UsageError(f"unknown backbone {name!r}; known: {', '.join(BACKBONES)}")
    backbone = ImageBackbone(name, image_shape, width=width, kernel_initializer=kernel_initializer,
                             kernel_regularizer=kernel_regularizer, name="backbone")
    if weights == "imagenet":
        load_imagenet_weights(backbone)
    elif weights != "none":
        load_weights_file(backbone, weights)
    return backbone, None


def load_weights_file(backbone, path):
    if not Path(path).is_file():
        raise UsageError(f"--weights {path}: no such file")
    try:
        backbone.load_weights(path)
    except (ValueError, KeyError, OSError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(f"--weights {path}: does not fit backbone {backbone.family!r}: {first}") from None
    log.info("backbone weights loaded from %s", path)


def load_backbone_file(path):
    if not Path(path).is_file():
        raise UsageError(f"--weights {path}: no such file")
    model = keras.saving.load_model(path, safe_mode=True)
    log.info("backbone loaded from %s", path)
    return model


def load_preset(preset):
    """Load a keras-hub backbone from a preset name or folder."""
    if Path(preset).exists() and not (Path(preset) / "config.json").is_file():
        raise UsageError(f"--preset {preset}: not a keras-hub preset folder (no config.json)")
    try:
        return keras_hub.models.Backbone.from_preset(str(preset))
    except Exception as error:  # noqa: BLE001 - names the preset, hides the stack
        first = (str(error).splitlines() or [type(error).__name__])[0]
        raise UsageError(f"--preset {preset}: cannot load ({first}); a preset name needs the "
                         "network once, a local preset folder does not") from None


def load_converter(preset):
    """The preset's ImageConverter, or None when it has none."""
    try:
        return keras_hub.layers.ImageConverter.from_preset(str(preset))
    except Exception:  # noqa: BLE001 - presets without a converter are normal
        return None


def save_backbone(backbone, path):
    """Write a backbone as a keras-hub preset folder, or a `.keras` file."""
    path = Path(path)
    if path.suffix == ".keras":
        path.parent.mkdir(parents=True, exist_ok=True)
        backbone.save(path)
    else:
        path.mkdir(parents=True, exist_ok=True)
        backbone.save_to_preset(str(path))
    log.info("backbone saved to %s", path)
    return path


def split_backbone(backbone):
    """(core functional model, layers applied before it).

    A keras.applications backbone is a nested model: the core, with its
    preprocessing layers before it. A built-in backbone is its own core.
    Dense-prediction heads (segmenter, detector) tap the core's feature maps.
    """
    nested = [layer for layer in backbone.layers if isinstance(layer, keras.Model)]
    if not nested:
        return backbone, []
    core = nested[-1]
    prefix = [layer for layer in backbone.layers[: backbone.layers.index(core)]
              if not isinstance(layer, keras.layers.InputLayer)]
    return core, prefix
