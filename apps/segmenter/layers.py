"""The segmenter's serializable layers: what `RUN/model.keras` carries around the network.

    image bytes -> DecodeFullSize -> Resizing(image_size) -> network -> SegmentationMasks
                        `------------------ the input's size ----------------^
    (images larger than the tile limit: ExtractTiles -> network -> StitchTiles, `tiles`)

`import apps` imports this module, so `keras.saving.load_model(RUN/model.keras,
safe_mode=True)` finds both layers, and, imported here, the U-Net blocks of
the network and the losses and metrics of its compile config.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from apps.segmenter.losses import CrossEntropyDiceLoss, PixelAccuracy, SoftDiceLoss
from apps.segmenter.tiles import ExtractTiles, StitchTiles
from shared.layers.unet_conv_block import UNetConvBlock
from shared.layers.unet_up_block import UNetUpBlock


@keras.saving.register_keras_serializable(package="annsuite")
class BilinearUpsample(keras.layers.Layer):
    """(N, H, W, C) -> (N, factor*H, factor*W, C), bilinear, for inputs of any size.

    The FCN's up-sampling. Keras' `UpSampling2D(interpolation="bilinear")`
    fails inside `fit` on images of unknown size (a symbolic shape used as a
    Python bool, TensorFlow 2.21 / Keras 3.15); this resizes to the
    dynamic shape times `factor`.
    """

    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = int(factor)

    def call(self, inputs):
        size = tf.shape(inputs)[1:3] * self.factor
        return tf.cast(tf.image.resize(inputs, size, method="bilinear"), inputs.dtype)

    def compute_output_shape(self, input_shape):
        scaled = [None if side is None else side * self.factor for side in input_shape[1:3]]
        return (input_shape[0], *scaled, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


# Registered by their modules; named here so that model.keras loads after `import apps`.
NETWORK_CLASSES = (UNetConvBlock, UNetUpBlock, SoftDiceLoss, CrossEntropyDiceLoss, PixelAccuracy, ExtractTiles,
                   StitchTiles)


@keras.saving.register_keras_serializable(package="annsuite")
class DecodeFullSize(keras.layers.Layer):
    """Encoded PNG/JPEG/GIF/BMP bytes (N,) -> float32 (N, H, W, channels) in [0, 255], at their size.

    All the images of one call share one size (the model's outputs are at
    that size); images of other sizes go in separate calls.

    Args:
        channels: 1 (grey) or 3 (RGB); grey files repeat, alpha is dropped.

    Example:
        >>> DecodeFullSize()(tf.constant([png_bytes]))  # shape (1, H, W, 3)
    """

    def __init__(self, channels=3, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels!r}")
        self.channels = channels

    def build(self, input_shape):
        self.built = True

    def decode(self, data):
        return tf.io.decode_image(data, channels=self.channels, expand_animations=False)

    def call(self, inputs):
        data = tf.reshape(tf.convert_to_tensor(inputs, tf.string), [-1])
        size = tf.shape(self.decode(data[0]))[:2]  # the first image's, checked against the others'

        def decode_one(item):
            image = self.decode(item)
            check = tf.debugging.assert_equal(
                tf.shape(image)[:2], size, message="the images of one call must share one size; "
                                                   "segment images of other sizes in separate calls")
            with tf.control_dependencies([check]):
                return tf.cast(image, tf.float32)

        return tf.map_fn(decode_one, data,
                         fn_output_signature=tf.TensorSpec([None, None, self.channels], tf.float32))

    def compute_output_spec(self, inputs):
        return keras.KerasTensor((inputs.shape[0], None, None, self.channels), dtype="float32")

    def get_config(self):
        return {**super().get_config(), "channels": self.channels}


@keras.saving.register_keras_serializable(package="annsuite")
class SegmentationMasks(keras.layers.Layer):
    """[probabilities (N, S, S, K), images (N, H, W, C)] -> outputs at the images' size.

    The probabilities are resized (bilinear) to H x W; the outputs are
    `mask` (N, H, W) in the data's original mask values (class ids when the
    masks held ids), `class_ids` (N, H, W) 0..K-1, `probabilities`
    (N, H, W, K) and `class_shares` (N, K), each class's share of the pixels.

    Args:
        class_names: the K class names, in the order of the probabilities.
        values: the original mask value of each class (None: 0..K-1).

    Example:
        >>> SegmentationMasks(["background", "disk"])([probabilities, images])["mask"]
    """

    def __init__(self, class_names, values=None, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if len(class_names) < 1 or len(set(class_names)) != len(class_names):
            raise ValueError(f"class_names must be distinct names, got {class_names!r}")
        self.class_names = [str(name) for name in class_names]
        if values is not None and len(values) != len(self.class_names):
            raise ValueError(f"values must give one mask value per class, got {values!r}")
        self.values = None if values is None else [int(v) for v in values]

    def build(self, input_shape):
        self.built = True

    def call(self, inputs):
        probabilities, images = inputs
        size = tf.shape(images)[1:3]
        probabilities = tf.image.resize(tf.cast(probabilities, tf.float32), size, method="bilinear")
        ids = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        shares = tf.reduce_mean(tf.one_hot(ids, len(self.class_names), dtype=tf.float32), axis=[1, 2])
        mask = ids if self.values is None else tf.gather(tf.constant(self.values, tf.int32), ids)
        return {"mask": mask, "class_ids": ids, "probabilities": probabilities, "class_shares": shares}

    def compute_output_spec(self, inputs):
        probabilities, images = inputs
        batch, height, width = images.shape[:3]
        classes = len(self.class_names)
        return {"mask": keras.KerasTensor((batch, height, width), dtype="int32"),
                "class_ids": keras.KerasTensor((batch, height, width), dtype="int32"),
                "probabilities": keras.KerasTensor((batch, height, width, classes), dtype="float32"),
                "class_shares": keras.KerasTensor((batch, classes), dtype="float32")}

    def get_config(self):
        return {**super().get_config(), "class_names": self.class_names, "values": self.values}
