"""The registry of image backbone families, and the families themselves.

A family is a builder `(x, width, initializer, regularizer) -> features`
registered under a name with `register_backbone`. Built in: compact
versions of the course's architectures, made of the shared blocks in
`shared.layers` (lenet5, alexnet, vgg, inception, resnet), and the
`keras.applications` ones (mobilenetv2, resnet50, efficientnetb0, vgg16)
whose ImageNet weights `shared.backbones` can load. `shared.backbones`
wraps any of them as a keras-hub `Backbone`.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from shared.layers import ConvBlock, InceptionBlock, ResidualBlock


@dataclass(frozen=True)
class BackboneSpec:
    """A registered family: builder(x, width, initializer, regularizer) -> features."""

    builder: object
    description: str
    application: str | None = None  # keras.applications class name
    preprocessing: str | None = None  # ImagenetPreprocessing mode, None: own scaling


BACKBONES: dict[str, BackboneSpec] = {}


def register_backbone(name, description, application=None, preprocessing=None):
    """Decorator: register `builder` under `name`."""

    def decorate(builder):
        if name in BACKBONES:
            raise ValueError(f"backbone {name!r} is registered twice")
        BACKBONES[name] = BackboneSpec(builder, description, application, preprocessing)
        return builder

    return decorate


def _conv(x, filters, size, **options):
    return ConvBlock(filters, size, **options)(x)


@register_backbone("lenet5", "LeNet-5 (LeCun 1998): 5x5 conv, pool, 5x5 conv, pool, C5 conv")
def lenet5(x, width, initializer, regularizer):
    options = dict(batch_norm=False, activation="tanh", kernel_initializer=initializer,
                   kernel_regularizer=regularizer)
    x = _conv(x, 6, 5, **options)
    x = keras.layers.AveragePooling2D(2)(x)
    x = _conv(x, 16, 5, padding="valid", **options)
    x = keras.layers.AveragePooling2D(2)(x)
    return _conv(x, 120, min(5, int(x.shape[1] or 5)), padding="valid", **options)


@register_backbone("alexnet", "AlexNet (2012), compact: large strided first filters, ReLU")
def alexnet(x, width, initializer, regularizer):
    options = dict(batch_norm=False, kernel_initializer=initializer, kernel_regularizer=regularizer)
    large = (x.shape[1] or 0) >= 128
    x = _conv(x, width * 2, 11 if large else 5, strides=4 if large else 2, **options)
    x = keras.layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = _conv(x, width * 4, 5, **options)
    x = keras.layers.MaxPooling2D(3, strides=2, padding="same")(x)
    for filters in (width * 8, width * 8, width * 4):
        x = _conv(x, filters, 3, **options)
    return keras.layers.Dropout(0.25)(x)


@register_backbone("vgg", "VGG (2014), compact: three stacks of two 3x3 convolutions")
def vgg(x, width, initializer, regularizer):
    for stage, filters in enumerate((width, width * 2, width * 4)):
        for _ in range(2):
            x = _conv(x, filters, 3, kernel_initializer=initializer, kernel_regularizer=regularizer)
        if stage < 2:
            x = keras.layers.MaxPooling2D(2)(x)
    return x


@register_backbone("inception", "GoogLeNet (2014), compact: stem and four inception blocks")
def inception(x, width, initializer, regularizer):
    options = dict(kernel_initializer=initializer, kernel_regularizer=regularizer)
    x = _conv(x, width, 3, **options)
    for filters in (width // 2, width):
        x = InceptionBlock(filters, filters // 2, filters, filters // 4, filters // 2, filters // 2,
                           **options)(x)
    x = keras.layers.MaxPooling2D(2)(x)
    for filters in (width, width * 2):
        x = InceptionBlock(filters, filters // 2, filters, filters // 4, filters // 2, filters // 2,
                           **options)(x)
    return x


@register_backbone("resnet", "ResNet (2016), compact: stem and three stages of residual blocks")
def resnet(x, width, initializer, regularizer):
    options = dict(kernel_initializer=initializer, kernel_regularizer=regularizer)
    x = _conv(x, width, 3, **options)
    for stage, filters in enumerate((width, width * 2, width * 4)):
        x = ResidualBlock(filters, strides=1 if stage == 0 else 2, **options)(x)
        x = ResidualBlock(filters, **options)(x)
    return x


def _application(name):
    def build(x, width, initializer, regularizer):
        model = getattr(keras.applications, name)(
            include_top=False, weights=None, input_shape=tuple(x.shape[1:]))
        model.name = name.lower()
        return model(x)

    return build


for _name, _app, _mode in (("mobilenetv2", "MobileNetV2", "tf"), ("resnet50", "ResNet50", "caffe"),
                           ("efficientnetb0", "EfficientNetB0", None), ("vgg16", "VGG16", "caffe")):
    register_backbone(_name, f"keras.applications.{_app} (ImageNet weights available)",
                      application=_app, preprocessing=_mode)(_application(_app))
