"""The perceptron: sign(w . x + b), trained by the perceptron rule.

The rule is written out (no differentiable loss, no `fit`): for a target
t and output y in {-1, +1}, w += eta * (t - y) * x and b += eta * (t - y).
Online mode applies it after each sample; batch mode sums it over the
epoch and applies it once. Training stops at the first epoch without a
misclassified point: AND, OR and linearly separable data get there, XOR
never does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

log = logging.getLogger("annsuite")


@dataclass
class PerceptronResult:
    """What one training of the rule did."""

    converged: bool
    epochs: int
    updates: int
    errors_per_epoch: list = field(default_factory=list)


class Perceptron:
    """A single threshold unit trained by the perceptron rule.

    Args:
        num_inputs: length of an input vector.
        learning_rate: eta, the step of each update.
        mode: `online` (update after each sample) or `batch` (once per epoch).

    Example:
        >>> p = Perceptron(2)
        >>> p.fit(np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([-1, -1, -1, 1])).converged
        True
    """

    def __init__(self, num_inputs, learning_rate=1.0, mode="online"):
        if mode not in ("online", "batch"):
            raise ValueError(f"mode must be online or batch, got {mode!r}")
        self.learning_rate = learning_rate
        self.mode = mode
        self.weights = np.zeros(num_inputs)
        self.bias = 0.0
        self.history = []  # (weights, bias) after each update

    def output(self, x):
        """+1 where w . x + b > 0, else -1."""
        return np.where(np.asarray(x) @ self.weights + self.bias > 0, 1, -1)

    def _update(self, delta_weights, delta_bias):
        self.weights = self.weights + delta_weights
        self.bias = self.bias + delta_bias
        self.history.append((self.weights.copy(), float(self.bias)))

    def epoch(self, x, targets):
        """One pass over the data; returns the number of misclassified points seen."""
        if self.mode == "batch":
            error = targets - self.output(x)
            if np.any(error):
                self._update(self.learning_rate * error @ x, self.learning_rate * error.sum())
            return int(np.count_nonzero(error))
        errors = 0
        for sample, target in zip(x, targets, strict=True):
            error = target - self.output(sample)
            if error:
                errors += 1
                self._update(self.learning_rate * error * sample, self.learning_rate * error)
        return errors

    def fit(self, x, targets, max_epochs=100):
        """Apply the rule until an epoch has no error or `max_epochs` have run."""
        x = np.asarray(x, dtype="float64")
        targets = np.asarray(targets)
        if not set(np.unique(targets)) <= {-1, 1}:
            raise ValueError(f"targets must be -1 or +1, got {sorted(set(np.unique(targets)))!r}")
        errors = []
        for _ in range(max_epochs):
            errors.append(self.epoch(x, targets))
            if errors[-1] == 0:
                break
        return PerceptronResult(errors[-1] == 0 if errors else False, len(errors),
                                len(self.history), errors)

    def misclassified(self, x, targets):
        """Indices of the points the current weights get wrong."""
        return np.flatnonzero(self.output(x) != np.asarray(targets))
