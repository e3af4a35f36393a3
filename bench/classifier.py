"""Classifier benchmark: our `train` against a plain Keras script.

Both train the same network (the default ResNet backbone, same head, same
augmentation) on the same split of the default digits for the same number
of epochs, in this process, one after the other. The plain script is what a
user would write: numpy arrays into `fit` with default settings (batch size
32, constant learning rate), validation each epoch, no callbacks; ours runs
with its own defaults (batch size 64, cosine decay) and all its callbacks
(TensorBoard with images, checkpoints, backup, history). Reported: test accuracy of both, wall time, training examples per
second and their ratio (ours / plain; > 1 means ours is faster). Both are
timed over the same scope: from loading the data to the test accuracy.

With `--data PATH` (e.g. ../shared/data/mnist), also the test accuracy of
the `resnet` and `lenet5` backbones on that data set.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from apps.classifier.config import ClassifierConfig
from apps.classifier.data import load_data
from apps.classifier.model import build_model
from apps.classifier.train import main

EPOCHS = 25
REAL_EPOCHS = 10


def plain_keras(config, epochs):
    """The reference: same model and data, a textbook load/fit/evaluate script.

    Timed from loading the data to the test accuracy, as `ours` is (the
    whole `train` command: data, model, fit, best checkpoint, test).
    """
    started = time.time()
    data = load_data(config)
    keras.utils.set_random_seed(config.seed)
    model, _ = build_model(config, data.image_shape, len(data.class_names), augment=True, flip=False)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
              epochs=epochs, verbose=0)  # Keras' default batch size (32)
    accuracy = float(np.mean(model.predict(data.x_test, verbose=0).argmax(1) == data.y_test))
    seconds = time.time() - started
    return {"accuracy": accuracy, "seconds": round(seconds, 2),
            "examples_per_second": round(len(data.y_train) * epochs / seconds, 1)}


def ours(run_dir, epochs, extra=()):
    started = time.time()
    metrics = main(["train", "--run-dir", str(run_dir), "--epochs", str(epochs), "--patience", "0", *extra])
    seconds = time.time() - started
    return {"accuracy": metrics["test"]["accuracy"], "seconds": round(seconds, 2),
            "examples_per_second": round(metrics["train_examples"] * metrics["epochs"] / seconds, 1),
            "run_dir": str(run_dir)}


def run(args):
    root = Path(tempfile.mkdtemp(prefix="bench-classifier-"))
    result = {"data": "digits (default)", "epochs": EPOCHS,
              "ours": ours(root / "ours", EPOCHS),
              "plain_keras": plain_keras(ClassifierConfig(), EPOCHS)}
    result["throughput_ratio"] = round(
        result["ours"]["examples_per_second"] / result["plain_keras"]["examples_per_second"], 3)
    if args.data:
        result["real"] = {"data": args.data, "epochs": REAL_EPOCHS}
        for backbone in ("lenet5", "resnet"):
            result["real"][backbone] = ours(root / f"real-{backbone}", REAL_EPOCHS,
                                            ["--data", args.data, "--backbone", backbone])
    return result
