"""`overfitting`: a big network on a few noisy points, and four remedies.

The same network (two hidden ReLU layers, same seed) trains five times on
the same noisy sine samples: `plain` (no remedy), `early_stopping` (the
weights of the best validation epoch), `l2` (ridge weight decay), `l1`
(lasso) and `dropout`. Each is a sub-run, so TensorBoard shows all train
and validation curves in one view (tag `epoch_mse`). The held-out error is
the MSE on 1000 fresh noisy points. `--folds K` picks the L2 strength from
a grid by K-fold cross-validation on the training and validation points.
"""

from __future__ import annotations

import logging
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from sklearn.model_selection import KFold

from apps.foundations import data as datasets
from apps.foundations import figures
from apps.foundations.model import build_mlp, compile_regression
from apps.foundations.runs import model_predict, save_figure, sub_run, write_scalars
from shared.records import replace_atomically
from shared.training import fit_phase

log = logging.getLogger("annsuite")

VARIANTS = ("plain", "early_stopping", "l2", "l1", "dropout")
L2_GRID = (1e-4, 1e-3, 1e-2, 1e-1)
TEST_SAMPLES = 1000
STEPS_PER_EXECUTION = 20


def load_data(config):
    """Training, validation and test points of the same noisy curve (different seeds)."""
    x_train, y_train = datasets.sine_regression(config.samples, config.noise, config.seed, grid=True)
    x_val, y_val = datasets.sine_regression(config.samples, config.noise, config.seed + 1, grid=True)
    x_test, y_test = datasets.sine_regression(TEST_SAMPLES, config.noise, config.seed + 2)
    return datasets.Split(x_train, y_train, x_val, y_val, x_test, y_test)


def build(config, variant, l2=None):
    regularizer = {"l2": keras.regularizers.L2(l2 if l2 is not None else config.l2),
                   "l1": keras.regularizers.L1(config.l1)}.get(variant)
    model = build_mlp(1, 2, config.units, "relu", output=None, init="he", seed=config.seed,
                      regularizer=regularizer, dropout=config.dropout if variant == "dropout" else 0.0,
                      name=variant)
    return compile_regression(model, config.learning_rate, steps_per_execution=STEPS_PER_EXECUTION)


def dataset(x, y, config, repeats):
    """Batches of the points, `repeats` passes per epoch (a small set needs many steps)."""
    data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=config.seed)
    return data.batch(config.batch_size).repeat(repeats).prefetch(2)


def mse(model, x, y):
    return float(np.mean((model_predict(model, x)[:, 0] - y) ** 2))


def cross_validate_l2(run, parts):
    """K-fold CV over L2_GRID on train+validation; return (best strength, {strength: mean MSE})."""
    config = run.config
    x = np.concatenate([parts.x_train, parts.x_val])
    y = np.concatenate([parts.y_train, parts.y_val])
    folds = list(KFold(config.folds, shuffle=True, random_state=config.seed).split(x))
    scores = {}
    for strength in L2_GRID:
        errors = []
        for train_index, held_index in folds:
            model = build(config, "l2", strength)
            model.fit(dataset(x[train_index], y[train_index], config, config.repeats),
                      epochs=config.epochs, shuffle=False, verbose=0)  # the dataset shuffles
            errors.append(mse(model, x[held_index], y[held_index]))
        scores[strength] = float(np.mean(errors))
        log.info("%d-fold CV: l2 %g -> held-out MSE %.4f", config.folds, strength, scores[strength])
    write_scalars(run.path / "cross_validation", {"cv_mse_by_log10_l2": list(scores.values())}, start_step=0)
    save_figure(run, "cross_validation", figures.curve_figure(
        {f"{config.folds}-fold CV": (list(scores), list(scores.values()))}, "L2 strength",
        "held-out MSE", "choosing the weight decay by cross-validation", logx=True))
    best = min(scores, key=scores.get)
    return best, {f"{strength:g}": score for strength, score in scores.items()}


def train_variant(run, variant, parts, l2):
    """Fit one variant in its own sub-run; return the model as training left it."""
    config = run.config
    variant_run = sub_run(run, variant, patience=config.patience if variant == "early_stopping" else 0)
    model = build(config, variant, l2)
    validation = dataset(parts.x_val, parts.y_val, config, 1)
    fit_phase(variant_run, model, dataset(parts.x_train, parts.y_train, config, config.repeats), validation,
              epochs=config.epochs)
    return model


def table(errors, train_errors):
    lines = ["| network | train MSE | held-out MSE |", "|---|---|---|"]
    lines += [f"| {name} | {train_errors[name]:.4f} | {errors[name]:.4f} |" for name in errors]
    return "\n".join(lines)


def run_experiment(run, parts):
    """Five networks, one table of held-out errors, one figure of their fits: (test, extras, epochs)."""
    config = run.config
    l2, scores = (cross_validate_l2(run, parts) if config.folds else (config.l2, None))
    x_line = np.linspace(-1, 1, 200, dtype="float32")[:, None]
    errors, train_errors, fits = {}, {}, {}
    for variant in VARIANTS:
        model = train_variant(run, variant, parts, l2)
        errors[variant] = mse(model, parts.x_test, parts.y_test)
        train_errors[variant] = mse(model, parts.x_train, parts.y_train)
        fits[variant] = model_predict(model, x_line)[:, 0]
        log.info("%-14s train MSE %.4f, held-out MSE %.4f", variant, train_errors[variant], errors[variant])
    text = table(errors, train_errors)
    log.info("held-out error (noise variance %.4f):\n%s", config.noise**2, text)
    save_figure(run, "fits", figures.fits_figure(parts.x_train, parts.y_train, x_line,
                                                 np.sin(1.5 * np.pi * x_line[:, 0]), fits, errors))
    replace_atomically(lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"),
                       run.path / "figures" / "heldout_error.md")
    test = {f"{name}_test_mse": value for name, value in errors.items()}
    test.update({f"{name}_train_mse": value for name, value in train_errors.items()})
    test["l2"] = l2
    return test, {"table": text, "cross_validation": scores, "noise_variance": config.noise**2}, config.epochs
