"""Segmentation losses and metrics that leave the void class out.

Registered with Keras so that a checkpoint compiled with them loads back.
"""

from __future__ import annotations

import keras
from keras import ops


def valid_one_hot(y_true, num_classes, ignore_index):
    """(one-hot of y_true, mask of pixels that count), both float."""
    y_true = ops.cast(y_true, "int32")
    valid = ops.ones_like(y_true, dtype="float32")
    if ignore_index is not None:
        valid = ops.cast(ops.not_equal(y_true, ignore_index), "float32")
    valid = valid * ops.cast((y_true >= 0) & (y_true < num_classes), "float32")
    one_hot = ops.one_hot(ops.clip(y_true, 0, num_classes - 1), num_classes)
    return one_hot * valid[..., None], valid


@keras.saving.register_keras_serializable(package="annsuite")
class SoftDiceLoss(keras.losses.Loss):
    """1 - mean over classes of the soft Dice coefficient (Milletari 2016).

    Args:
        num_classes: number of classes (the last axis of y_pred).
        ignore_index: mask value left out (void), or None.
        smooth: added to numerator and denominator.
        class_weights: weights of the classes in the mean, or None.
    """

    def __init__(self, num_classes, ignore_index=None, smooth=1.0, class_weights=None, name="dice", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.smooth = smooth
        self.class_weights = None if class_weights is None else [float(w) for w in class_weights]

    def call(self, y_true, y_pred):
        one_hot, valid = valid_one_hot(y_true, self.num_classes, self.ignore_index)
        y_pred = y_pred * valid[..., None]
        axes = tuple(range(1, len(y_pred.shape) - 1))
        overlap = ops.sum(one_hot * y_pred, axis=axes)
        total = ops.sum(one_hot + y_pred, axis=axes)
        dice = (2.0 * overlap + self.smooth) / (total + self.smooth)
        if self.class_weights is None:
            return 1.0 - ops.mean(dice, axis=-1)
        weights = ops.convert_to_tensor(self.class_weights, "float32")
        return 1.0 - ops.sum(dice * weights, axis=-1) / ops.sum(weights)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "ignore_index": self.ignore_index,
                "smooth": self.smooth, "class_weights": self.class_weights}


@keras.saving.register_keras_serializable(package="annsuite")
class CrossEntropyDiceLoss(keras.losses.Loss):
    """Sparse categorical cross-entropy plus soft Dice.

    Args:
        num_classes: number of classes.
        ignore_index: mask value left out (void), or None.
        class_weights: per-class weights of both terms, or None.
    """

    def __init__(self, num_classes, ignore_index=None, class_weights=None, name="ce_dice", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.class_weights = None if class_weights is None else [float(w) for w in class_weights]
        self.dice = SoftDiceLoss(num_classes, ignore_index, class_weights=class_weights, reduction=None)

    def call(self, y_true, y_pred):
        one_hot, valid = valid_one_hot(y_true, self.num_classes, self.ignore_index)
        if self.class_weights is not None:
            one_hot = one_hot * ops.convert_to_tensor(self.class_weights, "float32")
        pixel = -ops.sum(one_hot * ops.log(ops.clip(y_pred, 1e-7, 1.0)), axis=-1)
        axes = tuple(range(1, len(pixel.shape)))
        ce = ops.sum(pixel, axis=axes) / ops.maximum(ops.sum(valid, axis=axes), 1.0)
        return ce + self.dice.call(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "ignore_index": self.ignore_index,
                "class_weights": self.class_weights}


@keras.saving.register_keras_serializable(package="annsuite")
class PixelAccuracy(keras.metrics.Metric):
    """Fraction of (non-void) pixels whose predicted class is right.

    Args:
        ignore_index: mask value left out (void), or None.
    """

    def __init__(self, ignore_index=None, name="pixel_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.ignore_index = ignore_index
        self.correct = self.add_variable((), initializer="zeros", name="correct")
        self.total = self.add_variable((), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        valid = ops.ones_like(y_true, dtype="float32")
        if self.ignore_index is not None:
            valid = ops.cast(ops.not_equal(y_true, self.ignore_index), "float32")
        hit = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), y_true), "float32")
        self.correct.assign_add(ops.sum(hit * valid))
        self.total.assign_add(ops.sum(valid))

    def result(self):
        return self.correct / ops.maximum(self.total, 1.0)

    def reset_state(self):
        self.correct.assign(0.0)
        self.total.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "ignore_index": self.ignore_index}


def segmentation_metrics(class_names, ignore_index=None):
    """Pixel accuracy, mean IoU and one IoU per class (`iou_<name>`)."""
    count = len(class_names)
    metrics = [PixelAccuracy(ignore_index),
               keras.metrics.MeanIoU(count, name="mean_iou", ignore_class=ignore_index, sparse_y_pred=False)]
    for index, name in enumerate(class_names):
        metrics.append(keras.metrics.IoU(count, [index], name=f"iou_{metric_name(name)}",
                                         ignore_class=ignore_index, sparse_y_pred=False))
    return metrics


def metric_name(name):
    return "".join(c if c.isalnum() else "_" for c in str(name).lower())


def make_loss(kind, num_classes, ignore_index=None, class_weights=None):
    """The loss by name; class weights of "ce" come as pixel sample weights."""
    weights = None if class_weights is None else [float(w) for w in class_weights]
    if kind == "dice":
        return SoftDiceLoss(num_classes, ignore_index, class_weights=weights)
    if kind == "ce+dice":
        return CrossEntropyDiceLoss(num_classes, ignore_index, class_weights=weights)
    return keras.losses.SparseCategoricalCrossentropy(ignore_class=ignore_index)
