"""`mlp` (and `train`): backpropagation solves XOR and a two-spirals/two-moons problem."""

from __future__ import annotations

import logging
import shutil

import numpy as np

from apps.foundations import data as datasets
from apps.foundations import figures
from apps.foundations.model import build_mlp, compile_binary
from apps.foundations.runs import model_predict, save_figure, sub_run
from shared.callbacks import ImageLogger, figure_to_image
from shared.data import make_dataset
from shared.training import finish_run, fit_phase, load_best_model, start_run

log = logging.getLogger("annsuite")

APP = "foundations"
XOR_REPEATS = 128
XOR_UNITS = 16
BOUNDARY_EVERY = 4


def load_problem(config):
    """The 2-D problem (CSV or generated), split; checked before any run folder exists."""
    if config.data:
        x, y = datasets.read_csv(config.data)
    elif config.problem == "spirals":
        x, y = datasets.two_spirals(config.samples, config.noise, config.seed)
    else:
        x, y = datasets.two_moons(config.samples, config.noise, config.seed)
    parts = datasets.split(x, y, config)
    if config.max_train_samples:
        parts.x_train = parts.x_train[:config.max_train_samples]
        parts.y_train = parts.y_train[:config.max_train_samples]
    return parts


def boundary_images(x, y, title):
    """make_images(model, epoch) for ImageLogger: the decision boundary."""

    def make_images(model, epoch):
        figure = figures.decision_boundary_figure(
            lambda grid: model_predict(model, grid), x, y, f"{title}, epoch {epoch + 1}")
        return {"decision_boundary": figure_to_image(figure)}

    return make_images


def train_network(run, model, parts, epochs, title):
    """Fit with the standard callbacks and a boundary image every few epochs."""
    config = run.config
    train = make_dataset(parts.x_train, parts.y_train, config.batch_size, shuffle=True, seed=config.seed)
    validation = make_dataset(parts.x_val, parts.y_val, 256)
    steps = -(-len(parts.y_train) // config.batch_size)
    with run.strategy.scope():  # the optimizer's variables belong to the strategy too
        compile_binary(model, config.learning_rate, decay_steps=steps * epochs)
    images = [ImageLogger(run.path, boundary_images(parts.x_val, parts.y_val, title), every=BOUNDARY_EVERY)
              ] if parts.x_train.shape[1] == 2 else []  # a plane to draw on
    done = fit_phase(run, model, train, validation, epochs=epochs, callbacks=images)
    return load_best_model(run.path), done["epochs"]


def accuracy(model, x, y):
    return float(np.mean((model_predict(model, x)[:, 0] > 0.5) == (y > 0.5)))


def solve_xor(run):
    """A 2-16-1 network on XOR (the 4 points, shown 128 times per epoch)."""
    config = run.config
    x, y = datasets.logic_gate("xor")
    xor_run = sub_run(run, "xor", patience=0, learning_rate=config.xor_learning_rate)
    parts = datasets.Split(np.tile(x, (XOR_REPEATS, 1)), np.tile(y, XOR_REPEATS), x, y, x, y)
    with run.strategy.scope():
        model = build_mlp(2, 1, XOR_UNITS, config.activation, seed=config.seed, name="xor_mlp")
    best, epochs = train_network(xor_run, model, parts, config.xor_epochs, f"XOR ({config.activation})")
    save_figure(run, "decision_boundary_xor", figures.decision_boundary_figure(
        lambda grid: model_predict(best, grid), x, y, f"XOR, {config.activation}"))
    return accuracy(best, x, y), model_predict(best, x)[:, 0]


def run_mlp(config, argv=()):
    """XOR, then the 2-D problem; test accuracy on the held-out split."""
    parts = load_problem(config)
    run = start_run(APP, config, argv)
    xor_accuracy, xor_outputs = solve_xor(run)
    log.info("XOR: accuracy %.2f, outputs %s", xor_accuracy, np.round(xor_outputs, 3).tolist())
    name = "csv" if config.data else config.problem
    with run.strategy.scope():
        model = build_mlp(parts.x_train.shape[1], config.hidden_layers, config.units, config.activation,
                          seed=config.seed, name=f"{name}_mlp")
    problem_run = sub_run(run, name)
    title = f"{name} ({config.activation}, {config.hidden_layers}x{config.units})"
    best, epochs = train_network(problem_run, model, parts, config.epochs, title)
    run.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(problem_run.checkpoint_path, run.checkpoint_path)
    if parts.x_train.shape[1] == 2:
        save_figure(run, f"decision_boundary_{name}", figures.decision_boundary_figure(
            lambda grid: model_predict(best, grid), parts.x_test, parts.y_test, f"{title}: test points"))
    test = {"accuracy": accuracy(best, parts.x_test, parts.y_test),
            "train_accuracy": accuracy(best, parts.x_train, parts.y_train),
            "xor_accuracy": xor_accuracy}
    return finish_run(run, test, epochs, experiment="mlp", problem=name,
                      xor_outputs=xor_outputs.tolist(), train_examples=len(parts.y_train))
