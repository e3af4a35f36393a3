"""`mlp` (and `train`): backpropagation solves XOR and a two-spirals/two-moons problem.

The pieces of the experiment the App declaration (apps/foundations/app.py)
puts together: the data, the XOR problem, the networks' names and the
decision-boundary images.
"""

from __future__ import annotations

import numpy as np

from apps.foundations import data as datasets
from apps.foundations import figures
from apps.foundations.runs import model_predict
from shared.callbacks import ImageLogger, figure_to_image

XOR_REPEATS = 128
XOR_UNITS = 16
BOUNDARY_EVERY = 4
XOR_NETWORK = "xor_mlp"


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


def xor_problem():
    """The four XOR points, shown XOR_REPEATS times per epoch; validated and tested on themselves."""
    x, y = datasets.logic_gate("xor")
    return datasets.Split(np.tile(x, (XOR_REPEATS, 1)), np.tile(y, XOR_REPEATS), x, y, x, y)


def problem_name(config):
    """The problem's name: its sub-run folder and figure name (`csv` for --data)."""
    return "csv" if config.data else config.problem


def network_title(config, network):
    if network.name == XOR_NETWORK:
        return f"XOR ({config.activation})"
    return f"{problem_name(config)} ({config.activation}, {config.hidden_layers}x{config.units})"


def boundary_images(x, y, title):
    """make_images(model, epoch) for ImageLogger: the decision boundary."""

    def make_images(model, epoch):
        figure = figures.decision_boundary_figure(
            lambda grid: model_predict(model, grid), x, y, f"{title}, epoch {epoch + 1}")
        return {"decision_boundary": figure_to_image(figure)}

    return make_images


def boundary_logger(run, parts, network):
    """The decision boundary every few epochs, where the inputs are a plane."""
    if parts.x_train.shape[1] != 2:
        return []
    title = network_title(run.config, network)
    return [ImageLogger(run.path, boundary_images(parts.x_val, parts.y_val, title), every=BOUNDARY_EVERY)]


def boundary_figure(model, x, y, title):
    return figures.decision_boundary_figure(lambda grid: model_predict(model, grid), x, y, title)
