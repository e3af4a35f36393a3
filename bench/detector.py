"""Detector benchmark: the app's detector vs the same detector built plainly.

Both train on the same split of the same data (generated scenes, and the
data of `--data` when given, e.g. ../shared/data/kangaroo) for the same
epochs and batch size in this process. The plain script writes the same
architecture (VGG-style stages, pyramid, shared heads) with stock Keras
layers, encodes the targets once in NumPy-fed tf ops, trains with
`model.fit` on arrays (no augmentation, no callbacks) and scores with the
same pycocotools code. The result holds training images/second (whole
train call for the app: data checks, per-epoch mAP, TensorBoard,
checkpoints, test scoring; fit alone for the plain script), inference
images/second (model + NMS on the test images) of both, their ratios, and
mAP@0.5 and mAP@[.5:.95] of both.

`models` (issue 23) adds the course's three detectors side by side, each
the app's whole `train` call with `--model` at the same budget and on the
same split: single_stage, two_stage (Faster R-CNN made small) and
sliding_window (with its classifier evaluations per image), each with
mAP@0.5, mAP@[.5:.95], training and inference images/second.
`python -m bench detector --only models` runs only those rows.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import numpy as np

log = logging.getLogger("annsuite")

BUDGET = {"epochs": 6, "num_scenes": 900}
# Every option the app would resolve from the data is given, so that both sides train the same thing.
MODELS = ("single_stage", "two_stage", "sliding_window")
REAL_BUDGET = {"epochs": 20, "image_size": 128, "min_level": 3, "max_level": 5, "anchor_size": 4.0,
               "aspect_ratios": "0.5,1.0,2.0", "warmup_fraction": 0.0, "batch_size": 8,
               "test_fraction": 0.2, "validation_fraction": 0.1}


def plain_detector(config, image_size, num_classes):
    """The same detector with stock Keras layers only (built-in VGG backbone)."""
    import keras
    from keras import layers

    def conv(x, filters):  # the registry's ConvBlock: conv (he_normal, no bias), batch norm, ReLU
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(x)
        return layers.ReLU()(layers.BatchNormalization()(x))

    images = keras.Input((image_size, image_size, 3))
    x = layers.Rescaling(1.0 / 255.0)(images)
    maps = {}
    for stage, filters in enumerate((config.width, config.width * 2, config.width * 4)):
        x = conv(conv(x, filters), filters)
        maps[stage] = x
        if stage < 2:
            x = layers.MaxPooling2D(2)(x)
    x = maps[2]  # stride 4
    f = config.fpn_filters
    if config.min_level == 2:
        x = layers.Conv2D(f, 3, padding="same")(layers.Conv2D(f, 1)(x))
    else:
        for level in range(3, config.min_level + 1):
            x = layers.Conv2D(f, 3, strides=2, padding="same", activation=None if level == config.min_level else "relu")(x)
    levels = [x]
    for _ in range(config.min_level + 1, config.max_level + 1):
        levels.append(layers.Conv2D(f, 3, strides=2, padding="same")(layers.ReLU()(levels[-1])))
    a = config.anchors_per_location
    towers = [layers.Conv2D(f, 3, padding="same", activation="relu") for _ in range(2 * config.head_convs)]
    class_out = layers.Conv2D(a * (num_classes + 1), 3, padding="same")
    box_out = layers.Conv2D(a * 4, 3, padding="same", kernel_initializer=keras.initializers.RandomNormal(stddev=0.01))
    logits, offsets = [], []
    for feature in levels:
        c, b = feature, feature
        for index in range(config.head_convs):
            c, b = towers[index](c), towers[config.head_convs + index](b)
        logits.append(layers.Reshape((-1, num_classes + 1))(class_out(c)))
        offsets.append(layers.Reshape((-1, 4))(box_out(b)))
    outputs = {"classes": layers.Softmax(name="classes")(layers.Concatenate(axis=1)(logits)),
               "boxes": layers.Identity(name="boxes")(layers.Concatenate(axis=1)(offsets))}
    model = keras.Model(images, outputs)
    bias = np.zeros((a, num_classes + 1), "float32")
    bias[:, 0] = np.log(0.99 * num_classes / 0.01)
    class_out.bias.assign(bias.reshape(-1))
    return model


def encode_all(examples, anchors, config):
    from apps.detector.boxes import encode_targets

    targets = [encode_targets(anchors, b, c, config.positive_iou, config.negative_iou)
               for b, c in zip(examples.boxes, examples.classes)]
    return {key: np.stack([np.asarray(t[key]) for t in targets]) for key in ("boxes", "classes")}


def inference(model, examples, anchors, config, class_names):
    from apps.detector.evaluation import coco_metrics, predict_detections
    from apps.detector.two_stage_hooks import predict_two_stage

    started = time.time()
    if config.model == "two_stage":  # class-specific boxes of proposals, not anchor offsets
        found, _ = predict_two_stage(model, examples.images, config)
    else:
        found = predict_detections(model, examples.images, anchors, config)
    seconds = time.time() - started
    metrics = coco_metrics(examples.boxes, examples.classes, found, class_names)
    return metrics, round(len(examples) / seconds, 2)


def plain_script(data, anchors, config):
    import keras

    from apps.detector.losses import BoxLoss, FocalLoss

    keras.utils.set_random_seed(config.seed)
    model = plain_detector(config, data.image_size, len(data.class_names))
    steps = -(-len(data.train) // config.batch_size) * config.epochs
    model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(
        config.learning_rate, steps, alpha=0.01), clipnorm=10.0),
        loss={"boxes": BoxLoss(), "classes": FocalLoss(config.focal_gamma, config.focal_alpha)})
    started = time.time()
    targets = encode_all(data.train, anchors, config)
    model.fit(data.train.images, targets, batch_size=config.batch_size, epochs=config.epochs, verbose=0)
    seconds = time.time() - started
    metrics, per_second = inference(model, data.test, anchors, config, data.class_names)
    return {"map50": metrics["map50"], "map": metrics["map"], "train_seconds": round(seconds, 2),
            "train_images_per_second": round(len(data.train) * config.epochs / seconds, 2),
            "inference_images_per_second": per_second}


def app_run(argv, data, anchors, config):
    from apps.detector import main
    from apps.detector.app import APP

    with tempfile.TemporaryDirectory() as tmp:
        started = time.time()
        metrics = main(["train", "--run-dir", str(Path(tmp) / "run"), *argv])
        seconds = time.time() - started
        trained = APP.load(Path(tmp) / "run")
        _, per_second = inference(trained.network, data.test, anchors, config, data.class_names)
    extra = {key: metrics[key] for key in ("classifier_evaluations_per_image",) if key in metrics}
    return {"map50": metrics["test"]["map50"], "map": metrics["test"]["map"], "train_seconds": round(seconds, 2),
            "epochs": metrics["epochs"], **extra,
            "train_images_per_second": round(len(data.train) * metrics["epochs"] / seconds, 2),
            "inference_images_per_second": per_second}


def prepared(budget, data_path=None, **options):
    """(values, config, data, anchors, argv) of one data set at one budget."""
    from apps.detector.boxes import anchors_for
    from apps.detector.config import DetectorConfig
    from apps.detector.data import load_data

    values = dict(budget, **({"data": str(data_path), "skip_bad": True} if data_path else {}), **options)
    config = DetectorConfig(patience=0, augment=False, **values)
    data = load_data(config)
    anchors = anchors_for(config, data.image_size)
    argv = ["--patience", "0", "--no-augment"]
    for key, value in values.items():
        argv += [f"--{key.replace('_', '-')}"] if value is True else [f"--{key.replace('_', '-')}", str(value)]
    return values, config, data, anchors, argv


def compare_models(budget, data_path=None):
    """The three detectors of the course, each the app's train call with --model, at one budget."""
    rows = {}
    for model in MODELS:
        _, config, data, anchors, argv = prepared(budget, data_path, model=model)
        rows[model] = app_run(argv, data, anchors, config)
    return {"data": data_path or "scenes", "budget": budget, "models": rows}


def compare(budget, data_path=None):
    """One measurement: app vs plain on one data set at one budget."""
    values, config, data, anchors, argv = prepared(budget, data_path)
    app = app_run(argv, data, anchors, config)
    plain = plain_script(data, anchors, config)
    return {"data": data_path or "scenes", "budget": values, "app": app, "plain_keras": plain,
            "train_throughput_ratio": round(app["train_images_per_second"] / plain["train_images_per_second"], 3),
            "inference_throughput_ratio": round(app["inference_images_per_second"]
                                                / plain["inference_images_per_second"], 3),
            "map50_difference": round(app["map50"] - plain["map50"], 4)}


def run(args):
    """`python -m bench detector [--data KANGAROO_OR_OTHER_FOLDER] [--only models]`."""
    only_models = (getattr(args, "only", None) or "") == "models"
    result = {} if only_models else {"scenes": compare(BUDGET)}
    result["models_scenes"] = compare_models(BUDGET)
    if getattr(args, "data", None):
        if not only_models:
            result["real"] = compare(REAL_BUDGET, args.data)
        result["models_real"] = compare_models(REAL_BUDGET, args.data)
    log.info("detector bench: %s", result)
    return result
