"""The hierarchical chatbot against a plain Keras script of the same model.

`python -m bench chatbot [--data PATH]` builds the app's hierarchical
generator and a plain Keras version of it (TimeDistributed word encoder of
the same convolutions, Softmax-layer attention pooling, GRUs and Keras'
AdditiveAttention; no copy mechanism, which plain Keras lacks), trains
both for the same epochs on the same arrays in the same process, and
reports:
- training examples/second of both (median of the epochs after the first,
  which traces the graph) and their ratio;
- held-out teacher-forced token accuracy of both, and our follow-up exact
  match with greedy decoding;
- responses/second of `chat --once`-style answers (one context at a time,
  warm): ours decodes in one graph, the plain script calls the model once
  per generated token (the usual hand-written loop).
"""

from __future__ import annotations

import logging
import time

import numpy as np

log = logging.getLogger("annsuite")

EPOCHS = 6
RESPONSES = 30


def epoch_timer():
    """A callback that records the seconds of every epoch in `.times`."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.started)

    return EpochTimer()


def plain_model(config, vocabulary_size):
    """The hierarchical model in plain Keras layers (no custom layers)."""
    import keras

    words = keras.Input((config.utterance_length,), dtype="int32")
    embedded = keras.layers.Embedding(vocabulary_size, config.embedding_dim)(words)
    states = keras.layers.Conv1D(config.units, 3, padding="same", activation="relu")(embedded)
    states = keras.layers.Conv1D(config.units, 3, padding="same", activation="relu")(states)
    scores = keras.layers.Dense(1)(keras.layers.Dense(config.attention_units, activation="tanh")(states))
    weights = keras.layers.Softmax(axis=1)(scores)
    pooled = keras.layers.Flatten()(keras.layers.Dot(axes=1)([weights, states]))
    word_encoder = keras.Model(words, pooled)
    context = keras.Input((config.utterances, config.utterance_length), dtype="int32", name="context")
    decoder_input = keras.Input((config.response_length + 1,), dtype="int32", name="decoder_input")
    vectors = keras.layers.TimeDistributed(word_encoder)(context)
    utterances = keras.layers.GRU(config.units, return_sequences=True)(vectors)
    scores = keras.layers.Dense(1)(keras.layers.Dense(config.attention_units, activation="tanh")(utterances))
    pooled = keras.layers.Flatten()(keras.layers.Dot(axes=1)([keras.layers.Softmax(axis=1)(scores), utterances]))
    initial = keras.layers.Dense(config.units, activation="tanh")(pooled)
    target = keras.layers.Embedding(vocabulary_size, config.embedding_dim, mask_zero=True)(decoder_input)
    outputs = keras.layers.GRU(config.units, return_sequences=True)(target, initial_state=initial)
    attended = keras.layers.AdditiveAttention()([outputs, utterances])
    hidden = keras.layers.Dense(config.units, activation="tanh")(
        keras.layers.Concatenate()([outputs, attended]))
    logits = keras.layers.Dense(vocabulary_size)(hidden)
    model = keras.Model({"context": context, "decoder_input": decoder_input}, logits)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  weighted_metrics=["accuracy"])
    return model


def fit_timed(model, train, validation, epochs):
    timer = epoch_timer()
    history = model.fit(train, validation_data=validation, epochs=epochs, callbacks=[timer], verbose=2)
    return timer.times, history.history


def plain_respond(model, context, length):
    """The usual hand-written greedy loop: the whole model once per token."""
    from shared.text import (  # deferred as the bench's other imports: TensorFlow on use only
        END_ID,
        START_ID,
    )

    decoder = np.zeros((1, length + 1), "int32")
    decoder[0, 0] = START_ID
    for index in range(length):
        logits = model({"context": context[None], "decoder_input": decoder}, training=False)
        token = int(np.argmax(logits[0, index]))
        if token == END_ID:
            break
        decoder[0, index + 1] = token
    return decoder


def responses_per_second(respond, contexts):
    respond(contexts[0])  # trace / warm up
    started = time.perf_counter()
    for context in contexts:
        respond(context)
    return len(contexts) / (time.perf_counter() - started)


def run(args):
    """Train both for EPOCHS epochs on the same arrays; throughput, quality, answer rate."""
    import keras

    from apps.chatbot import arrays
    from apps.chatbot.config import ChatbotConfig
    from apps.chatbot.data import load_data
    from apps.chatbot.decoding import Generator, make_sampler
    from apps.chatbot.evaluation import generator_metrics
    from apps.chatbot.model import build_generator, compile_generator
    from shared.app import steps_per_epoch

    config = ChatbotConfig(data=getattr(args, "data", None), epochs=EPOCHS)
    data = load_data(config)
    texts = arrays.WordTexts(arrays.vocabulary_of(data, config).tokens, config)
    train = arrays.generator_arrays(texts, data.train, config)
    test = arrays.generator_arrays(texts, data.test, config)
    result = {"data": data.source, "epochs": EPOCHS, "train_examples": len(data.train)}
    for name in ("ours", "plain"):
        keras.utils.set_random_seed(config.seed)
        if name == "ours":
            model = compile_generator(build_generator(config, texts.size), config.learning_rate,
                                      steps_per_epoch(len(data.train), config.batch_size) * EPOCHS)
        else:
            model = plain_model(config, texts.size)
        times, _ = fit_timed(model, arrays.dataset(train, config.batch_size, shuffle=True, seed=config.seed),
                             arrays.dataset(test, 256), EPOCHS)
        steady = float(np.median(times[1:])) if len(times) > 1 else times[0]
        result[f"{name}_examples_per_second"] = round(len(data.train) / steady, 1)
        result[f"{name}_token_accuracy"] = float(model.evaluate(
            arrays.dataset(test, 256), verbose=0, return_dict=True)[
            "token_accuracy" if name == "ours" else "accuracy"])
        contexts = test[0]["context"][:RESPONSES]
        if name == "ours":
            generator = Generator(model, config.response_length, make_sampler("greedy"))
            metrics, _ = generator_metrics(generator, model, texts, data.test, config)
            result["ours_follow_up_exact_match"] = metrics["follow_up_exact_match"]
            rate = responses_per_second(lambda c, g=generator: g.generate(c[None]), contexts)
        else:
            rate = responses_per_second(
                lambda c, m=model: plain_respond(m, c, config.response_length), contexts)
        result[f"{name}_responses_per_second"] = round(rate, 2)
    result["train_speed_ratio"] = round(result["ours_examples_per_second"] / result["plain_examples_per_second"], 3)
    result["response_speed_ratio"] = round(result["ours_responses_per_second"] / result["plain_responses_per_second"], 3)
    return result
