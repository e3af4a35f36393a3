"""The segmenter's export signature: encoded image bytes in, masks at the input's size out.

`predict_full_size` is the same computation in eager code (the `predict`
verb and the export's parity check use it).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.export import export_saved_model
from shared.images import encode_png


def predict_full_size(model, image, size):
    """Probabilities (H, W, classes) of one image at its own size.

    The image is resized to the model's size (bilinear), segmented, and the
    probabilities resized back (bilinear): the same ops as the export.
    """
    height, width = image.shape[:2]
    resized = tf.image.resize(np.asarray(image, "float32")[None], (size, size), method="bilinear")
    probabilities = model(resized, training=False)
    return tf.image.resize(probabilities, (height, width), method="bilinear")[0].numpy()


def serving_function(model, size):
    """Encoded image bytes (a batch of one size) -> mask and probabilities at that size."""

    def decode(data):
        return tf.cast(tf.io.decode_image(data, channels=3, expand_animations=False), tf.float32)

    def serve(image_bytes):
        images = tf.map_fn(decode, image_bytes, fn_output_signature=tf.TensorSpec([None, None, 3], tf.float32))
        height, width = tf.shape(images)[1], tf.shape(images)[2]
        resized = tf.image.resize(images, (size, size), method="bilinear")
        probabilities = tf.image.resize(model(resized, training=False), tf.stack([height, width]),
                                        method="bilinear")
        return {"probabilities": probabilities,
                "mask": tf.argmax(probabilities, axis=-1, output_type=tf.int32)}

    return serve


def export_model(model, size, images, out):
    """SavedModel serving encoded image bytes, checked on `images` (as PNG)."""
    images = np.clip(np.round(images), 0, 255)  # the pixels a PNG round trip keeps
    probabilities = np.stack([predict_full_size(model, image, size) for image in images])
    expected = {"probabilities": probabilities, "mask": probabilities.argmax(axis=-1)}
    return export_saved_model(
        [model], serving_function(model, size),
        [tf.TensorSpec([None], tf.string, name="image_bytes")], out,
        examples={"image_bytes": np.array([encode_png(image) for image in images], dtype=object)},
        expected=expected)
