"""The detector's losses: focal loss on classes, smooth L1 on box offsets.

Both are normalised by the number of positive anchors in the batch (as in
RetinaNet). Targets come from `boxes.encode_targets`.
"""

from __future__ import annotations

import keras
from keras import ops


def positives(flags):
    return ops.maximum(ops.sum(flags), 1.0)


@keras.saving.register_keras_serializable(package="annsuite")
class FocalLoss(keras.losses.Loss):
    """Softmax focal loss (Lin et al. 2017) with a background class 0.

    Args:
        gamma: focusing parameter; 0 gives cross-entropy.
        alpha: weight of object anchors; background anchors get 1 - alpha.

    y_true: (B, A) int class per anchor (0 background, -1 ignored);
    y_pred: (B, A, C + 1) probabilities.
    """

    def __init__(self, gamma=2.0, alpha=0.25, name="focal_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.gamma = gamma
        self.alpha = alpha

    def call(self, y_true, y_pred):
        labels = ops.cast(ops.reshape(y_true, ops.shape(y_pred)[:-1]), "int32")
        valid = ops.cast(labels >= 0, "float32")
        one_hot = ops.one_hot(ops.maximum(labels, 0), ops.shape(y_pred)[-1])
        p_true = ops.sum(one_hot * ops.clip(y_pred, 1e-7, 1.0), axis=-1)
        weight = ops.where(labels > 0, self.alpha, 1.0 - self.alpha)
        loss = -weight * ops.power(1.0 - p_true, self.gamma) * ops.log(p_true)
        return ops.sum(loss * valid) / positives(ops.cast(labels > 0, "float32"))

    def get_config(self):
        return {**super().get_config(), "gamma": self.gamma, "alpha": self.alpha}


@keras.saving.register_keras_serializable(package="annsuite")
class BoxLoss(keras.losses.Loss):
    """Smooth L1 (Huber) on the encoded offsets of positive anchors.

    y_true: (B, A, 5) encoded offsets and a positive flag; y_pred: (B, A, 4).
    """

    def __init__(self, delta=1.0, name="box_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.delta = delta

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        flags = y_true[..., 4]
        error = ops.abs(y_true[..., :4] - y_pred)
        huber = ops.where(error < self.delta, 0.5 * error**2, self.delta * (error - 0.5 * self.delta))
        return ops.sum(ops.sum(huber, axis=-1) * flags) / positives(flags)

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}
