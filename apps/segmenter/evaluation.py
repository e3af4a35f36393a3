"""The segmenter's metrics: a confusion matrix over pixels, and IoU from it."""

from __future__ import annotations

import numpy as np

from apps.segmenter.losses import metric_name
from shared.distribute import predict


def confusion(model, x, y, num_classes, ignore_index=None, batch_size=32):
    """Confusion matrix (true x predicted) over the non-void pixels."""
    matrix = np.zeros((num_classes, num_classes), "int64")
    for start in range(0, len(x), batch_size):
        predicted = predict(model, x[start:start + batch_size]).argmax(axis=-1).ravel()
        true = y[start:start + batch_size].ravel()
        keep = (true >= 0) & (true < num_classes) & (true != (-1 if ignore_index is None else ignore_index))
        matrix += np.bincount(true[keep] * num_classes + predicted[keep],
                              minlength=num_classes**2).reshape(num_classes, num_classes)
    return matrix


def scores(matrix, class_names):
    """mean_iou, pixel_accuracy and iou_<class> of a confusion matrix.

    The mean is over the classes present in the truth or the prediction
    (as keras.metrics.MeanIoU computes it). Two classes: also `foreground_iou`
    (class 1's IoU).
    """
    true, predicted, hits = matrix.sum(1), matrix.sum(0), np.diag(matrix)
    union = true + predicted - hits
    iou = np.where(union > 0, hits / np.maximum(union, 1), np.nan)
    result = {"mean_iou": float(np.nanmean(iou)) if np.any(union > 0) else float("nan"),
              "pixel_accuracy": float(hits.sum() / max(matrix.sum(), 1))}
    for name, value in zip(class_names, iou, strict=True):
        result[f"iou_{metric_name(name)}"] = float(value)
    if len(class_names) == 2:  # a binary set: class 1 is the foreground
        result["foreground_iou"] = float(iou[1])
    return result


def evaluate_model(model, x, y, class_names, ignore_index=None):
    """`scores` of `model` on the images `x` and masks `y`."""
    return scores(confusion(model, x, y, len(class_names), ignore_index), class_names)
