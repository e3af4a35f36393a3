"""The memory export signature: input sequences in, outputs and weightings out (model.keras itself)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.export import export_saved_model


def serving_function(model):
    """Float sequences (B, T, W) -> probabilities, bits (and the NTM's read/write weightings)."""

    def serve(sequence):
        return dict(model(sequence, training=False))

    return serve


def export_model(model, inputs, out):
    """SavedModel of model.keras serving input sequences, checked on `inputs` against the Keras model."""
    inputs = np.asarray(inputs, dtype="float32")
    expected = {name: np.asarray(value) for name, value in model.predict(inputs, verbose=0).items()}
    return export_saved_model(
        [model], serving_function(model), [tf.TensorSpec([None, None, inputs.shape[-1]], tf.float32, name="sequence")],
        out, examples={"sequence": inputs}, expected=expected)
