"""The chatbot's export signature: a conversation's turns in, the response string out.

The SavedModel's `serving_default` takes `context`, a 1-D string tensor of
the conversation's turns (oldest first, the question last), and returns
`response` (generators also `word_attention` and `utterance_attention`;
retrievers `candidates` and their `scores`): model.keras itself on a batch
of one conversation (its turns joined by "||", model.keras' raw input), so
tokenization, windowing, decoding (or the knowledge base) and
detokenization are the same graph.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from apps.chatbot.preprocessing import SEPARATOR, conversation_array
from shared.export import ExportError, export_saved_model


def serving_function(model):
    """Context strings (T,) -> the outputs of model.keras for that one conversation."""

    def serve(context):
        conversation = tf.strings.reduce_join(context, separator=f" {SEPARATOR} ")
        outputs = model(conversation[None], training=False)
        return {name: value[0] for name, value in outputs.items()}

    return serve


def export_bot(model, contexts, out):
    """SavedModel of a bot model (`apps.chatbot.inference`) in `out`, checked on `contexts`.

    The first context (a list of turns) is compared output by output with
    the Keras model; every context's served response must equal the one of
    `model.predict`.
    """
    serve = serving_function(model)
    expected = {k: v.numpy() for k, v in tf.function(serve)(tf.constant(contexts[0], tf.string)).items()}
    result = export_saved_model([model], serve, [tf.TensorSpec([None], tf.string, name="context")],
                                out, examples={"context": np.array(contexts[0], dtype=object)},
                                expected=expected)
    reloaded = tf.saved_model.load(str(out)).signatures["serving_default"]
    answers = model.predict(conversation_array(contexts), verbose=0)["response"]
    for context, answer in zip(contexts, answers):
        served = reloaded(context=tf.constant(context, tf.string))["response"].numpy()
        if served != answer:
            raise ExportError(f"export check failed: SavedModel answered {served!r} to {context!r}, "
                              f"model.keras {answer!r}")
    result["checked_contexts"] = len(contexts)
    return result
