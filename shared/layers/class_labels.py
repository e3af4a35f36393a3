"""ClassLabels: class probabilities -> label strings, the class names inside the model."""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="annsuite")
class ClassLabels(keras.layers.Layer):
    """Probabilities (N, K) -> {"label", "class_id", "probability", "probabilities"}.

    Args:
        class_names: the K class names, in the order of the probabilities.

    Example:
        >>> ClassLabels(["cat", "dog"])(tf.constant([[0.2, 0.8]]))["label"]  # [b"dog"]
    """

    def __init__(self, class_names, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if len(class_names) < 1 or len(set(class_names)) != len(class_names):
            raise ValueError(f"class_names must be distinct names, got {class_names!r}")
        self.class_names = [str(name) for name in class_names]

    def build(self, input_shape):
        self.built = True

    def call(self, probabilities):
        probabilities = tf.cast(probabilities, tf.float32)
        class_id = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {"label": tf.gather(tf.constant(self.class_names), class_id), "class_id": class_id,
                "probability": tf.reduce_max(probabilities, axis=-1), "probabilities": probabilities}

    def compute_output_spec(self, probabilities):
        batch = probabilities.shape[0]
        return {"label": keras.KerasTensor((batch,), dtype="string"),
                "class_id": keras.KerasTensor((batch,), dtype="int32"),
                "probability": keras.KerasTensor((batch,), dtype="float32"),
                "probabilities": keras.KerasTensor(probabilities.shape, dtype="float32")}

    def get_config(self):
        return {**super().get_config(), "class_names": self.class_names}
