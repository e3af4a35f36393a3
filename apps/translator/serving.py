"""The exported SavedModel: model.keras itself, raw source strings in, translations out.

`serving_default(source: tf.string[N]) -> {"translation": tf.string[N]}`
calls model.keras (`training=False`): tokenisation, vocabulary lookup, the
in-graph greedy loop and detokenisation, all carried by the model. The
export is published only if it translates real sentences exactly as the
Keras model does.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.export import export_saved_model


def serving_function(model):
    """Source strings -> {"translation": strings}: model.keras itself."""

    def serve(source):
        return {"translation": model(source, training=False)["translation"]}

    return serve


def export_translator(model, sentences, out):
    """Write the SavedModel of model.keras to `out`, checked on `sentences`."""
    sentences = np.array(list(sentences), dtype=object)
    # UTF-8 bytes, as the SavedModel returns them; one batch, as the check serves them
    expected = {"translation": model.predict(sentences, batch_size=max(1, len(sentences)), verbose=0)["translation"]}
    return export_saved_model(
        [model], serving_function(model), [tf.TensorSpec([None], tf.string, name="source")], out,
        examples={"source": sentences}, expected=expected)
