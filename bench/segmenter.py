"""Segmenter benchmark: the app's U-Net vs a plain Keras script of the same U-Net.

Both train on the same split of the same data (generated scenes, and the
data of `--data` when given) for the same epochs and batch size in this
process; the result holds examples per second of both (whole train call
for the app: data checks, TensorBoard, checkpoints, test scoring; fit and
test prediction for the plain script), their ratio, and the test mean IoU
and pixel accuracy of both.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

log = logging.getLogger("annsuite")

BUDGET = {"epochs": 6, "batch_size": 16, "max_train_samples": 600}
# Pinned: a data folder would otherwise resolve its own defaults (crops, ce+dice, jitter, warm-up)
# that the plain script does not have.
REAL_BUDGET = {"epochs": 20, "batch_size": 8, "max_train_samples": None, "image_size": 128, "crop": 128, "depth": 4,
               "base_filters": 8, "loss": "ce", "jitter": 0.0, "lr_schedule": "constant", "augment_scale": 0.75}


def plain_unet(image_size, num_classes, base_filters, depth):
    """The same U-Net written with stock Keras layers only."""
    import keras
    from keras import layers

    def double_conv(x, filters):
        for _ in range(2):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(x)
            x = layers.ReLU()(layers.BatchNormalization(momentum=0.9)(x))
        return x

    images = keras.Input((image_size, image_size, 3))
    x = layers.Rescaling(1.0 / 255.0)(images)
    skips = []
    for level in range(depth):
        x = double_conv(x, base_filters * 2**level)
        skips.append(x)
        x = layers.MaxPooling2D(2)(x)
    x = double_conv(x, base_filters * 2**depth)
    for level in reversed(range(depth)):
        x = layers.Conv2DTranspose(base_filters * 2**level, 2, strides=2, padding="same")(x)
        x = double_conv(layers.Concatenate()([x, skips[level]]), base_filters * 2**level)
    return keras.Model(images, layers.Conv2D(num_classes, 1, activation="softmax")(x))


def plain_script(data, config):
    """Train and score the plain U-Net; returns quality and speed."""
    import keras

    from apps.segmenter.evaluation import confusion, scores

    keras.utils.set_random_seed(config.seed)
    model = plain_unet(data.x_train.shape[1], data.num_classes, config.base_filters, config.depth)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=data.ignore_index))
    started = time.time()
    model.fit(data.x_train, data.y_train, batch_size=config.batch_size, epochs=config.epochs, verbose=0)
    test = scores(confusion(model, data.x_test, data.y_test, data.num_classes, data.ignore_index), data.class_names)
    seconds = time.time() - started
    return {"mean_iou": test["mean_iou"], "pixel_accuracy": test["pixel_accuracy"], "seconds": round(seconds, 2),
            "examples_per_second": round(len(data.x_train) * config.epochs / seconds, 2)}


def app_run(argv, config, train_examples):
    from apps.segmenter import main

    with tempfile.TemporaryDirectory() as tmp:
        started = time.time()
        metrics = main(["train", "--run-dir", str(Path(tmp) / "run"), *argv])
        seconds = time.time() - started
    return {"mean_iou": metrics["test"]["mean_iou"], "pixel_accuracy": metrics["test"]["pixel_accuracy"],
            "seconds": round(seconds, 2), "epochs": metrics["epochs"],
            "examples_per_second": round(train_examples * metrics["epochs"] / seconds, 2)}


def compare(budget, data_path=None):
    """One measurement: app vs plain on one data set at one budget."""
    from apps.segmenter.config import SegmenterConfig
    from apps.segmenter.data import load_data

    values = {k: v for k, v in budget.items() if v is not None}
    if data_path:
        values["data"] = str(data_path)
    config = SegmenterConfig(patience=0, augment=False, **values)
    data = load_data(config)
    argv = ["--patience", "0", "--no-augment"]
    for key, value in values.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    app = app_run(argv, config, len(data.x_train))
    plain = plain_script(data, config)
    return {"data": data_path or "scenes", "budget": values, "app": app, "plain_keras": plain,
            "throughput_ratio": round(app["examples_per_second"] / plain["examples_per_second"], 3),
            "mean_iou_difference": round(app["mean_iou"] - plain["mean_iou"], 4)}


def run(args):
    """`python -m bench segmenter [--data CAMVID_OR_OTHER_FOLDER]`."""
    result = {"scenes": compare(BUDGET)}
    if getattr(args, "data", None):
        result["real"] = compare(REAL_BUDGET, args.data)
    log.info("segmenter bench: %s", result)
    return result
