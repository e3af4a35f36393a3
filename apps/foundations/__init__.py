"""Foundations: the perceptron, feed-forward networks and how they train.

Python API (the CLI's options as keyword arguments; `train` is the `mlp`
experiment, the demo)::

    import apps.foundations as foundations
    run = foundations.train(problem="moons", epochs=5)   # RunResult(path, metrics)
    model = foundations.load(run.path)
    model.predict(["0.5,-1.2", [1.0, 0.3]])   # [{"x1": 0.5, "x2": -1.2, "probability": ..., "label": 1}, ...]
    foundations.export(run.path, "out/")      # SavedModel: float points in, probability and label out
    # RUN/model.keras alone (after `import apps`): float points (N, 2) in, {"probability", "label"} out
    keras.saving.load_model(run.path / "model.keras", safe_mode=True).predict(np.array([[0.5, -1.2]]))

    # one function per experiment verb, each a RunResult:
    foundations.perceptron(mode="online")
    foundations.mlp(activation="relu")        # = train
    foundations.vanishing(init="glorot")
    foundations.mle()
    foundations.overfitting(folds=4)
    foundations.knn(k="1,3,5,9", distance="l1")   # K-NN, its test-time cost, the one-pixel shift
    foundations.linear(l2=1e-3)               # the linear classifier's templates and hyperplanes
"""

from shared.app import PythonAPI, python_api

DESCRIPTION = ("foundations: perceptron rule, MLP on XOR/spirals, vanishing gradients, MLE losses, overfitting, "
               "K-NN and the linear classifier")
METRIC = "accuracy"
DEMO_ARGS = ["--epochs", "10", "--xor-epochs", "5"]

# train, load, export, main: from apps.foundations.app, imported on first use so
# that `python -m apps list` and `apps.foundations.config` stay light.
__getattr__ = python_api(__name__, "apps.foundations.app")

# The experiments' verbs as functions (each App of apps.foundations.app, imported on first use too).
perceptron = PythonAPI("apps.foundations.app", "PERCEPTRON").train
mlp = PythonAPI("apps.foundations.app", "APP").train
vanishing = PythonAPI("apps.foundations.app", "VANISHING").train
mle = PythonAPI("apps.foundations.app", "MLE").train
overfitting = PythonAPI("apps.foundations.app", "OVERFITTING").train
knn = PythonAPI("apps.foundations.app", "KNN").train
linear = PythonAPI("apps.foundations.app", "LINEAR").train
