"""One training config per experiment of the foundations app."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import TrainConfig, check_choice, check_positive, option

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
INITS = ("glorot", "he", "normal")
PROBLEMS = ("spirals", "moons")
MODES = ("online", "batch", "both")


def check_generated(config):
    """The experiments that generate their data accept no --data."""
    if config.data is not None:
        raise ValueError(f"data: this experiment generates its own data (known parameters); got {config.data!r}")


def check_fraction(config, name, upper=1.0):
    value = getattr(config, name)
    if not 0.0 <= value < upper:
        raise ValueError(f"{name} must be in [0, {upper}), got {value!r}")


@dataclass
class PerceptronConfig(TrainConfig):
    """Options of `python -m apps.foundations perceptron`."""

    data: str | None = option(None, "CSV of x1,...,xn,label (labels 0/1 or -1/1) for the separable problem; absent: two generated blobs")
    epochs: int = option(100, "maximum epochs of the perceptron rule per problem (XOR uses them all)")
    learning_rate: float = option(1.0, "step size eta of the rule w += eta * (t - y) * x")
    mode: str = option("both", "update after each sample (online), once per epoch (batch), or both", MODES)
    samples: int = option(200, "points of the generated linearly separable problem")
    patience: int = option(0, "unused (the perceptron rule stops when every point is right)")

    def __post_init__(self):
        super().__post_init__()
        check_choice(self, "mode")
        check_positive(self, "samples")

    @property
    def modes(self):
        return ("online", "batch") if self.mode == "both" else (self.mode,)


@dataclass
class MLPConfig(TrainConfig):
    """Options of `python -m apps.foundations mlp` (also `train`)."""

    data: str | None = option(None, "CSV of x1,x2,label (labels 0/1) instead of the generated problem")
    problem: str = option("spirals", "the generated 2-D problem", PROBLEMS)
    epochs: int = option(15, "maximum epochs on the 2-D problem")
    xor_epochs: int = option(8, "epochs on XOR (each epoch shows the 4 points 128 times)")
    xor_learning_rate: float = option(0.1, "Adam learning rate on XOR (cosine decay to 1%)")
    batch_size: int = option(16, "examples per batch")
    learning_rate: float = option(0.03, "Adam learning rate on the 2-D problem (cosine decay to 1%)")
    activation: str = option("tanh", "activation of the hidden layers", ACTIVATIONS)
    hidden_layers: int = option(3, "hidden layers of the 2-D problem's network (XOR: one)")
    units: int = option(32, "units per hidden layer (XOR: 16)")
    samples: int = option(800, "points of the generated problem")
    noise: float = option(0.1, "noise of the generated problem's points")
    patience: int = option(10, "early-stopping patience in epochs (0 turns early stopping off)")

    def __post_init__(self):
        super().__post_init__()
        check_choice(self, "problem")
        check_choice(self, "activation")
        for name in ("xor_epochs", "xor_learning_rate", "hidden_layers", "units", "samples"):
            check_positive(self, name)
        check_positive(self, "noise", allow_zero=True)


@dataclass
class VanishingConfig(TrainConfig):
    """Options of `python -m apps.foundations vanishing`."""

    epochs: int = option(1, "epochs each deep network trains (gradients are measured in the first batches)")
    batch_size: int = option(64, "examples per batch")
    learning_rate: float = option(1e-3, "Adam learning rate")
    depth: int = option(20, "hidden layers of the deep networks")
    width: int = option(32, "units per hidden layer")
    init: str = option("he", "initialisation of both networks: glorot (Xavier), he, or normal N(0, 0.01)", INITS)
    gradient_batches: int = option(3, "first training batches whose per-layer gradient norms are logged")
    samples: int = option(800, "points of the two-moons problem the networks train on")
    patience: int = option(0, "early-stopping patience in epochs (0 turns early stopping off)")

    def __post_init__(self):
        super().__post_init__()
        check_generated(self)
        check_choice(self, "init")
        for name in ("depth", "width", "gradient_batches", "samples"):
            check_positive(self, name)


@dataclass
class MLEConfig(TrainConfig):
    """Options of `python -m apps.foundations mle`."""

    epochs: int = option(10, "epochs of each model")
    batch_size: int = option(64, "examples per batch")
    learning_rate: float = option(0.1, "Adam learning rate (cosine decay to 1%)")
    samples: int = option(3000, "generated examples of each problem")
    noise: float = option(0.5, "standard deviation of the regression's Gaussian noise")
    tolerance: float = option(0.1, "largest allowed |fitted - true| of a regression parameter")
    classification_tolerance: float = option(0.25, "largest allowed |fitted - true| of a logistic parameter")
    patience: int = option(0, "early-stopping patience in epochs (0 turns early stopping off)")

    def __post_init__(self):
        super().__post_init__()
        check_generated(self)
        for name in ("samples", "noise", "tolerance", "classification_tolerance"):
            check_positive(self, name)


@dataclass
class OverfittingConfig(TrainConfig):
    """Options of `python -m apps.foundations overfitting`."""

    epochs: int = option(12, "epochs of each network")
    batch_size: int = option(16, "examples per batch")
    learning_rate: float = option(0.01, "Adam learning rate")
    samples: int = option(16, "noisy training points (few on purpose)")
    noise: float = option(0.3, "standard deviation of the label noise")
    repeats: int = option(40, "passes over the training points per epoch (a small set needs many steps)")
    units: int = option(256, "units of each of the two hidden layers")
    l2: float = option(1e-2, "ridge strength of the l2 network (chosen by --folds when set)")
    l1: float = option(1e-3, "lasso strength of the l1 network")
    dropout: float = option(0.5, "dropout rate of the dropout network")
    patience: int = option(5, "patience of the early_stopping network")
    folds: int = option(0, "choose the l2 strength by K-fold cross-validation (0: off)")

    def __post_init__(self):
        super().__post_init__()
        check_generated(self)
        for name in ("samples", "units", "repeats"):
            check_positive(self, name)
        for name in ("noise", "l2", "l1", "folds"):
            check_positive(self, name, allow_zero=True)
        check_fraction(self, "dropout")
        if self.folds == 1:
            raise ValueError("folds must be 0 (off) or >= 2, got 1")
        if self.samples < 4:
            raise ValueError(f"samples must be >= 4, got {self.samples!r}")


DISTANCES = ("l1", "l2")


def check_image_size(config):
    if config.image_size is not None and config.image_size < 16:
        raise ValueError(f"image_size must be >= 16 (LeNet-5's two 5x5 convolutions), got {config.image_size!r}")
    if config.image_size is not None and config.data in (None, "", "digits") and config.image_size < 20:
        raise ValueError(f"image_size of the digits must be >= 20 (16 and a 2-pixel border), got {config.image_size!r}")


@dataclass
class ImageBaselineConfig(TrainConfig):
    """The options `knn` and `linear` share: image data and the networks they are set beside."""

    data: str | None = option(None, "images: a folder per class, MNIST IDX files, or a CSV of label,pixel1,...,pixelN (N a square); absent: scikit-learn's digits")
    image_size: int | None = option(None, "square image size every classifier sees; default 20 for the 8x8 digits (up-sampled to 16, a 2-pixel border), else the data's own (at most 32)")
    epochs: int = option(20, "epochs of the linear classifier and of LeNet-5")
    batch_size: int = option(64, "images per batch")
    learning_rate: float = option(3e-3, "Adam learning rate of the linear classifier and LeNet-5 (cosine decay to 1%)")
    l2: float = option(1e-4, "L2 penalty on the linear classifier's weights (lambda * sum W^2)")
    shifts: str = option("1,2", "pixel shifts of the shift experiment (right and down, zero fill)")
    patience: int = option(0, "early-stopping patience in epochs (0 turns early stopping off)")

    def __post_init__(self):
        super().__post_init__()
        check_image_size(self)
        check_positive(self, "l2", allow_zero=True)
        parse_ints(self, "shifts", allow_zero=True)

    @property
    def shift_list(self):
        return parse_ints(self, "shifts", allow_zero=True)


def parse_ints(config, name, allow_zero=False):
    """The comma-separated positive integers of a string option (ValueError naming it)."""
    text = str(getattr(config, name))
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"{name} must be comma-separated integers, got {text!r}") from None
    if not values or min(values) < (0 if allow_zero else 1):
        raise ValueError(f"{name} must be integers >= {0 if allow_zero else 1}, got {text!r}")
    return values


@dataclass
class KNNConfig(ImageBaselineConfig):
    """Options of `python -m apps.foundations knn`."""

    k: str = option("1,3,5,9", "the neighbour counts K to report (comma-separated)")
    distance: str = option("l2", "pixel distance: l1 (sum of |differences|) or l2 (Euclidean)", DISTANCES)

    def __post_init__(self):
        super().__post_init__()
        check_choice(self, "distance")
        parse_ints(self, "k")

    @property
    def k_list(self):
        return parse_ints(self, "k")


@dataclass
class LinearConfig(ImageBaselineConfig):
    """Options of `python -m apps.foundations linear`."""

    k: int = option(1, "K of the nearest-neighbour classifier it is set beside")
    points: int = option(600, "points of the 2-D three-class problem whose hyperplanes are drawn")
