"""The chatbot's export signature: context strings in, the response string out.

The SavedModel's `serving_default` takes `context`, a 1-D string tensor of
the conversation's turns (oldest first, the question last), and returns
`response` (generators also `word_attention` and `utterance_attention`;
retrievers `candidates` and their `scores`), all in one graph: the same
tokenization, lookups and decoding as `inference.Bot`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.export import ExportError, export_saved_model


def retrieval_function(bot):
    """Context strings (T,) -> {"response", "candidates", "scores"} of a retriever."""
    retriever = bot.retriever
    texts = bot.texts
    embeddings = tf.constant(retriever.embeddings)
    names = tf.constant(retriever.candidates)
    top = min(bot.top, len(retriever.candidates))

    def serve(context):
        vector = retriever.context_encoder(texts.tf_context_inputs(context), training=False)
        best = tf.math.top_k(tf.linalg.matvec(embeddings, vector[0]), k=top)
        candidates = tf.gather(names, best.indices)
        return {"response": candidates[0], "candidates": candidates, "scores": best.values}

    return serve, [bot.trained.model, *texts.resources()]


def generator_function(bot):
    """Context strings (T,) -> {"response", "word_attention", "utterance_attention"}."""
    config = bot.trained.config
    generator = bot.generator
    vocabulary = bot.vocabulary

    def serve(context):
        ids = vocabulary.tf_context(context, config.utterances, config.utterance_length)
        tokens, word_weights, utterance_weights = generator.decode(ids[None])
        return {"response": generator.texts_of(tokens)[0], "word_attention": word_weights[0],
                "utterance_attention": utterance_weights[0]}

    return serve, [bot.trained.model, vocabulary.to_ids, vocabulary.to_words]


def serving_function(bot):
    """(serve, resources the SavedModel must track) of a Bot."""
    return retrieval_function(bot) if bot.retrieval else generator_function(bot)


def export_bot(bot, contexts, out):
    """SavedModel of `bot` in `out`, checked on `contexts` (lists of turns).

    The first context is compared output by output with the Keras graph;
    every context's served response must equal `bot.respond`'s.
    """
    serve, resources = serving_function(bot)
    expected = {k: v.numpy() for k, v in tf.function(serve)(tf.constant(contexts[0])).items()}
    result = export_saved_model(resources, serve, [tf.TensorSpec([None], tf.string, name="context")],
                                out, examples={"context": np.array(contexts[0], dtype=object)},
                                expected=expected)
    reloaded = tf.saved_model.load(str(out)).signatures["serving_default"]
    for context in contexts:
        served = reloaded(context=tf.constant(context))["response"].numpy().decode("utf-8")
        if served != bot.respond(context)["response"]:
            raise ExportError(f"export check failed: SavedModel answered {served!r} to {context!r}")
    result["checked_contexts"] = len(contexts)
    return result
