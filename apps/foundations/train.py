"""`python -m apps.foundations EXPERIMENT`: one verb per experiment, `train` = `mlp`."""

from __future__ import annotations

import importlib

from apps.foundations import config as configs

# verb: (module, function, config class, help)
EXPERIMENTS = {
    "perceptron": ("perceptron_experiment", "run_perceptron", configs.PerceptronConfig,
                   "the perceptron rule (online and batch) on AND, OR, XOR and separable 2-D data"),
    "mlp": ("mlp", "run_mlp", configs.MLPConfig,
            "backpropagation: an MLP solves XOR and two spirals (or moons); decision boundary images"),
    "vanishing": ("vanishing", "run_vanishing", configs.VanishingConfig,
                  "20-layer sigmoid vs ReLU networks: per-layer gradient norms; initialisation vs activation variance"),
    "mle": ("mle", "run_mle", configs.MLEConfig,
            "MSE = Gaussian and cross-entropy = Bernoulli likelihood: fitted models recover known parameters"),
    "overfitting": ("overfitting", "run_overfitting", configs.OverfittingConfig,
                    "a network overfits a small noisy set; early stopping, L2, L1, dropout; --folds picks L2"),
}
DEMO_EXPERIMENT = "mlp"


def experiment(verb):
    """The handler of one experiment verb: args -> metrics dict."""
    module_name, function_name, _, _ = EXPERIMENTS[verb]

    def handler(args):
        module = importlib.import_module(f"apps.foundations.{module_name}")
        return getattr(module, function_name)(args.config, args.argv)

    return handler


def verbs():
    from shared.cli import Verb

    demo = EXPERIMENTS[DEMO_EXPERIMENT]
    result = [Verb("train", f"the demo experiment ({DEMO_EXPERIMENT}): {demo[3]}",
                   experiment(DEMO_EXPERIMENT), config_cls=demo[2])]
    for verb, (_, _, config_cls, help_text) in EXPERIMENTS.items():
        result.append(Verb(verb, help_text, experiment(verb), config_cls=config_cls))
    return result


def main(argv=None):
    """`python -m apps.foundations VERB ...`; returns the experiment's metrics dict."""
    from shared.cli import dispatch

    return dispatch("python -m apps.foundations",
                    "The perceptron, feed-forward networks and how they train: one verb per experiment.",
                    verbs(), argv)
