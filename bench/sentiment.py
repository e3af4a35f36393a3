"""Sentiment benchmark: our `train` against the keras.io bidirectional LSTM script.

Both train the keras.io "Bidirectional LSTM on IMDB" shape (embedding 128,
two bidirectional LSTM layers of 64 units, sigmoid output) on the same
split of the default generated reviews for the same epochs and batch size
(32), in this process, one after the other. The plain script is what that
example does: vectorise the texts once into padded integer arrays, then
`fit` on numpy arrays with validation, no callbacks, no masking. Ours runs
`train --model bilstm --layers 2` with everything (shared.text tokenisation
in tf.data, masking, TensorBoard with images, checkpoints, backup, history).
Reported: test accuracy of both, wall time, training examples per second
and their ratio (ours / plain; > 1 means ours is faster), each timed from
loading the data to the test accuracy.

With `--data PATH` (e.g. ../shared/data/sst2), the same comparison on
that data set.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from apps.sentiment import main
from apps.sentiment.config import SentimentConfig
from apps.sentiment.data import load_data
from apps.sentiment.model import sequence_length_for

EPOCHS = 2
REAL_EPOCHS = 1
SHAPE = ["--model", "bilstm", "--layers", "2", "--units", "64", "--embedding-dim", "128", "--dropout", "0",
         "--batch-size", "32", "--patience", "0"]


def plain_keras(config, epochs):
    """The keras.io script on the same data: integer arrays into `fit`."""
    from keras import layers

    started = time.time()
    data = load_data(config)
    keras.utils.set_random_seed(config.seed)
    vectorizer = layers.TextVectorization(max_tokens=20000,
                                          output_sequence_length=sequence_length_for(config, data.x_train))
    vectorizer.adapt(data.x_train.astype(str))
    x_train, x_val, x_test = (vectorizer(texts.astype(str)).numpy() for texts in (data.x_train, data.x_val, data.x_test))
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(20000, 128)(inputs)
    x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(64))(x)
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, data.y_train, batch_size=32, epochs=epochs, validation_data=(x_val, data.y_val), verbose=0)
    accuracy = float(np.mean((model.predict(x_test, verbose=0)[:, 0] > 0.5) == data.y_test))
    seconds = time.time() - started
    return {"accuracy": accuracy, "seconds": round(seconds, 2),
            "examples_per_second": round(len(data.y_train) * epochs / seconds, 1)}


def ours(run_dir, epochs, extra=()):
    started = time.time()
    metrics = main(["train", "--run-dir", str(run_dir), "--epochs", str(epochs), *SHAPE, *extra])
    seconds = time.time() - started
    return {"accuracy": metrics["test"]["accuracy"], "seconds": round(seconds, 2),
            "examples_per_second": round(metrics["train_examples"] * metrics["epochs"] / seconds, 1)}


def compare(root, name, epochs, data=None):
    extra = ["--data", data] if data else []
    config = SentimentConfig(data=data)
    mine = ours(Path(root) / name, epochs, extra)
    plain = plain_keras(config, epochs)
    return {"epochs": epochs, "ours": mine, "plain_keras": plain,
            "throughput_ratio": round(mine["examples_per_second"] / plain["examples_per_second"], 3)}


def run(args):
    """`python -m bench sentiment [--data PATH]`."""
    with tempfile.TemporaryDirectory() as root:
        result = {"model": "keras.io bidirectional LSTM (2 x BiLSTM 64, embedding 128)",
                  "default_data": compare(root, "default", EPOCHS)}
        if args.data:
            result["real_data"] = {"path": args.data, **compare(root, "real", REAL_EPOCHS, args.data)}
    return result
