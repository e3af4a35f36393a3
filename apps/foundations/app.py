"""The foundations app's App declarations: one per experiment, `mlp` the demo (`train`).

`MLPApp` fills in the hooks of the shared lifecycle: XOR in the sub-run
`xor`, then the 2-D problem's network in its own sub-run (both through the
base `fit`), and the run's `model.keras` (raw points in, probability and
label out: `BinaryDecision`, apps/foundations/layers.py) for `evaluate`,
`predict` and `export`. The other experiments train several networks each (the
perceptron none: its rule is NumPy), so they are `Experiment`s whose `fit`
runs the procedure of apps/foundations/experiments/<verb>.py.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import keras
import numpy as np

from apps.foundations.config import (
    KNNConfig,
    LinearConfig,
    MLEConfig,
    MLPConfig,
    OverfittingConfig,
    PerceptronConfig,
    VanishingConfig,
)
from apps.foundations.data import read_csv, read_points
from apps.foundations.evaluation import accuracy, scores
from apps.foundations.experiments import knn, linear, mle, mlp, overfitting, perceptron, vanishing
from apps.foundations.layers import BinaryDecision
from apps.foundations.model import build_mlp, compile_binary
from apps.foundations.runs import model_predict, save_figure, sub_run
from apps.foundations.serving import export_model
from shared.app import App
from shared.cli import Verb
from shared.data import make_dataset
from shared.errors import DataError, UsageError
from shared.records import read_json, replace_atomically, write_json
from shared.training import load_best_model

log = logging.getLogger("annsuite")

DESCRIPTION = "The perceptron, feed-forward networks and how they train: one verb per experiment."
PARITY_POINTS = 16
EXAMPLES_FILE = Path("examples") / "test_points.csv"  # held-out points: the export's parity check


def train_verb(app):
    """The handler of an experiment's verb: that App's `train`, its metrics."""
    return lambda args: app.train(args.config, args.argv, given=args.given).metrics


def input_width(model):
    return int(model.inputs[0].shape[-1])


def decide(model, points):
    """model.keras on raw points: {"probability": (N,), "label": (N,)} as NumPy arrays."""
    outputs = model.predict(np.asarray(points, dtype="float32"), batch_size=1024, verbose=0)
    return {name: np.asarray(value) for name, value in outputs.items()}


def write_examples(path, x, y):
    """Points and labels as CSV (x1,...,xn,label), float32 values exactly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ",".join([*(f"x{i}" for i in range(1, x.shape[1] + 1)), "label"])
    np.savetxt(path, np.column_stack([x, y]), fmt="%.9g", delimiter=",", header=header, comments="")


def read_examples(path):
    """The points of a file `write_examples` wrote (float32, labels dropped)."""
    table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2, dtype="float32")
    return table[:, :-1]


