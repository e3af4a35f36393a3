"""The classifier's export signature: encoded image bytes in, labels out."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.export import export_saved_model
from shared.images import encode_png


def serving_function(model, class_names, size, channels):
    """Encoded image bytes -> probabilities, class ids, labels (in-graph)."""
    names = tf.constant(class_names)

    def decode(data):
        image = tf.io.decode_image(data, channels=channels, expand_animations=False)
        image = tf.image.resize(tf.cast(image, tf.float32), (size, size), method="bilinear")
        return tf.ensure_shape(image, (size, size, channels))

    def serve(image_bytes):
        images = tf.map_fn(decode, image_bytes, fn_output_signature=tf.float32)
        probabilities = model(images, training=False)
        class_id = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {"probabilities": probabilities, "class_id": class_id,
                "label": tf.gather(names, class_id), "probability": tf.reduce_max(probabilities, -1)}

    return serve


def export_model(model, class_names, size, channels, images, out):
    """SavedModel serving encoded image bytes, checked on `images` (as PNG)."""
    x = np.clip(np.round(images), 0, 255)  # the pixels a PNG round trip keeps
    probabilities = model.predict(x, verbose=0)
    expected = {"probabilities": probabilities, "class_id": probabilities.argmax(axis=1),
                "label": np.array([class_names[i] for i in probabilities.argmax(axis=1)])}
    return export_saved_model(
        [model], serving_function(model, class_names, size, channels),
        [tf.TensorSpec([None], tf.string, name="image_bytes")], out,
        examples={"image_bytes": np.array([encode_png(image) for image in x], dtype=object)},
        expected=expected)
