"""The sentiment export signature: raw strings in, labels out (model.keras itself)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from apps.sentiment.inference import predict_texts
from shared.export import export_saved_model

OUTPUTS = ("probabilities", "class_id", "label", "probability")


def serving_function(model):
    """Raw strings (batch,) -> probabilities, class ids, labels, probability: model.keras itself."""

    def serve(text):
        outputs = model(text, training=False)
        return {name: outputs[name] for name in OUTPUTS}

    return serve


def export_model(model, texts, out):
    """SavedModel of model.keras serving raw strings, checked against it on `texts`."""
    texts = [str(text) for text in texts]
    expected = predict_texts(model, texts)
    return export_saved_model(
        [model], serving_function(model), [tf.TensorSpec([None], tf.string, name="text")], out,
        examples={"text": np.array([t.encode("utf-8") for t in texts], dtype=object)},
        expected={name: expected[name] for name in ("probabilities", "class_id", "label")})
