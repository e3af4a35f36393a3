"""The word2vec export signature: word strings in, their vectors out (model.keras itself).

The SavedModel serves `RUN/model.keras` (`apps.word2vec.layers`) and is
checked against it on a few of the model's own words, one of them
upper-cased (lower-cased in-graph) and one unknown (zeros, `known` false):
the data set is never read again for the check.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from apps.word2vec.layers import vocabulary_of
from shared.export import export_saved_model

PARITY_WORDS = 6
OUTPUTS = ("vector", "known")


def serving_function(model):
    """Word strings -> `vector`, `known`: model.keras itself."""

    def serve(words):  # the argument's name is the signature's input name
        outputs = model(words, training=False)
        return {name: outputs[name] for name in OUTPUTS}

    return serve


def parity_words(model):
    """A few known words, the last one upper-cased, and an unknown one."""
    words, _ = vocabulary_of(model)
    return np.array([*words[:PARITY_WORDS], words[-1].upper(), "no-such-word-here"], dtype=object)


def export_model(model, out):
    """SavedModel of model.keras: `words` (strings) -> `vector`, `known`."""
    examples = parity_words(model)
    expected = model.predict(examples, verbose=0)
    return export_saved_model(
        [model], serving_function(model), [tf.TensorSpec([None], tf.string, name="words")], out,
        examples={"words": examples}, expected={name: expected[name] for name in OUTPUTS})
