"""Feed-forward networks of the foundations app (Functional API)."""

from __future__ import annotations

import keras

INITIALIZERS = {
    "glorot": lambda seed: keras.initializers.GlorotNormal(seed=seed),
    "he": lambda seed: keras.initializers.HeNormal(seed=seed),
    "normal": lambda seed: keras.initializers.RandomNormal(stddev=0.01, seed=seed),
}


def initializer(name, seed):
    """glorot: Var(w) = 2 / (I + O); he: Var(w) = 2 / I; normal: N(0, 0.01^2)."""
    return INITIALIZERS[name](seed)


def build_mlp(num_inputs, hidden_layers, units, activation, *, output="sigmoid", init="glorot",
              seed=0, regularizer=None, dropout=0.0, name="mlp"):
    """Inputs -> `hidden_layers` x Dense(units, activation) -> Dense(1, output).

    Dense layers are named `hidden_1` ... `hidden_N` and `output`. The
    initializer is seeded per layer, so two networks built with the same
    seed and init start from the same weights.
    """
    inputs = keras.Input((num_inputs,), name="inputs")
    x = inputs
    for index in range(1, hidden_layers + 1):
        x = keras.layers.Dense(units, activation=activation, name=f"hidden_{index}",
                               kernel_initializer=initializer(init, seed + index),
                               kernel_regularizer=regularizer)(x)
        if dropout:
            x = keras.layers.Dropout(dropout, seed=seed + index, name=f"dropout_{index}")(x)
    outputs = keras.layers.Dense(1, activation=output, name="output",
                                 kernel_initializer=initializer(init, seed),
                                 kernel_regularizer=regularizer)(x)
    return keras.Model(inputs, outputs, name=name)


def compile_binary(model, learning_rate, decay_steps=None):
    """Bernoulli likelihood: binary cross-entropy, accuracy; Adam (cosine decay)."""
    if decay_steps:
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps, alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.BinaryCrossentropy(),
                  metrics=[keras.metrics.BinaryAccuracy(name="accuracy")])
    return model


def compile_regression(model, learning_rate, decay_steps=None, steps_per_execution=1):
    """Gaussian likelihood: mean squared error; Adam (cosine decay)."""
    if decay_steps:
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps, alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), steps_per_execution=steps_per_execution,
                  loss=keras.losses.MeanSquaredError(), metrics=[keras.metrics.MeanSquaredError(name="mse")])
    return model
