"""The detector's export signature: encoded image bytes in, boxes after NMS out (model.keras itself)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from apps.detector.layers import OUTPUTS
from shared.export import export_saved_model


def serving_function(model):
    """Encoded image bytes -> boxes (input pixels), scores, classes, labels, num_detections."""

    def serve(image_bytes):
        outputs = model(image_bytes, training=False)
        return {name: outputs[name] for name in OUTPUTS}

    return serve


def export_model(model, examples, out):
    """SavedModel of model.keras serving encoded image bytes, checked on `examples` (PNG bytes)."""
    examples = np.array(list(examples), dtype=object)
    expected = model.predict(tf.constant(list(examples)), verbose=0)
    return export_saved_model(
        [model], serving_function(model), [tf.TensorSpec([None], tf.string, name="image_bytes")], out,
        examples={"image_bytes": examples}, expected={name: expected[name] for name in OUTPUTS})
