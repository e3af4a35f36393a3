"""Benchmark of the foundations app's `mlp` experiment against plain Keras, and the image baselines.

Both train the same networks (XOR 2-16-1, then the 2-D problem's MLP) on the
same data in this process: our app through `main(["mlp", ...])` with every
callback of the suite, the reference as a bare `model.fit` script. Reported:
examples per second of both, their ratio, and held-out accuracy of both.

`baselines`: the `knn` and `linear` experiments with their defaults on the
digits (or `--data`), timed end to end in this process, against their bars
(each under 60 s; K-NN >= 0.97 for k = 1..5, linear >= 0.93; K-NN and linear
lose more than LeNet-5 at a 2-pixel shift).
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

EPOCHS = 15


def reference(config, parts):
    """The plain Keras script: same data, models, optimiser and budget."""
    import keras

    from apps.foundations import data as datasets
    from apps.foundations.experiments.mlp import XOR_REPEATS, XOR_UNITS
    from apps.foundations.model import build_mlp, compile_binary

    keras.utils.set_random_seed(config.seed)
    x, y = datasets.logic_gate("xor")
    xor = build_mlp(2, 1, XOR_UNITS, config.activation, seed=config.seed)
    xor_x, xor_y = np.tile(x, (XOR_REPEATS, 1)), np.tile(y, XOR_REPEATS)
    compile_binary(xor, config.xor_learning_rate, decay_steps=-(-len(xor_y) // config.batch_size) * config.xor_epochs)
    xor.fit(xor_x, xor_y, batch_size=config.batch_size, epochs=config.xor_epochs, verbose=0)
    model = build_mlp(2, config.hidden_layers, config.units, config.activation, seed=config.seed)
    steps = -(-len(parts.y_train) // config.batch_size)
    compile_binary(model, config.learning_rate, decay_steps=steps * config.epochs)
    model.fit(parts.x_train, parts.y_train, batch_size=config.batch_size, epochs=config.epochs,
              validation_data=(parts.x_val, parts.y_val), verbose=0)
    predicted = model.predict(parts.x_test, verbose=0)[:, 0] > 0.5
    return float(np.mean(predicted == (parts.y_test > 0.5)))


def measure(data_args):
    from apps.foundations import main
    from apps.foundations.config import MLPConfig
    from apps.foundations.experiments.mlp import XOR_REPEATS, load_problem

    arguments = ["--epochs", str(EPOCHS), "--patience", "0", *data_args]
    config = MLPConfig(epochs=EPOCHS, patience=0, data=data_args[1] if data_args else None)
    parts = load_problem(config)
    examples = len(parts.y_train) * config.epochs + 4 * XOR_REPEATS * config.xor_epochs
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        ours = main(["mlp", "--run-dir", f"{folder}/run", *arguments])
        our_seconds = time.perf_counter() - started
    started = time.perf_counter()
    reference_accuracy = reference(config, parts)
    reference_seconds = time.perf_counter() - started
    return {
        "examples": examples, "ours_examples_per_second": examples / our_seconds,
        "reference_examples_per_second": examples / reference_seconds,
        "ratio": reference_seconds / our_seconds,
        "ours_accuracy": ours["test"]["accuracy"], "reference_accuracy": reference_accuracy,
        "ours_xor_accuracy": ours["test"]["xor_accuracy"],
        "ours_seconds": round(our_seconds, 2), "reference_seconds": round(reference_seconds, 2),
    }


def baselines(data_args=()):
    """The knn and linear experiments with their defaults: seconds, the numbers of their bars."""
    from apps.foundations import main

    result = {}
    with tempfile.TemporaryDirectory() as folder:
        for verb in ("knn", "linear"):
            started = time.perf_counter()
            metrics = main([verb, "--run-dir", f"{folder}/{verb}", *data_args])
            result[verb] = {"seconds": round(time.perf_counter() - started, 2), "test": metrics["test"]}
    knn = result["knn"]["test"]
    loss = {name: knn[f"{name}_shift0_accuracy"] - knn[f"{name}_shift2_accuracy"]
            for name in ("knn", "linear", "lenet5")}
    result["bars"] = {
        "seconds_under_60": all(result[verb]["seconds"] < 60 for verb in ("knn", "linear")),
        "knn_k1_to_5_at_least_0.97": all(value >= 0.97 for key, value in knn.items()
                                          if key in ("knn_k1_accuracy", "knn_k3_accuracy", "knn_k5_accuracy")),
        "linear_at_least_0.93": result["linear"]["test"]["accuracy"] >= 0.93,
        "shift2_loss": loss,
        "lenet5_loses_least_at_2px": loss["lenet5"] < min(loss["knn"], loss["linear"]),
    }
    return result


def run(args):
    """`python -m bench foundations [--data points.csv]`."""
    result = {"default_spirals": measure([]), "baselines": baselines()}
    if getattr(args, "data", None):
        result["data"] = measure(["--data", args.data])
    return result
