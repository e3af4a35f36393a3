"""Training of the classifier: one model, two fine-tuning phases, or K folds."""

from __future__ import annotations

import logging
import shutil

import numpy as np

from apps.classifier import figures
from apps.classifier.data import load_data
from apps.classifier.model import build_model, compile_model
from shared.backbones import save_backbone
from shared.callbacks import ImageLogger
from shared.cli import add_export_arguments, add_run_argument
from shared.data import make_dataset
from shared.distribute import RepeatedPredict, predict
from shared.finetune import freeze, unfreeze_top
from shared.training import (
    Run,
    finish_run,
    fit_phase,
    get_strategy,
    load_best_model,
    start_run,
    write_json,
)

log = logging.getLogger("annsuite")

APP = "classifier"
GRID_SIZE = 18
CONFUSION_SAMPLES = 512


def epoch_images(x_val, y_val, class_names):
    """make_images(model, epoch) for ImageLogger: confusion matrix and grid."""
    x_fixed, y_fixed = x_val[:CONFUSION_SAMPLES], y_val[:CONFUSION_SAMPLES]
    predict_fixed = RepeatedPredict(x_fixed, batch_size=64)

    def make_images(model, epoch):
        probabilities = predict_fixed(model)
        return {
            "confusion_matrix": figures.confusion_matrix_image(
                y_fixed, probabilities.argmax(axis=1), class_names),
            "predictions": figures.prediction_grid_image(
                x_fixed[:GRID_SIZE], y_fixed[:GRID_SIZE], probabilities[:GRID_SIZE], class_names),
        }

    return make_images


def fit_model(run, data):
    """Build and fit one model in `run.path`; return (model, backbone, epochs).

    A pretrained backbone trains in two phases in the same run (frozen
    backbone, then the top blocks at a 10x lower learning rate); a
    backbone from scratch trains in one.
    """
    config = run.config
    augment = config.augment if config.augment is not None else True
    with run.strategy.scope():
        model, backbone = build_model(config, data.image_shape, len(data.class_names), augment,
                                      flip=data.source == "folder")
    train = make_dataset(data.x_train, data.y_train, config.batch_size, shuffle=True, seed=config.seed)
    validation = make_dataset(data.x_val, data.y_val, config.batch_size)
    images = ImageLogger(run.path, epoch_images(data.x_val, data.y_val, data.class_names))
    fit = dict(train=train, validation=validation, callbacks=[images])
    steps = -(-len(data.y_train) // config.batch_size)
    if not config.pretrained:
        with run.strategy.scope():
            compile_model(model, config.learning_rate, decay_steps=steps * config.epochs)
        done = fit_phase(run, model, phase="train", epochs=config.epochs, **fit)
        return model, backbone, done["epochs"]
    freeze(backbone)
    with run.strategy.scope():
        compile_model(model, config.learning_rate)
    head = fit_phase(run, model, phase="head", epochs=config.epochs, **fit)
    unfrozen = unfreeze_top(backbone, config.unfreeze_blocks)
    log.info("fine-tuning: %d top blocks unfrozen, learning rate %g", unfrozen, config.learning_rate / 10)
    with run.strategy.scope():
        compile_model(model, config.learning_rate / 10, decay_steps=steps * config.fine_tune_epochs)
    done = fit_phase(run, model, phase="fine_tune", initial_epoch=head["epochs"],
                     epochs=head["epochs"] + config.fine_tune_epochs, best_value=head["best"], **fit)
    return model, backbone, done["epochs"]


def accuracy(model, x, y, batch_size=256):
    if len(y) == 0:
        return float("nan")
    return float(np.mean(predict(model, x, batch_size).argmax(axis=1) == y))


def write_labels(run, data):
    write_json(run.path / "labels.json", {
        "class_names": data.class_names, "image_size": int(data.image_shape[0]),
        "channels": int(data.image_shape[-1]), "source": data.source})


def train(config, argv=()):
    """`train`: fit, evaluate on the held-out test split, write the run folder."""
    strategy = get_strategy(config.strategy)
    data = load_data(config)  # every file checked before a run folder exists
    run = start_run(APP, config, argv, strategy=strategy)
    write_labels(run, data)
    if config.folds:
        return cross_validate(run, data)
    model, backbone, epochs = fit_model(run, data)
    if config.save_backbone:
        save_backbone(backbone, config.save_backbone)
    best = load_best_model(run.path)
    test = {"accuracy": accuracy(best, data.x_test, data.y_test)}
    return finish_run(run, test, epochs, skipped=data.skipped, train_examples=len(data.y_train))


def cross_validate(run, data):
    """K models on stratified folds of train+validation; test split untouched."""
    from sklearn.model_selection import StratifiedKFold

    config = run.config
    x = np.concatenate([data.x_train, data.x_val])
    y = np.concatenate([data.y_train, data.y_val])
    folds = StratifiedKFold(n_splits=config.folds, shuffle=True, random_state=config.seed)
    held_out, tested, epochs = [], [], 0
    for index, (train_idx, val_idx) in enumerate(folds.split(x, y), start=1):
        fold_run = Run(path=run.path / f"fold-{index}", config=config, strategy=run.strategy)
        fold_data = type(data)(x[train_idx], y[train_idx], x[val_idx], y[val_idx],
                               data.x_test, data.y_test, data.class_names, data.source)
        _, _, fold_epochs = fit_model(fold_run, fold_data)
        model = load_best_model(fold_run.path)
        held_out.append(accuracy(model, x[val_idx], y[val_idx]))
        tested.append(accuracy(model, data.x_test, data.y_test))
        epochs = max(epochs, fold_epochs)
        log.info("fold %d/%d: held-out accuracy %.4f", index, config.folds, held_out[-1])
    best_fold = int(np.argmax(held_out)) + 1
    run.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run.path / f"fold-{best_fold}" / "checkpoints" / "best.keras", run.checkpoint_path)
    test = {"accuracy": float(np.mean(tested)), "cv_accuracy_mean": float(np.mean(held_out)),
            "cv_accuracy_std": float(np.std(held_out))}
    return finish_run(run, test, epochs, folds={"held_out_accuracy": held_out,
                                                "test_accuracy": tested, "best_fold": best_fold})


def evaluate_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--data", help="evaluate on every image of this data set instead")


def predict_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    parser.add_argument("--out", help="CSV file (default: <run>/predictions.csv)")


def explain_arguments(parser):
    from apps.classifier.explain import METHODS

    add_run_argument(parser)
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="image files or folders (default: test images)")
    parser.add_argument("--method", choices=METHODS, default="gradcam", help="cam or gradcam")
    parser.add_argument("--count", type=int, default=8, help="test images when no INPUT is given")


def verbs():
    from apps.classifier import explain, serving
    from apps.classifier.config import ClassifierConfig
    from shared.cli import Verb

    return [
        Verb("train", "train a classifier (default data: scikit-learn digits)",
             lambda args: train(args.config, args.argv), config_cls=ClassifierConfig),
        Verb("evaluate", "accuracy of a trained run on held-out data", serving.evaluate, evaluate_arguments),
        Verb("predict", "label image files: CSV of file, label, probability", serving.predict, predict_arguments),
        Verb("export", "SavedModel that serves encoded image bytes", serving.export, add_export_arguments),
        Verb("explain", "class activation maps (CAM, Grad-CAM) as PNG and TensorBoard images",
             explain.explain, explain_arguments),
    ]


def main(argv=None):
    """`python -m apps.classifier VERB ...`; returns the verb's result dict."""
    from shared.cli import dispatch

    return dispatch("python -m apps.classifier", "Image classification with transfer learning.",
                    verbs(), argv)
