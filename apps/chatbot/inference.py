"""The model `model.keras` holds: conversations (strings) in, the answer string out.

Input: `context`, a (N,) string array, each a conversation: its turns
oldest first and the user's question last, joined by "||"
(`preprocessing.conversation_array`). Generators (`generative_bot`): the
window's word ids (`ContextIds`) -> in-graph decoding (`ResponseDecoder`)
-> text (`shared.text.IdsToText`, with the punctuation rule of the
`ContextIds`); outputs `response`, `word_attention`, `utterance_attention`. Retrievers (`retrieval_bot`): the window's inputs
(`ContextIds` or `BertInputs`) -> the context tower -> the nearest
responses of the knowledge base inside the model (`ResponseBank`);
outputs `response`, `candidates`, `scores`.

`Bot` answers one history of turns at a time with such a model (chat).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from apps.chatbot.arrays import BertTexts, WordTexts
from apps.chatbot.decoding import ResponseBank, ResponseDecoder
from apps.chatbot.preprocessing import BertInputs, conversation_array
from shared.text import IdsToText

CONTEXT_LAYERS = ("context_ids", "bert_context")


def context_input():
    return keras.Input((), dtype="string", name="context")


def response_decoder(network, config, decoding=None):
    """The `ResponseDecoder` of a trained generator with the run's sampler settings."""
    return ResponseDecoder(network, config.response_length, decoding or config.decoding, config.beam_width,
                           config.top_k, config.top_p, config.temperature, config.seed, name="decoder")


def generative_bot(context_ids, decoder):
    """The generator's model.keras: conversations -> response, word and utterance attention."""
    context = context_input()
    tokens, word_weights, utterance_weights = decoder(context_ids(context))
    response = IdsToText("word", context_ids.vocabulary, punctuation=context_ids.punctuation,
                         name="ids_to_text")(tokens)
    return keras.Model(context, {"response": response, "word_attention": word_weights,
                                 "utterance_attention": utterance_weights}, name="generative_bot")


def retrieval_bot(context_layer, tower, candidates, embeddings, top_k):
    """The retriever's model.keras: conversations -> the nearest responses of the bank and their scores."""
    context = context_input()
    inputs = context_layer(context)
    vectors = tower(inputs if isinstance(inputs, dict) else {"context": inputs})
    bank = ResponseBank(candidates, top_k, name="response_bank")
    outputs = bank(vectors)
    bank.set_embeddings(embeddings)
    return keras.Model(context, outputs, name="retrieval_bot")


def context_layer(model):
    """The preprocessing layer of a bot model (`ContextIds` or `BertInputs`)."""
    for name in CONTEXT_LAYERS:
        try:
            return model.get_layer(name)
        except ValueError:
            continue
    raise ValueError(f"{model.name}: no context layer")


def texts_of(model, config, response_length=None):
    """The inputs maker of a bot model's network, on the layers the model carries."""
    layer = context_layer(model)
    if isinstance(layer, BertInputs):
        return BertTexts(layer.vocabulary, layer.lowercase, config, layer.sequence_length, response_length,
                         context_inputs_layer=layer)
    return WordTexts(layer.vocabulary, config, context_ids=layer)


def variant(model, decoding=None, top=None):
    """The bot `model` decoding with `decoding` or returning `top` candidates (its layers shared)."""
    if model.name == "generative_bot":
        decoder = model.get_layer("decoder")
        if decoding in (None, decoder.decoding):
            return model
        changed = ResponseDecoder(decoder.network, decoder.response_length, decoding, **decoder.settings,
                                  name="decoder")
        return generative_bot(model.get_layer("context_ids"), changed)
    bank = model.get_layer("response_bank")
    if top in (None, bank.top_k):
        return model
    return retrieval_bot(context_layer(model), model.get_layer("context_encoder"), bank.candidates,
                         bank.embeddings.numpy(), top)


def decoded(values):
    return [v.decode("utf-8") for v in np.asarray(values).ravel()]


class Bot:
    """Answers a history of turns with a trained run's model (generator or retriever).

    Args:
        trained: a `shared.app.TrainedModel` of the chatbot.
        decoding: greedy, beam, top_k or top_p (generators; default the run's).
        top: how many candidates a retriever returns (default the run's top_k).
    """

    def __init__(self, trained, decoding=None, top=None):
        self.trained = trained
        self.model = variant(trained.model, decoding, top)
        self.answer = tf.function(lambda conversations: self.model(conversations, training=False),
                                  input_signature=[tf.TensorSpec([None], tf.string)])

    def respond(self, history):
        """The answer to the last turn of `history`: {"response", [candidates, scores]}."""
        outputs = self.answer(tf.constant(conversation_array([history]), tf.string))
        reply = {"response": decoded(outputs["response"])[0]}
        if "candidates" in outputs:
            reply["candidates"] = decoded(outputs["candidates"])
            reply["scores"] = outputs["scores"].numpy()[0].tolist()
        return reply
