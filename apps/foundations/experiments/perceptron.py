"""`perceptron`: the perceptron rule on AND, OR, XOR and separable 2-D data."""

from __future__ import annotations

import logging

import numpy as np

from apps.foundations import data as datasets
from apps.foundations import figures
from apps.foundations.perceptron_rule import Perceptron
from apps.foundations.runs import save_figure, write_scalars

log = logging.getLogger("annsuite")


def load_data(config):
    """{name: (x_train, y_train, x_test, y_test)} with labels 0/1; the data is checked first."""
    problems = {name: (*datasets.logic_gate(name), None, None) for name in datasets.GATES}
    if config.data:
        x, y = datasets.read_csv(config.data)
    else:
        x, y = datasets.separable_blobs(config.samples, config.seed)
    parts = datasets.split(x, y, config)
    problems["separable"] = (np.concatenate([parts.x_train, parts.x_val]),
                             np.concatenate([parts.y_train, parts.y_val]), parts.x_test, parts.y_test)
    return problems


def train_one(run, name, mode, problem):
    """Train one perceptron; log its errors per epoch; return (perceptron, summary)."""
    x, y, x_test, y_test = problem
    perceptron = Perceptron(x.shape[1], run.config.learning_rate, mode)
    targets = np.where(y > 0, 1, -1)
    result = perceptron.fit(x, targets, run.config.epochs)
    wrong = perceptron.misclassified(x, targets)
    write_scalars(run.path / f"{name}-{mode}", {"misclassified": result.errors_per_epoch})
    summary = {"converged": result.converged, "epochs": result.epochs, "updates": result.updates,
               "weights": perceptron.weights.tolist(), "bias": float(perceptron.bias),
               "misclassified_points": x[wrong].tolist()}
    if x_test is not None:
        summary["test_accuracy"] = float(np.mean(perceptron.output(x_test) == np.where(y_test > 0, 1, -1)))
    verdict = "converged" if result.converged else f"did NOT converge ({len(wrong)} points wrong)"
    log.info("perceptron %-9s %-6s %s after %d epochs, %d updates", name, mode, verdict,
             result.epochs, result.updates)
    return perceptron, summary


def test_metrics(details):
    test = {}
    for name, modes in details.items():
        for mode, summary in modes.items():
            key = f"{name}_{mode}"
            test[f"{key}_converged"] = float(summary["converged"])
            test[f"{key}_epochs"] = summary["epochs"]
            test[f"{key}_updates"] = summary["updates"]
            test[f"{key}_misclassified"] = len(summary["misclassified_points"])
            if "test_accuracy" in summary:
                test[f"{key}_test_accuracy"] = summary["test_accuracy"]
    return test


def run_experiment(run, problems):
    """Train the rule on every problem in every chosen mode: (test metrics, extras, epochs)."""
    config = run.config
    details = {}
    for mode in config.modes:
        panels = []
        for name, problem in problems.items():
            perceptron, summary = train_one(run, name, mode, problem)
            details.setdefault(name, {})[mode] = summary
            x, y = problem[0], problem[1]
            wrong = perceptron.misclassified(x, np.where(y > 0, 1, -1))
            state = "converged" if summary["converged"] else "no convergence"
            if x.shape[1] == 2:  # only a plane has a line to draw
                panels.append((f"{name.upper()} {mode}: {state}\n{summary['epochs']} epochs, "
                               f"{summary['updates']} updates", x, y, perceptron.weights, perceptron.bias, wrong))
        save_figure(run, f"perceptron_{mode}", figures.perceptron_figure(panels))
    epochs = max(s["epochs"] for modes in details.values() for s in modes.values())
    return test_metrics(details), {"problems": details}, epochs
