"""`mle`: error functions from maximum likelihood, checked on known parameters.

Regression: y = x . w + b + N(0, sigma^2). Maximising the Gaussian
likelihood over (w, b) is minimising the mean squared error, and the MLE of
sigma^2 is the mean squared residual. Classification: y ~ Bernoulli(
sigmoid(x . w + b)); maximising the Bernoulli likelihood is minimising the
binary cross-entropy. A linear unit trained by gradient descent on each
loss recovers the generating parameters within the configured tolerance.
"""

from __future__ import annotations

import logging

import keras
import numpy as np

from apps.foundations import data as datasets
from apps.foundations import figures
from apps.foundations.model import compile_binary, compile_regression
from apps.foundations.runs import model_predict, save_figure, sub_run
from shared.app import steps_per_epoch
from shared.data import make_dataset
from shared.training import fit_phase

log = logging.getLogger("annsuite")

REGRESSION = {"weights": [2.0, -3.0, 0.5], "bias": 1.0}
CLASSIFICATION = {"weights": [1.5, -2.0], "bias": 0.5}


def linear_unit(num_inputs, activation, name):
    """y = activation(x . w + b): one Dense unit named `linear`."""
    inputs = keras.Input((num_inputs,), name="inputs")
    outputs = keras.layers.Dense(1, activation=activation, name="linear", kernel_initializer="zeros")(inputs)
    return keras.Model(inputs, outputs, name=name)


def fit_unit(run, name, parts, activation, compile_fn):
    """Train a linear unit by gradient descent; return (model, fitted weights, fitted bias)."""
    config = run.config
    model = linear_unit(parts.x_train.shape[1], activation, name)
    steps = steps_per_epoch(len(parts.y_train), config.batch_size)
    compile_fn(model, config.learning_rate, decay_steps=steps * config.epochs)
    train = make_dataset(parts.x_train, parts.y_train, config.batch_size, shuffle=True, seed=config.seed)
    validation = make_dataset(parts.x_val, parts.y_val, 1024)
    fit_phase(sub_run(run, name), model, train, validation, epochs=config.epochs)
    kernel, bias = model.get_layer("linear").get_weights()
    return model, kernel[:, 0].astype(float), float(bias[0])


def max_error(truth, weights, bias):
    return float(np.max(np.abs(np.append(weights, bias) - np.append(truth["weights"], truth["bias"]))))


def load_data(config):
    """{problem: split} of the regression and the classification data (known parameters)."""
    x, y = datasets.linear_gaussian(config.samples, REGRESSION["weights"], REGRESSION["bias"],
                                    config.noise, config.seed)
    regression_parts = datasets.split(x, y, config, stratify=False)
    x, y = datasets.logistic_bernoulli(config.samples, CLASSIFICATION["weights"], CLASSIFICATION["bias"],
                                       config.seed + 1)
    return {"regression": regression_parts, "classification": datasets.split(x, y, config)}


def regression(run, parts):
    config = run.config
    model, weights, bias = fit_unit(run, "regression", parts, None, compile_regression)
    sigma = float(np.sqrt(np.mean((model_predict(model, parts.x_train)[:, 0] - parts.y_train) ** 2)))
    residual = model_predict(model, parts.x_test)[:, 0] - parts.y_test
    design = np.hstack([parts.x_train, np.ones((len(parts.x_train), 1))])
    least_squares = np.linalg.lstsq(design, parts.y_train, rcond=None)[0]
    error = max_error(REGRESSION, weights, bias)
    test = {"regression_max_abs_error": error, "regression_recovered": float(error <= config.tolerance),
            "regression_sigma": sigma, "regression_test_mse": float(np.mean(residual**2)),
            "regression_test_nll": float(np.mean(0.5 * np.log(2 * np.pi * sigma**2) + residual**2 / (2 * sigma**2)))}
    detail = {"true": REGRESSION, "true_sigma": config.noise, "fitted": {"weights": weights.tolist(), "bias": bias},
              "least_squares": least_squares.tolist(), "tolerance": config.tolerance}
    return test, detail


def classification(run, parts):
    config = run.config
    model, weights, bias = fit_unit(run, "classification", parts, "sigmoid", compile_binary)
    probability = np.clip(model_predict(model, parts.x_test)[:, 0], 1e-7, 1 - 1e-7)
    nll = -np.mean(parts.y_test * np.log(probability) + (1 - parts.y_test) * np.log(1 - probability))
    error = max_error(CLASSIFICATION, weights, bias)
    test = {"classification_max_abs_error": error,
            "classification_recovered": float(error <= config.classification_tolerance),
            "classification_test_accuracy": float(np.mean((probability > 0.5) == (parts.y_test > 0.5))),
            "classification_test_nll": float(nll)}
    detail = {"true": CLASSIFICATION, "fitted": {"weights": weights.tolist(), "bias": bias},
              "tolerance": config.classification_tolerance}
    return test, detail


def parameter_rows(prefix, detail):
    names = [f"{prefix} w{i + 1}" for i in range(len(detail["true"]["weights"]))] + [f"{prefix} b"]
    true = [*detail["true"]["weights"], detail["true"]["bias"]]
    fitted = [*detail["fitted"]["weights"], detail["fitted"]["bias"]]
    return list(zip(names, true, fitted, strict=True))


def run_experiment(run, problems):
    """Fit both problems; metrics say how close the fitted parameters are: (test, extras, epochs)."""
    config = run.config
    test, parameters = {}, {}
    for name, experiment in (("regression", regression), ("classification", classification)):
        values, parameters[name] = experiment(run, problems[name])
        test.update(values)
        log.info("%s: true %s, fitted %s, max |error| %.4f", name, parameters[name]["true"],
                 parameters[name]["fitted"], values[f"{name}_max_abs_error"])
    rows = parameter_rows("gauss", parameters["regression"]) + parameter_rows("bernoulli", parameters["classification"])
    rows.append(("gauss sigma", config.noise, test["regression_sigma"]))
    save_figure(run, "parameters", figures.parameters_figure(rows))
    return test, {"parameters": parameters}, config.epochs
