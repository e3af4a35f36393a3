"""The exported SavedModel: raw source strings in, translated strings out.

`serving_default(source: tf.string[N]) -> {"translation": tf.string[N]}`
runs `Translator.serving_function()` (tokenisation, lookup, in-graph
decoding, detokenisation), the same graph the `translate` verb runs; the
export is published only if it translates real sentences exactly as the
Keras model does.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.export import export_saved_model


def export_translator(translator, sentences, out):
    """Write the SavedModel of `translator` to `out`, checked on `sentences`."""
    # UTF-8 bytes, as the SavedModel returns them (the parity check cannot encode non-ASCII str)
    expected = {"translation": np.array([t.encode("utf-8") for t in translator.translate(sentences)],
                                        dtype=object)}
    return export_saved_model(
        translator.resources(), translator.serving_function(),
        [tf.TensorSpec([None], tf.string, name="source")], out,
        examples={"source": np.array(sentences, dtype=object)}, expected=expected)
