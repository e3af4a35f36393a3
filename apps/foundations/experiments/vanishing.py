"""`vanishing`: gradients of deep sigmoid vs ReLU networks, and initialisation.

Both networks share the depth, width, initialiser and seed; only the
activation differs. The per-layer gradient norms of the first training
batches go to TensorBoard (histograms of the gradients, scalars of their
norms) and to one plot. The second part pushes N(0, 1) inputs through
untrained networks under each initialiser and plots the variance of each
layer's activations: it stays put where I * Var(w) is about 1 (Glorot for
tanh, He for ReLU) and collapses for N(0, 0.01).
"""

from __future__ import annotations

import logging

import keras
import numpy as np
import tensorflow as tf

from apps.foundations import data as datasets
from apps.foundations import figures
from apps.foundations.config import INITS
from apps.foundations.model import build_mlp, compile_binary
from apps.foundations.runs import model_predict, save_figure, sub_run, write_scalars
from shared.callbacks import SummaryWriterCallback
from shared.data import make_dataset
from shared.training import fit_phase

log = logging.getLogger("annsuite")

ACTIVATIONS = ("sigmoid", "relu")
VARIANCE_ACTIVATIONS = ("tanh", "relu")
PROBE_SIZE = 256


class GradientNorms(SummaryWriterCallback):
    """Before each of the first `batches` updates: per-layer gradients on a fixed batch.

    Args:
        x: the probe inputs.
        y: their 0/1 labels.
        batches: how many training batches to measure.
        log_dir: the (sub-)run folder; histograms and norms go to `<log_dir>/gradients`.
        layer_names: the Dense layers, input side first.
    """

    def __init__(self, x, y, batches, log_dir, layer_names):
        super().__init__(log_dir, subdir="gradients")
        self.x = x
        self.y = y[:, None]
        self.batches = batches
        self.layer_names = list(layer_names)
        self.norms = []
        self.step = 0

    def on_train_begin(self, logs=None):
        self.norms, self.step = [], 0

    def on_train_batch_begin(self, batch, logs=None):
        if self.step >= self.batches:
            return
        kernels = [self.model.get_layer(name).kernel for name in self.layer_names]
        with tf.GradientTape() as tape:
            loss = self.model.loss(self.y, self.model(self.x, training=True))
        gradients = tape.gradient(loss, [kernel.value for kernel in kernels])
        self.norms.append([float(tf.norm(gradient)) for gradient in gradients])
        with self.writer().as_default():
            for name, gradient, norm in zip(self.layer_names, gradients, self.norms[-1], strict=True):
                tf.summary.histogram(f"gradients/{name}", gradient, step=self.step)
                tf.summary.scalar(f"gradient_norm/{name}", norm, step=self.step)
            tf.summary.histogram("gradient_norm_per_layer", np.log10(np.maximum(self.norms[-1], 1e-30)),
                                 step=self.step)
        self.writer().flush()
        self.step += 1

    def mean_norms(self):
        """Mean norm of each layer over the measured batches (input side first)."""
        return np.mean(np.asarray(self.norms), axis=0)


def train_deep(run, activation, parts):
    """Train one deep network briefly; return (mean norms per layer, test accuracy)."""
    config = run.config
    deep_run = sub_run(run, activation)
    model = build_mlp(2, config.depth, config.width, activation, init=config.init, seed=config.seed,
                      name=f"deep_{activation}")
    compile_binary(model, config.learning_rate)
    model.run_eagerly = True  # tracing a 20-layer step costs more than the few steps it runs
    names = [f"hidden_{index}" for index in range(1, config.depth + 1)]
    norms = GradientNorms(parts.x_train[:PROBE_SIZE], parts.y_train[:PROBE_SIZE], config.gradient_batches,
                          deep_run.path, names)
    train = make_dataset(parts.x_train, parts.y_train, config.batch_size, shuffle=True, seed=config.seed)
    validation = make_dataset(parts.x_val, parts.y_val, 256)
    fit_phase(deep_run, model, train, validation, epochs=config.epochs, callbacks=[norms])
    accuracy = float(np.mean((model_predict(model, parts.x_test)[:, 0] > 0.5) == (parts.y_test > 0.5)))
    mean = norms.mean_norms()
    log.info("%s: gradient norm layer 1 %.3g, layer %d %.3g (ratio %.3g); test accuracy %.3f",
             activation, mean[0], config.depth, mean[-1], mean[0] / mean[-1], accuracy)
    return mean, accuracy


def activation_variances(init, activation, depth, width, seed, samples=512):
    """Variance of each hidden layer's output for N(0, 1) inputs of size `width`."""
    model = build_mlp(width, depth, width, activation, init=init, seed=seed)
    probe = keras.Model(model.inputs, [model.get_layer(f"hidden_{i}").output for i in range(1, depth + 1)])
    x = np.random.default_rng(seed).normal(size=(samples, width)).astype("float32")
    return [float(np.var(output)) for output in probe.predict(x, verbose=0)]


def variance_study(run):
    config = run.config
    variances, test = {}, {}
    for init in INITS:
        for activation in VARIANCE_ACTIVATIONS:
            values = activation_variances(init, activation, config.depth, config.width, config.seed)
            variances[(init, activation)] = values
            write_scalars(run.path / "variance" / f"{init}-{activation}", {"activation_variance": values})
            test[f"variance_ratio_{init}_{activation}"] = values[-1] / values[0]
    save_figure(run, "activation_variance", figures.variance_figure(variances))
    return test, {f"{init}/{activation}": values for (init, activation), values in variances.items()}


def load_data(config):
    """Two moons, split: the problem both deep networks train on."""
    x, y = datasets.two_moons(config.samples, 0.15, config.seed)
    return datasets.split(x, y, config)


def run_experiment(run, parts):
    """Sigmoid vs ReLU gradient norms, then the initialisation study: (test, extras, epochs)."""
    norms, test = {}, {}
    for activation in ACTIVATIONS:
        mean, accuracy = train_deep(run, activation, parts)
        norms[activation] = mean.tolist()
        test[f"{activation}_gradient_ratio"] = float(mean[0] / mean[-1])
        test[f"{activation}_accuracy"] = accuracy
    save_figure(run, "gradient_norms", figures.gradient_norms_figure(norms))
    variance_test, variances = variance_study(run)
    test.update(variance_test)
    return test, {"gradient_norms": norms, "activation_variances": variances}, run.config.epochs
