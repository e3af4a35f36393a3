"""The sentiment metrics: accuracy, cross-entropy and ROC AUC on held-out texts."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score


def scores(probabilities, labels):
    """accuracy, loss (cross-entropy), the number of examples and, for two classes, ROC AUC."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        return {"accuracy": float("nan"), "examples": 0}
    picked = np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1.0)
    result = {"accuracy": float(np.mean(probabilities.argmax(axis=1) == labels)),
              "loss": float(-np.mean(np.log(picked))), "examples": int(len(labels))}
    if probabilities.shape[1] == 2 and len(set(labels.tolist())) == 2:
        result["auc"] = float(roc_auc_score(labels, probabilities[:, 1]))
    return result


def held_out_scores(predictor, texts, labels):
    """The metrics.json `test` entries: `scores` without the example count."""
    result = scores(predictor.probabilities(texts), labels)
    result.pop("examples")
    return result
