"""The mlp experiment's export signature: raw points in, P(class 1) and the label out."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.export import export_saved_model


def serving_function(model):
    """Float points (N, features) -> probability of class 1 and the 0/1 label."""

    def serve(points):
        probability = model(points, training=False)[:, 0]
        return {"probability": probability, "label": tf.cast(probability > 0.5, tf.int32)}

    return serve


def export_model(model, points, out):
    """SavedModel serving raw points, checked on `points` against the Keras model."""
    points = np.asarray(points, dtype="float32")
    probability = model.predict(points, verbose=0)[:, 0]
    return export_saved_model(
        [model], serving_function(model), [tf.TensorSpec([None, points.shape[1]], tf.float32, name="points")],
        out, examples={"points": points},
        expected={"probability": probability, "label": (probability > 0.5).astype("int32")})
