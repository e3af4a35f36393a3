"""The sentiment export signature: raw strings in, labels out (preprocessing in-graph)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.export import export_saved_model


def serving_function(predictor, class_names):
    """Raw strings (batch,) -> probabilities, class ids, labels."""
    names = tf.constant(class_names)
    model, preprocessor = predictor.model, predictor.preprocessor

    def serve(text):
        inputs = preprocessor(text) if preprocessor is not None else tf.expand_dims(text, -1)
        outputs = model(inputs, training=False)
        if outputs.shape[-1] == 1:
            outputs = tf.concat([1.0 - outputs, outputs], axis=-1)
        class_id = tf.argmax(outputs, axis=-1, output_type=tf.int32)
        return {"probabilities": outputs, "class_id": class_id, "label": tf.gather(names, class_id),
                "probability": tf.reduce_max(outputs, axis=-1)}

    return serve


def export_model(predictor, class_names, texts, out):
    """SavedModel serving raw strings, checked against `predictor` on `texts`."""
    texts = np.asarray(texts, dtype=str)
    probabilities = predictor.probabilities(texts)
    class_id = probabilities.argmax(axis=1)
    expected = {"probabilities": probabilities, "class_id": class_id,
                "label": np.array([class_names[i] for i in class_id])}
    resources = [predictor.model]
    if predictor.preprocessor is not None:
        resources.append(predictor.preprocessor)
    return export_saved_model(
        resources, serving_function(predictor, class_names), [tf.TensorSpec([None], tf.string, name="text")],
        out, examples={"text": np.array([t.encode("utf-8") for t in texts], dtype=object)}, expected=expected)
