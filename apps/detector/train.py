"""Training of the detector and the command line (`main`, the verbs)."""

from __future__ import annotations

import logging

import keras
import numpy as np

from apps.detector import figures
from apps.detector.augment import random_augment
from apps.detector.boxes import anchors_for, encode_targets
from apps.detector.data import load_data, padded
from apps.detector.evaluation import evaluate_examples, predict_detections
from apps.detector.model import build_model, compile_model
from shared.backbones import save_backbone
from shared.callbacks import ImageLogger
from shared.cli import add_export_arguments, add_run_argument
from shared.training import (
    finish_run,
    fit_phase,
    get_strategy,
    load_best_model,
    start_run,
    write_json,
)

log = logging.getLogger("annsuite")

APP = "detector"
GRID_IMAGES = 8
MONITOR = "val_map"


def make_dataset(examples, anchors, config, training=False):
    """(images, {"boxes", "classes"} targets) batches; augmented when training."""
    import tensorflow as tf

    boxes, classes, counts = padded(examples)
    anchors = tf.constant(anchors)
    dataset = tf.data.Dataset.from_tensor_slices((examples.images, boxes, classes, counts))
    if training:
        dataset = dataset.shuffle(len(examples), seed=config.seed, reshuffle_each_iteration=True)
        seeds = tf.data.Dataset.random(seed=config.seed).batch(2)
        dataset = tf.data.Dataset.zip(dataset, seeds)

    def prepare(item, seed=None):
        image, image_boxes, image_classes, count = item
        image_boxes, image_classes = image_boxes[:count], image_classes[:count]
        if seed is not None and config.augment:
            image, image_boxes, image_classes = random_augment(image, image_boxes, image_classes, seed)
        targets = encode_targets(anchors, image_boxes, image_classes, config.positive_iou, config.negative_iou)
        return image, targets

    mapper = (lambda item, seed: prepare(item, seed)) if training else (lambda *item: prepare(item))
    dataset = dataset.map(mapper, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(config.batch_size).prefetch(tf.data.AUTOTUNE)


class MapCallback(keras.callbacks.Callback):
    """COCO mAP on fixed validation images after each epoch, into the logs
    (`val_map`, `val_map50`, `val_recall100`, `val_ap_<class>`): TensorBoard,
    history.csv and the best checkpoint see them."""

    def __init__(self, examples, anchors, config, class_names):
        super().__init__()
        self.examples = examples
        self.anchors = anchors
        self.config = config
        self.class_names = class_names

    def on_epoch_end(self, epoch, logs=None):
        metrics = evaluate_examples(self.model, self.examples, self.anchors, self.config, self.class_names)
        if logs is not None:
            keys = ["map", "map50", "recall100", *(f"ap_{name}" for name in self.class_names)]
            for key in keys:
                logs[f"val_{key}"] = metrics[key]
        log.info("epoch %d: validation mAP %.4f, mAP@0.5 %.4f", epoch + 1, metrics["map"], metrics["map50"])


def epoch_images(examples, anchors, config, class_names):
    """make_images(model, epoch) for ImageLogger: boxes on validation scenes."""
    images = examples.images[:GRID_IMAGES]
    truths = list(zip(examples.boxes[:GRID_IMAGES], examples.classes[:GRID_IMAGES]))
    scale = max(1, 256 // images.shape[1])

    def make_images(model, epoch):
        found = predict_detections(model, images, anchors, config)
        return {"detections": figures.detection_grid(images, found, class_names, truths, scale=scale)}

    return make_images


def fit_model(run, data, anchors):
    """Build, compile and fit in `run.path`; returns (model, backbone, epochs)."""
    config = run.config
    with run.strategy.scope():
        model, backbone = build_model(config, data.image_size, len(data.class_names))
        steps = -(-len(data.train) // config.batch_size)
        compile_model(model, config, decay_steps=steps * max(config.epochs, 1))
    subset = data.validation.take(np.arange(min(config.map_images, len(data.validation))))
    callbacks = [MapCallback(subset, anchors, config, data.class_names),
                 ImageLogger(run.path, epoch_images(subset, anchors, config, data.class_names))]
    done = fit_phase(run, model, make_dataset(data.train, anchors, config, training=True),
                     make_dataset(data.validation, anchors, config), phase="train", epochs=config.epochs,
                     monitor=MONITOR, mode="max", callbacks=callbacks)
    return model, backbone, done["epochs"]


def write_labels(run, data):
    write_json(run.path / "labels.json", {"class_names": data.class_names, "image_size": data.image_size,
                                          "source": data.source})


def train(config, argv=()):
    """`train`: fit, evaluate on the held-out test split, write the run folder."""
    strategy = get_strategy(config.strategy)
    data = load_data(config)  # every file checked before a run folder exists
    run = start_run(APP, config, argv, strategy=strategy)
    write_labels(run, data)
    anchors = anchors_for(config, data.image_size)
    log.info("%d anchors (%d per location, levels P%d-P%d)", len(anchors), config.anchors_per_location,
             config.min_level, config.max_level)
    _, backbone, epochs = fit_model(run, data, anchors)
    if config.save_backbone:
        save_backbone(backbone, config.save_backbone)
    best = load_best_model(run.path)
    test = evaluate_examples(best, data.test, anchors, config, data.class_names)
    return finish_run(run, test, epochs, skipped=data.skipped, train_examples=len(data.train),
                      class_names=data.class_names)


def evaluate_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--data", help="evaluate on every image of this data set (VOC, COCO or CSV) instead")


def predict_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    parser.add_argument("--out", help="folder of pictures and detections.json (default: <run>/predictions)")
    parser.add_argument("--min-score", type=float, default=0.3, help="lowest score drawn and listed")


def explain_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--count", type=int, default=4, help="test images to explain")


def verbs():
    from apps.detector import explain, serving
    from apps.detector.config import DetectorConfig
    from shared.cli import Verb

    return [
        Verb("train", "train a detector (default data: generated scenes of shapes)",
             lambda args: train(args.config, args.argv), config_cls=DetectorConfig),
        Verb("evaluate", "COCO mAP of a trained run on held-out data", serving.evaluate, evaluate_arguments),
        Verb("predict", "draw boxes on image files and write detections.json", serving.predict, predict_arguments),
        Verb("export", "SavedModel that serves encoded image bytes: boxes, scores, classes",
             serving.export, add_export_arguments),
        Verb("explain", "RoI-pooled backbone features of each detection (Fast R-CNN style) as PNG",
             explain.explain, explain_arguments),
    ]


def main(argv=None):
    """`python -m apps.detector VERB ...`; returns the verb's result dict."""
    from shared.cli import dispatch

    return dispatch("python -m apps.detector", "Object detection with anchors, focal loss and NMS.",
                    verbs(), argv)