class MLPApp(App):
    name = "foundations"
    verb = "mlp"
    description = DESCRIPTION
    config_class = MLPConfig
    experiment_help = "backpropagation: an MLP solves XOR and two spirals (or moons); decision boundary images"
    train_help = f"the demo experiment (mlp): {experiment_help}"
    predict_help = "P(class 1) and the 0/1 label of raw points (the mlp run's network): CSV"
    inputs_help = ("points, each x1,x2 (as many numbers as the run's data has features); "
                   "put -- before the points when one starts with a minus")

    def load_data(self, config):
        return mlp.load_problem(config)

    def on_run_start(self, run, data):
        x, y = (data.x_test, data.y_test) if len(data.x_test) else (data.x_val, data.y_val)
        write_examples(run.path / EXAMPLES_FILE, x[:PARITY_POINTS], y[:PARITY_POINTS])

    def inference_model(self, network, data, config):
        """Raw points (N, features) -> the network -> probability of class 1 and the 0/1 label.

        The points go in as they are: the generated problems are standardised
        where they are made, and a CSV's features are used as read.
        """
        points = keras.Input((int(data.x_train.shape[1]),), dtype="float32", name="points")
        outputs = BinaryDecision(name="decision")(network(points))
        return keras.Model(points, outputs, name="point_classifier")

    def build_task(self, config, data):
        return build_mlp(data.x_train.shape[1], config.hidden_layers, config.units, config.activation,
                         seed=config.seed, name=f"{mlp.problem_name(config)}_mlp")

    def datasets(self, config, data):
        return (make_dataset(data.x_train, data.y_train, config.batch_size, shuffle=True, seed=config.seed),
                make_dataset(data.x_val, data.y_val, 256))

    def callbacks(self, run, data, task):
        return mlp.boundary_logger(run, data, task)

    def compile(self, task, phase, config, steps):
        compile_binary(task, phase.learning_rate, decay_steps=steps * phase.epochs)

    def fit(self, run, data, task):
        """XOR in the sub-run `xor`, then the problem's network in the sub-run of its name."""
        run.extra["xor"] = self.solve_xor(run)
        return super().fit(sub_run(run, mlp.problem_name(run.config)), data, task)

    def solve_xor(self, run):
        """A 2-16-1 network on the four XOR points: its accuracy and outputs."""
        config = run.config
        xor_run = sub_run(run, "xor", epochs=config.xor_epochs, learning_rate=config.xor_learning_rate,
                          patience=0)
        with run.strategy.scope():
            network = build_mlp(2, 1, mlp.XOR_UNITS, config.activation, seed=config.seed, name=mlp.XOR_NETWORK)
        xor = mlp.xor_problem()
        super().fit(xor_run, xor, network)
        best = load_best_model(xor_run.path)
        save_figure(run, "decision_boundary_xor",
                    mlp.boundary_figure(best, xor.x_test, xor.y_test, f"XOR, {config.activation}"))
        outputs = model_predict(best, xor.x_test)[:, 0]
        result = {"accuracy": accuracy(best, xor.x_test, xor.y_test), "outputs": outputs.tolist()}
        log.info("XOR: accuracy %.2f, outputs %s", result["accuracy"], np.round(outputs, 3).tolist())
        return result

    def after_fit(self, run, data, task):
        """The problem's best network becomes the run's model; its figure and test metrics."""
        config = run.config
        problem_run = sub_run(run, mlp.problem_name(config))
        replace_atomically(lambda tmp: shutil.copyfile(problem_run.checkpoint_path, tmp), run.checkpoint_path)
        best = load_best_model(problem_run.path)
        if data.x_train.shape[1] == 2:
            title = f"{mlp.network_title(config, task)}: test points"
            save_figure(run, f"decision_boundary_{mlp.problem_name(config)}",
                        mlp.boundary_figure(best, data.x_test, data.y_test, title))
        run.extra["test"] = {**self.test_metrics(best, data, config), "xor_accuracy": run.extra["xor"]["accuracy"]}

    def test_metrics(self, model, data, config):
        return {"accuracy": accuracy(model, data.x_test, data.y_test),
                "train_accuracy": accuracy(model, data.x_train, data.y_train)}

    def summary(self, run, data, model):
        return {"experiment": self.verb, "problem": mlp.problem_name(run.config),
                "xor_outputs": run.extra["xor"]["outputs"], "train_examples": len(data.y_train)}

    # ---- a trained run: the problem's network ----
    def load(self, run_dir, **overrides):
        """An mlp run as a TrainedModel (the other experiments keep their networks in sub-runs)."""
        metrics = Path(run_dir) / "metrics.json"
        experiment = read_json(metrics).get("experiment", self.verb) if metrics.is_file() else self.verb
        if experiment != self.verb:
            raise UsageError(f"{run_dir}: a {experiment} run; evaluate, predict and export take an mlp run")
        return super().load(run_dir, **overrides)

    def evaluate(self, trained, data=None, skip_bad=False):
        if data:
            x, y = read_csv(data)
            if x.shape[1] != input_width(trained.model):
                raise DataError(data, f"{x.shape[1]} features per row; the run's network takes "
                                      f"{input_width(trained.model)}")
        else:
            parts = mlp.load_problem(trained.config)
            x, y = parts.x_test, parts.y_test
        result = {"test": scores(decide(trained.model, x)["probability"], y), "data": data or "held-out test split"}
        write_json(trained.path / "evaluation.json", result)
        log.info("evaluation: %s", result["test"])
        return result

    def predict_rows(self, trained, inputs, skip_bad=False):
        """x1, ..., probability (of class 1), label of each raw point."""
        points = read_points(inputs, input_width(trained.model), skip_bad)
        outputs = decide(trained.model, points)
        return [{**{f"x{index}": value for index, value in enumerate(point, start=1)},
                 "probability": round(float(probability), 6), "label": int(label)}
                for point, probability, label in zip(points, outputs["probability"], outputs["label"], strict=True)]

    def export(self, trained, out):
        """model.keras as a SavedModel, checked on the held-out points the run wrote at train time."""
        return export_model(trained.model, read_examples(trained.path / EXAMPLES_FILE), out)

    def extra_verbs(self):
        """One verb per experiment (`mlp` is `train` again)."""
        return [Verb(app.verb, app.experiment_help, train_verb(app), config_cls=app.config_class)
                for app in EXPERIMENTS]


