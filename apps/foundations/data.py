"""The small data sets of the foundations app: generated, or read from CSV.

Every generator takes a seed and returns float32 inputs and labels, so a
run is reproducible from its config. `read_csv` reads `x1,...,xn,label`
files (an optional header line) and names the file and line of a bad row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import make_moons

from shared.data import BadInputs, csv_rows, split_indices, utf8_text
from shared.data import Splits as Split
from shared.errors import DataError, UsageError

GATES = {
    "and": np.array([0, 0, 0, 1]),
    "or": np.array([0, 1, 1, 1]),
    "xor": np.array([0, 1, 1, 0]),
}
GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")


def logic_gate(name):
    """The four inputs of a two-input gate and its 0/1 outputs."""
    return GATE_INPUTS.copy(), GATES[name].astype("float32")


def separable_blobs(samples, seed, margin=1.0):
    """Two Gaussian blobs on either side of a random line, at least `margin` apart."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    x = rng.normal(scale=1.5, size=(samples * 3, 2))
    distance = x @ normal - 0.3
    keep = np.abs(distance) > margin / 2
    x, distance = x[keep][:samples], distance[keep][:samples]
    return x.astype("float32"), (distance > 0).astype("float32")


def two_spirals(samples, noise, seed, turns=1.5, scale=3.0):
    """Two interleaved spirals of radius `scale` (a task no single layer solves)."""
    rng = np.random.default_rng(seed)
    half = samples // 2
    radius = np.sqrt(rng.uniform(0.05, 1.0, size=half))
    theta = radius * turns * 2 * np.pi
    arm = np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1)
    x = np.concatenate([arm, -arm]) + rng.normal(scale=noise * 0.3, size=(2 * half, 2))
    x = x * scale
    y = np.concatenate([np.zeros(half), np.ones(half)])
    return x.astype("float32"), y.astype("float32")


def two_moons(samples, noise, seed):
    """scikit-learn's two moons, standardised."""
    x, y = make_moons(samples, noise=noise, random_state=seed)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x.astype("float32"), y.astype("float32")


def split(x, y, config, stratify=True):
    """Deterministic train/validation/test split by the config's fractions and seed."""
    labels = y.astype(int) if stratify else np.zeros(len(y), dtype=int)
    train, validation, test = split_indices(labels, (config.validation_fraction, config.test_fraction),
                                            config.seed)
    return Split(x[train], y[train], x[validation], y[validation], x[test], y[test])


def read_csv(path):
    """Read `x1,...,xn,label` rows; labels 0/1 or -1/1 become 0/1.

    Raises:
        DataError: missing file, bytes that are not UTF-8, ragged or
            non-numeric row, other labels, or fewer than two classes.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such file")
    text = utf8_text(path)
    rows, width = [], None
    for line, row in csv_rows(text, path):
        if not row or all(not cell.strip() for cell in row):
            continue
        try:
            values = [float(cell) for cell in row]
        except ValueError:
            if line == 1 and not rows:
                continue  # a header
            raise DataError(path, f"not a number in {row!r}", line) from None
        if not np.all(np.isfinite(values)):
            raise DataError(path, f"not a finite number in {row!r} (nan or inf)", line)
        width = width or len(values)
        if len(values) != width or width < 2:
            raise DataError(path, f"expected {width} columns (features and a label), got {len(values)}", line)
        if values[-1] not in (-1.0, 0.0, 1.0):
            raise DataError(path, f"label must be 0/1 or -1/1, got {row[-1]!r}", line)
        rows.append(values)
    table = np.asarray(rows, dtype="float32")
    if len(table) < 10 or len(np.unique(table[:, -1])) < 2:
        raise DataError(path, "needs at least 10 rows and both classes")
    return table[:, :-1], (table[:, -1] > 0).astype("float32")


def sine_regression(samples, noise, seed, grid=False):
    """x in [-1, 1], y = sin(1.5 pi x) + N(0, noise^2): the overfitting problem.

    `grid=True` spreads x over a jittered even grid (no large gaps).
    """
    rng = np.random.default_rng(seed)
    if grid:
        step = 2.0 / samples
        x = (np.linspace(-1 + step / 2, 1 - step / 2, samples) + rng.uniform(-step / 3, step / 3, samples))[:, None]
    else:
        x = rng.uniform(-1, 1, size=(samples, 1))
    y = np.sin(1.5 * np.pi * x[:, 0]) + rng.normal(scale=noise, size=samples)
    return x.astype("float32"), y.astype("float32")


def linear_gaussian(samples, weights, bias, noise, seed):
    """y = x . w + b + N(0, noise^2) with x ~ N(0, I): known MLE targets."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, len(weights)))
    y = x @ np.asarray(weights) + bias + rng.normal(scale=noise, size=samples)
    return x.astype("float32"), y.astype("float32")


def logistic_bernoulli(samples, weights, bias, seed):
    """y ~ Bernoulli(sigmoid(x . w + b)) with x ~ N(0, I): known MLE targets."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, len(weights)))
    probability = 1.0 / (1.0 + np.exp(-(x @ np.asarray(weights) + bias)))
    y = rng.uniform(size=samples) < probability
    return x.astype("float32"), y.astype("float32")


def as_point(raw, width):
    """One raw point: text such as `0.5,-1.2` (commas or spaces) or a sequence of numbers.

    Raises:
        DataError: not `width` numbers.
    """
    if isinstance(raw, str):
        cells = raw.strip().strip("[]()").replace(",", " ").split()
    else:
        cells = list(np.ravel(np.asarray(raw, dtype=object)))
    try:
        values = [float(cell) for cell in cells]
    except (TypeError, ValueError):
        values = []
    if len(values) != width or not np.all(np.isfinite(values)):
        raise DataError(f"point {raw!r}", f"expected {width} finite numbers (x1,...,x{width})")
    return values


def read_points(inputs, width, skip_bad=False):
    """Raw points for `predict`: lists of `width` floats (bad ones skipped with `skip_bad`).

    A flat list of `width` numbers is one point.
    """
    inputs = list(inputs)
    if width > 1 and len(inputs) == width and all(np.ndim(item) == 0 and not isinstance(item, str)
                                                  for item in inputs):
        inputs = [inputs]
    bad = BadInputs(skip_bad)
    points = []
    for raw in inputs:
        try:
            points.append(as_point(raw, width))
        except DataError as error:
            bad.report(error)
    bad.summary()
    if not points:
        raise UsageError("no point to predict")
    return points
