"""What `knn` and `linear` share: the three image classifiers, their test-time cost, the shift test.

- K-NN: scikit-learn's `KNeighborsClassifier` on the flattened pixels (L1 or
  L2 distance); "training" stores the images, testing compares each test
  image with all of them.
- the linear classifier S = W x + b (one Dense layer, softmax, cross-entropy,
  L2 on W), trained with `fit` in the sub-run `linear`.
- LeNet-5 (the shared `lenet5` backbone, F6, softmax) in the sub-run `lenet5`.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

from apps.foundations.images import shift_images
from apps.foundations.model import build_lenet5, build_linear_classifier, compile_classifier
from apps.foundations.runs import sub_run
from shared.app import steps_per_epoch
from shared.data import make_dataset
from shared.training import fit_phase

log = logging.getLogger("annsuite")

TIMING_REPEATS = 3  # the test-time cost is the fastest of this many passes over the test images


def flat(images):
    return np.asarray(images, "float32").reshape(len(images), -1)


def fit_knn(x, y, k, distance):
    """K-NN on raw pixels: L1 (Manhattan, p=1) or L2 (Euclidean, p=2), brute force as in the course."""
    model = KNeighborsClassifier(n_neighbors=k, p=1 if distance == "l1" else 2, algorithm="brute")
    return model.fit(flat(x), y)


def knn_predict(model, images):
    return model.predict(flat(images))


def keras_predict(model, images):
    """Class ids of a Keras classifier, one `predict_on_batch` (no per-call set-up of `predict`)."""
    return np.asarray(model.predict_on_batch(np.asarray(images, "float32"))).argmax(axis=1)


def accuracy_of(predict, images, labels):
    return float(np.mean(predict(images) == labels))


def seconds_per_image(predict, images):
    """Test-time cost of a classifier: the best of TIMING_REPEATS passes, per image."""
    predict(images[:8])  # warm-up: graph tracing is no part of the test-time cost
    best = float("inf")
    for _ in range(TIMING_REPEATS):
        started = time.perf_counter()
        predict(images)
        best = min(best, time.perf_counter() - started)
    return best / len(images)


def train_network(run, name, model, data, callbacks=()):
    """Fit a Keras classifier in the sub-run `name` (Adam, cosine decay); return it as trained."""
    config = run.config
    steps = steps_per_epoch(len(data.y_train), config.batch_size)
    compile_classifier(model, config.learning_rate, decay_steps=steps * config.epochs)
    train = make_dataset(data.x_train, data.y_train, config.batch_size, shuffle=True, seed=config.seed)
    validation = make_dataset(data.x_val, data.y_val, 512)
    fit_phase(sub_run(run, name), model, train, validation, epochs=config.epochs, callbacks=list(callbacks))
    return model


def train_linear(run, data, callbacks=()):
    model = build_linear_classifier(data.image_shape, len(data.class_names), run.config.l2)
    return train_network(run, "linear", model, data, callbacks)


def train_lenet5(run, data):
    model = build_lenet5(data.image_shape, len(data.class_names), seed=run.config.seed)
    return train_network(run, "lenet5", model, data)


def shift_accuracies(predictors, data, shifts):
    """{classifier: [test accuracy at each shift]} on the test images moved right and down."""
    table = {name: [] for name in predictors}
    for pixels in shifts:
        moved = shift_images(data.x_test, pixels)
        for name, predict in predictors.items():
            table[name].append(accuracy_of(predict, moved, data.y_test))
    for name, values in table.items():
        log.info("shift %s px: %-8s accuracy %s", shifts, name, [round(v, 4) for v in values])
    return table


def shift_table(table, shifts):
    lines = ["| classifier | " + " | ".join(f"{s} px" for s in shifts) + " |",
             "|---|" + "---|" * len(shifts)]
    lines += [f"| {name} | " + " | ".join(f"{v:.4f}" for v in values) + " |" for name, values in table.items()]
    return "\n".join(lines)
