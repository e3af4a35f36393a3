"""The mlp experiment's export signature: raw points in, P(class 1) and the label out (model.keras itself)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.export import export_saved_model

OUTPUTS = ("probability", "label")


def serving_function(model):
    """Float points (N, features) -> probability of class 1 and the 0/1 label: model.keras itself."""

    def serve(points):
        outputs = model(points, training=False)
        return {name: outputs[name] for name in OUTPUTS}

    return serve


def export_model(model, points, out):
    """SavedModel of model.keras serving raw points, checked on `points` against the Keras model."""
    points = np.asarray(points, dtype="float32")
    expected = model.predict(points, verbose=0)
    return export_saved_model(
        [model], serving_function(model), [tf.TensorSpec([None, points.shape[1]], tf.float32, name="points")],
        out, examples={"points": points}, expected={name: np.asarray(expected[name]) for name in OUTPUTS})
