"""Training of the segmenter: one phase, or frozen encoder then fine-tuning."""

from __future__ import annotations

import logging

import numpy as np

from apps.segmenter import figures
from apps.segmenter.data import class_weights, load_data, make_dataset
from apps.segmenter.losses import metric_name
from apps.segmenter.model import build_model, compile_model
from shared.callbacks import ImageLogger
from shared.cli import add_export_arguments, add_run_argument
from shared.distribute import predict
from shared.finetune import freeze, unfreeze_top
from shared.training import (
    finish_run,
    fit_phase,
    get_strategy,
    load_best_model,
    start_run,
    write_json,
)

log = logging.getLogger("annsuite")

APP = "segmenter"
MONITOR = dict(monitor="val_mean_iou", mode="max")


def datasets(config, data, weights):
    pixel_weights = weights if config.loss == "ce" else None
    train = make_dataset(data.x_train, data.y_train, config.batch_size, shuffle=True, seed=config.seed,
                         augment=config.augment, weights=pixel_weights, ignore_index=data.ignore_index)
    validation = make_dataset(data.x_val, data.y_val, config.batch_size)
    return train, validation


def fit_model(run, data):
    """Build and fit the model in `run.path`; returns the epochs trained."""
    config = run.config
    weights = class_weights(config, data)
    shape = tuple(data.x_train.shape[1:])
    with run.strategy.scope():
        model, backbone = build_model(config, shape, data.num_classes)
    train, validation = datasets(config, data, weights)
    images = ImageLogger(run.path, figures.epoch_images(data.x_val, data.y_val, data.class_names))
    fit = dict(train=train, validation=validation, callbacks=[images], **MONITOR)
    steps = -(-len(data.x_train) // config.batch_size)
    compile_args = (config, data.class_names, data.ignore_index, weights)
    if backbone is None:
        with run.strategy.scope():
            compile_model(model, *compile_args, decay_steps=steps * config.epochs)
        return fit_phase(run, model, phase="train", epochs=config.epochs, **fit)["epochs"]
    freeze(backbone)
    with run.strategy.scope():
        compile_model(model, *compile_args)
    head = fit_phase(run, model, phase="decoder", epochs=config.epochs, **fit)
    unfrozen = unfreeze_top(backbone, config.unfreeze_blocks)
    log.info("fine-tuning: %d top encoder blocks unfrozen, learning rate %g", unfrozen, config.learning_rate / 10)
    with run.strategy.scope():
        compile_model(model, *compile_args, learning_rate=config.learning_rate / 10,
                      decay_steps=steps * max(config.fine_tune_epochs, 1))
    done = fit_phase(run, model, phase="fine_tune", initial_epoch=head["epochs"],
                     epochs=head["epochs"] + config.fine_tune_epochs, best_value=head["best"], **fit)
    return done["epochs"]


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
    (as keras.metrics.MeanIoU computes it).
    """
    true, predicted, hits = matrix.sum(1), matrix.sum(0), np.diag(matrix)
    union = true + predicted - hits
    iou = np.where(union > 0, hits / np.maximum(union, 1), np.nan)
    result = {"mean_iou": float(np.nanmean(iou)) if np.any(union > 0) else float("nan"),
              "pixel_accuracy": float(hits.sum() / max(matrix.sum(), 1))}
    for name, value in zip(class_names, iou, strict=True):
        result[f"iou_{metric_name(name)}"] = float(value)
    return result


def write_labels(run, data):
    write_json(run.path / "labels.json", {
        "class_names": data.class_names, "image_size": int(data.x_train.shape[1]),
        "ignore_index": data.ignore_index, "source": data.source})


def train(config, argv=()):
    """`train`: fit, evaluate on the held-out test split, write the run folder."""
    strategy = get_strategy(config.strategy)
    data = load_data(config)  # every file checked before a run folder exists
    run = start_run(APP, config, argv, strategy=strategy)
    write_labels(run, data)
    epochs = fit_model(run, data)
    best = load_best_model(run.path)
    test = scores(confusion(best, data.x_test, data.y_test, data.num_classes, data.ignore_index),
                  data.class_names)
    return finish_run(run, test, epochs, skipped=data.skipped, train_examples=len(data.x_train),
                      model=config.model, class_names=data.class_names)


def evaluate_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--data", help="evaluate on every pair of this data folder instead")


def predict_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    parser.add_argument("--out", help="folder of the PNG masks and overlays (default: <run>/predictions)")


def verbs():
    from apps.segmenter import serving
    from apps.segmenter.config import SegmenterConfig
    from shared.cli import Verb

    return [
        Verb("train", "train a segmenter (default data: generated shape scenes)",
             lambda args: train(args.config, args.argv), config_cls=SegmenterConfig),
        Verb("evaluate", "mean IoU and pixel accuracy of a trained run on held-out data",
             serving.evaluate, evaluate_arguments),
        Verb("predict", "segment image files: colour masks and overlays as PNG", serving.predict,
             predict_arguments),
        Verb("export", "SavedModel: encoded image bytes -> class-id mask at the input's size",
             serving.export, add_export_arguments),
    ]


def main(argv=None):
    """`python -m apps.segmenter VERB ...`; returns the verb's result dict."""
    from shared.cli import dispatch

    return dispatch("python -m apps.segmenter", "Semantic segmentation: U-Net and FCN.", verbs(), argv)
