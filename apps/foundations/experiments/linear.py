"""`linear`: the linear classifier S = W x + b and its two readings.

One Dense layer with softmax and cross-entropy (L2 on W: `--l2`), trained
with `fit` in the sub-run `linear`. Template matching: row c of W reshaped
to the image is class c's template, the score of class c the correlation of
the image with it; the templates are drawn after every epoch (TensorBoard
`templates` and `figures/templates/epoch_NNN.png`). Hyperplanes: the same
model on a 2-D three-class problem, each class's line w_c . x + b_c = 0
(`figures/hyperplanes.png`). Its accuracy is set beside K-NN's and LeNet-5's.
"""

from __future__ import annotations

import logging

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import make_blobs

from apps.foundations import figures
from apps.foundations.experiments import baselines
from apps.foundations.images import load_images
from apps.foundations.model import build_linear_classifier, compile_classifier, templates
from apps.foundations.runs import save_figure
from shared.images import save_png

log = logging.getLogger("annsuite")

TEMPLATES_FOLDER = "templates"
BLOB_CENTERS = [(-2.0, -1.0), (2.0, -1.0), (0.0, 2.0)]


def load_data(config):
    return load_images(config)


def template_strip(weights, scale=4):
    """The templates side by side as one uint8 RGB image: red positive, blue negative weights, white 0.

    Each template is scaled by its own largest |weight| (channels averaged), up-sampled `scale` times."""
    grey = weights.mean(axis=-1)
    grey = grey / np.maximum(np.abs(grey).max(axis=(1, 2), keepdims=True), 1e-12)
    positive, negative = np.clip(grey, 0, 1), np.clip(-grey, 0, 1)
    rgb = np.stack([1 - negative, 1 - positive - negative, 1 - positive], axis=-1)
    rgb = np.pad(rgb, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=0.5)
    strip = np.concatenate(list(rgb), axis=1).repeat(scale, axis=0).repeat(scale, axis=1)
    return (np.clip(strip, 0, 1) * 255).round().astype("uint8")


class TemplateLogger(keras.callbacks.Callback):
    """After each epoch: the templates as a TensorBoard image and as figures/templates/epoch_NNN.png."""

    def __init__(self, run_path, image_shape):
        super().__init__()
        self.run_path = run_path
        self.image_shape = image_shape
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        picture = template_strip(templates(self.model, self.image_shape))
        save_png(picture, self.run_path / "figures" / TEMPLATES_FOLDER / f"epoch_{epoch + 1:03d}.png")
        self.writer = self.writer or tf.summary.create_file_writer(str(self.run_path / TEMPLATES_FOLDER))
        with self.writer.as_default():
            tf.summary.image("templates", picture[None], step=epoch + 1)
        self.writer.flush()


def hyperplanes(run):
    """A linear softmax classifier on three 2-D blobs: (accuracy, kernel (2, 3), bias (3,))."""
    config = run.config
    x, y = make_blobs(config.points, centers=BLOB_CENTERS, cluster_std=0.9, random_state=config.seed)
    x = x.astype("float32")
    model = compile_classifier(build_linear_classifier((2,), 3, name="linear_2d"), 0.05)
    keras.utils.set_random_seed(config.seed)
    model.fit(x, y, batch_size=32, epochs=30, verbose=0)
    kernel, bias = model.get_layer("scores").get_weights()
    accuracy = float(np.mean(model.predict(x, verbose=0).argmax(axis=1) == y))
    save_figure(run, "hyperplanes", figures.hyperplanes_figure(
        x, y, kernel, bias, f"a linear classifier in 2-D: one line per class (accuracy {accuracy:.3f})"))
    return accuracy, kernel, bias


def run_experiment(run, data):
    """Templates per epoch, the hyperplanes, accuracy beside K-NN and LeNet-5: (test, extras, epochs)."""
    config = run.config
    logger = TemplateLogger(run.path, data.image_shape)
    linear = baselines.train_linear(run, data, callbacks=[logger])
    final = templates(linear, data.image_shape)
    save_figure(run, "templates", figures.templates_figure(final, data.class_names, "the linear classifier's "
                                                           "templates (rows of W)"))
    accuracy_2d, kernel, bias = hyperplanes(run)
    knn = baselines.fit_knn(data.x_train, data.y_train, min(config.k, len(data.y_train)), "l2")
    lenet = baselines.train_lenet5(run, data)
    test = {"accuracy": baselines.accuracy_of(lambda x: baselines.keras_predict(linear, x), data.x_test, data.y_test),
            "knn_accuracy": baselines.accuracy_of(lambda x: baselines.knn_predict(knn, x), data.x_test, data.y_test),
            "lenet5_accuracy": baselines.accuracy_of(lambda x: baselines.keras_predict(lenet, x), data.x_test,
                                                     data.y_test),
            "hyperplanes_accuracy": accuracy_2d}
    log.info("test accuracy: linear %.4f, K-NN (k=%d) %.4f, LeNet-5 %.4f", test["accuracy"], config.k,
             test["knn_accuracy"], test["lenet5_accuracy"])
    extras = {"templates_shape": list(final.shape), "l2": config.l2, "k": config.k,
              "hyperplanes": {"kernel": kernel.tolist(), "bias": bias.tolist()},
              "image_shape": list(data.image_shape), "train_examples": len(data.y_train)}
    return test, extras, config.epochs
