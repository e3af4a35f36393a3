"""The classifier's metrics: accuracy and cross-entropy on held-out images."""

from __future__ import annotations

import numpy as np

from shared.distribute import predict


def accuracy(model, x, y, batch_size=256):
    """Top-1 accuracy of `model` on (x, y); NaN for an empty split."""
    if len(y) == 0:
        return float("nan")
    return float(np.mean(predict(model, x, batch_size).argmax(axis=1) == y))


def scores(probabilities, labels):
    """accuracy, loss (mean cross-entropy) and the number of examples."""
    labels = np.asarray(labels)
    predicted = probabilities.argmax(axis=1)
    chosen = probabilities[np.arange(len(labels)), labels]
    return {"accuracy": float(np.mean(predicted == labels)),
            "loss": float(-np.mean(np.log(np.clip(chosen, 1e-7, 1.0)))),
            "examples": int(len(labels))}
