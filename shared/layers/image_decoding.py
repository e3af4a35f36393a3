"""DecodeImages: encoded image files (bytes) -> a float batch at one size, in the model."""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="annsuite")
class DecodeImages(keras.layers.Layer):
    """Encoded PNG/JPEG/GIF/BMP bytes (N,) -> float32 (N, size, size, channels) in [0, 255].

    The preprocessing a trained image model carries: every image is decoded
    with `channels` channels (grey files repeat, alpha is dropped) and resized
    bilinearly to `image_size` x `image_size`, the same op the training
    images were resized with.

    Args:
        image_size: the side of the square output.
        channels: 1 (grey) or 3 (RGB).

    Example:
        >>> DecodeImages(16, 1)(tf.constant([png_bytes]))  # shape (1, 16, 16, 1)
    """

    def __init__(self, image_size, channels=3, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if image_size < 1:
            raise ValueError(f"image_size must be >= 1, got {image_size!r}")
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels!r}")
        self.image_size = image_size
        self.channels = channels

    def build(self, input_shape):
        self.built = True

    def decode(self, data):
        image = tf.io.decode_image(data, channels=self.channels, expand_animations=False)
        size = (self.image_size, self.image_size)
        image = tf.image.resize(tf.cast(image, tf.float32), size, method="bilinear")
        return tf.ensure_shape(image, (*size, self.channels))

    def call(self, inputs):
        data = tf.reshape(tf.convert_to_tensor(inputs, tf.string), [-1])
        return tf.map_fn(self.decode, data, fn_output_signature=tf.float32)

    def compute_output_spec(self, inputs):
        return keras.KerasTensor((inputs.shape[0], self.image_size, self.image_size, self.channels),
                                 dtype="float32")

    def get_config(self):
        return {**super().get_config(), "image_size": self.image_size, "channels": self.channels}
