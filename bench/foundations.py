"""Benchmark of the foundations app's `mlp` experiment against plain Keras.

Both train the same networks (XOR 2-16-1, then the 2-D problem's MLP) on the
same data in this process: our app through `main(["mlp", ...])` with every
callback of the suite, the reference as a bare `model.fit` script. Reported:
examples per second of both, their ratio, and held-out accuracy of both.
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


def run(args):
    """`python -m bench foundations [--data points.csv]`."""
    result = {"default_spirals": measure([])}
    if getattr(args, "data", None):
        result["data"] = measure(["--data", args.data])
    return result
