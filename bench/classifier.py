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
Each side runs once per seed of SEEDS (the seed sets the split, the
initial weights and the data order of both sides alike), alternating, and
the result gives the mean and spread of the test accuracy over the seeds.

With `--data PATH` (e.g. ../shared/data/mnist), also the test accuracy of
the `resnet` and `lenet5` backbones on that data set.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from apps.classifier import main
from apps.classifier.config import ClassifierConfig
from apps.classifier.data import load_data
from apps.classifier.model import build_model

EPOCHS = 25
REAL_EPOCHS = 10
SEEDS = (0, 1, 2)  # one image of the 360 test digits is 0.0028: compare means over seeds


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


def summary(runs):
    """Mean accuracy (and spread) and total throughput of one side's runs."""
    accuracies = [r["accuracy"] for r in runs]
    examples = sum(r["examples_per_second"] * r["seconds"] for r in runs)
    seconds = sum(r["seconds"] for r in runs)
    return {"accuracy_mean": round(float(np.mean(accuracies)), 4),
            "accuracy_std": round(float(np.std(accuracies)), 4),
            "examples_per_second": round(examples / seconds, 1), "runs": runs}


def run(args):
    root = Path(tempfile.mkdtemp(prefix="bench-classifier-"))
    sides = {"ours": [], "plain_keras": []}
    for seed in SEEDS:  # alternate the two sides so that a busy moment hits both
        sides["ours"].append(ours(root / f"ours-{seed}", EPOCHS, ["--seed", str(seed)]))
        sides["plain_keras"].append(plain_keras(ClassifierConfig(seed=seed), EPOCHS))
    result = {"data": "digits (default)", "epochs": EPOCHS, "seeds": list(SEEDS),
              **{side: summary(runs) for side, runs in sides.items()}}
    result["throughput_ratio"] = round(
        result["ours"]["examples_per_second"] / result["plain_keras"]["examples_per_second"], 3)
    result["accuracy_difference"] = round(
        result["ours"]["accuracy_mean"] - result["plain_keras"]["accuracy_mean"], 4)
    if args.data:
        result["real"] = {"data": args.data, "epochs": REAL_EPOCHS}
        for backbone in ("lenet5", "resnet"):
            result["real"][backbone] = ours(root / f"real-{backbone}", REAL_EPOCHS,
                                            ["--data", args.data, "--backbone", backbone])
    return result
