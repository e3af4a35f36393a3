"""Feed-forward networks of the foundations app (Functional API)."""

from __future__ import annotations

import keras

from shared.backbones import build_backbone

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


def build_linear_classifier(image_shape, num_classes, l2=0.0, name="linear"):
    """S = W x + b: the flattened image -> one Dense layer `scores` -> softmax.

    Row c of W (column c of the kernel), reshaped to the image, is class c's
    template: the score of class c is the correlation of the image with it.
    """
    images = keras.Input(tuple(image_shape), name="images")
    x = keras.layers.Flatten(name="flatten")(images)
    regularizer = keras.regularizers.L2(l2) if l2 else None
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="scores", kernel_initializer="zeros",
                                 kernel_regularizer=regularizer)(x)
    return keras.Model(images, outputs, name=name)


def templates(model, image_shape):
    """The linear classifier's templates: (classes, H, W, C), class c's weight row as an image."""
    kernel = model.get_layer("scores").get_weights()[0]
    return kernel.T.reshape(-1, *image_shape)


def build_lenet5(image_shape, num_classes, seed=0, name="lenet5"):
    """LeNet-5 (the shared `lenet5` backbone: C1, S2, C3, S4, C5) -> F6 (84, tanh) -> softmax.

    Images in [0, 1] (the backbone rescales from [0, 255])."""
    images = keras.Input(tuple(image_shape), name="images")
    keras.utils.set_random_seed(seed)
    backbone, _ = build_backbone("lenet5", image_shape, kernel_initializer="glorot_uniform")
    x = backbone(keras.layers.Rescaling(255.0, name="to_255")(images))
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(84, activation="tanh", name="f6")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="classes")(x)
    return keras.Model(images, outputs, name=name)


def compile_classifier(model, learning_rate, decay_steps=None):
    """Categorical likelihood: sparse cross-entropy, accuracy; Adam (cosine decay to 1%)."""
    if decay_steps:
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps, alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model