class Experiment(App):
    """An experiment of several networks, each in a sub-run (the perceptron: none); `fit` runs it.

    Subclasses name the verb, its config and its procedure module:
    `load_data(config)` (checked before the run folder exists) and
    `run_experiment(run, data)` -> (test metrics, other metrics.json entries, epochs).
    """

    name = "foundations"
    description = DESCRIPTION
    verb = ""
    experiment_help = ""
    procedure = None
    has_model = False  # the networks live in the sub-runs

    @property
    def train_help(self):
        return self.experiment_help

    def train(self, config, argv=(), given=()):
        # The Python API records its command as `train ...`: this experiment's verb is its own.
        argv = [self.verb, *argv[1:]] if list(argv[:1]) == ["train"] else argv
        return super().train(config, argv, given)

    def load_data(self, config):
        return self.procedure.load_data(config)

    def build_task(self, config, data):
        return None  # the procedure builds its networks, one per sub-run

    def fit(self, run, data, task):
        test, extras, epochs = self.procedure.run_experiment(run, data)
        run.extra.update(test=test, extras={"experiment": self.verb, **extras})
        return epochs

    def summary(self, run, data, model):
        return run.extra.pop("extras")


class PerceptronApp(Experiment):
    verb = "perceptron"
    config_class = PerceptronConfig
    procedure = perceptron
    experiment_help = "the perceptron rule (online and batch) on AND, OR, XOR and separable 2-D data"


class VanishingApp(Experiment):
    verb = "vanishing"
    config_class = VanishingConfig
    procedure = vanishing
    experiment_help = ("20-layer sigmoid vs ReLU networks: per-layer gradient norms; "
                       "initialisation vs activation variance")


class MLEApp(Experiment):
    verb = "mle"
    config_class = MLEConfig
    procedure = mle
    experiment_help = "MSE = Gaussian and cross-entropy = Bernoulli likelihood: fitted models recover known parameters"


class OverfittingApp(Experiment):
    verb = "overfitting"
    config_class = OverfittingConfig
    procedure = overfitting
    experiment_help = "a network overfits a small noisy set; early stopping, L2, L1, dropout; --folds picks L2"


class KNNApp(Experiment):
    verb = "knn"
    config_class = KNNConfig
    procedure = knn
    experiment_help = ("K-nearest neighbours on pixels (L1/L2): accuracy per K, test-time cost against a linear "
                       "classifier and LeNet-5, accuracy on images shifted 1 and 2 pixels")


class LinearApp(Experiment):
    verb = "linear"
    config_class = LinearConfig
    procedure = linear
    experiment_help = "the linear classifier S = Wx + b: its templates per epoch, hyperplanes in 2-D, beside K-NN and LeNet-5"


APP = MLPApp()
PERCEPTRON = PerceptronApp()
VANISHING = VanishingApp()
MLE = MLEApp()
OVERFITTING = OverfittingApp()
KNN = KNNApp()
LINEAR = LinearApp()
EXPERIMENTS = (PERCEPTRON, APP, VANISHING, MLE, OVERFITTING, KNN, LINEAR)  # the order of the verbs
