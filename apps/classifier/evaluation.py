"""The classifier's metrics: accuracy and cross-entropy on held-out images, optional flip TTA."""

from __future__ import annotations

import numpy as np

from shared.distribute import predict


def probabilities(model, x, batch_size=256, tta=False):
    """Class probabilities of `model` on `x`; with `tta` the mean over each image and its mirror image."""
    result = predict(model, x, batch_size)
    if tta and len(x):
        result = (result + predict(model, np.ascontiguousarray(x[:, :, ::-1]), batch_size)) / 2.0
    return result


def accuracy(model, x, y, batch_size=256, tta=False):
    """Top-1 accuracy of `model` on (x, y); NaN for an empty split."""
    if len(y) == 0:
        return float("nan")
    return float(np.mean(probabilities(model, x, batch_size, tta).argmax(axis=1) == y))


def scores(probabilities, labels):
    """accuracy, loss (mean cross-entropy) and the number of examples."""
    labels = np.asarray(labels)
    predicted = probabilities.argmax(axis=1)
    chosen = probabilities[np.arange(len(labels)), labels]
    return {"accuracy": float(np.mean(predicted == labels)),
            "loss": float(-np.mean(np.log(np.clip(chosen, 1e-7, 1.0)))),
            "examples": int(len(labels))}
