"""The mlp experiment's metrics: accuracy and cross-entropy of P(class 1)."""

from __future__ import annotations

import numpy as np

from apps.foundations.runs import model_predict


def accuracy(model, x, y):
    """Share of points whose P(class 1) > 0.5 matches the 0/1 label."""
    return float(np.mean((model_predict(model, x)[:, 0] > 0.5) == (y > 0.5)))


def scores(probabilities, labels):
    """accuracy, loss (mean binary cross-entropy) and the number of examples."""
    labels = np.asarray(labels) > 0.5
    probabilities = np.clip(np.asarray(probabilities, dtype="float64"), 1e-7, 1 - 1e-7)
    loss = -np.mean(np.where(labels, np.log(probabilities), np.log(1 - probabilities)))
    return {"accuracy": float(np.mean((probabilities > 0.5) == labels)), "loss": float(loss),
            "examples": int(len(labels))}
