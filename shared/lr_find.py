"""The learning-rate range test (Smith 2017; fastai's `lr_find`).

Train a compiled model for a few batches while the rate grows
exponentially from `start` to `end`, record the loss of each batch, stop
once the smoothed loss has blown up, then put the weights back as they
were. The suggestion is fastai's classic rule: a tenth of the rate at the
minimum of the smoothed loss (the minimum itself is already too high to
train at). `write_curve` puts the curve in TensorBoard and a figure.

Example:
```python
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=...)
curve = lr_find(model, train_dataset)
model.compile(optimizer=keras.optimizers.Adam(curve.suggestion), loss=...)
```
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

log = logging.getLogger("annsuite")


@dataclass
class RateCurve:
    """The range test's result: rates, raw and smoothed losses, the suggested rate."""

    rates: list = field(default_factory=list)
    losses: list = field(default_factory=list)
    smoothed: list = field(default_factory=list)
    suggestion: float | None = None
    minimum: float | None = None

    def as_dict(self):
        return {"rates": self.rates, "losses": self.losses, "smoothed": self.smoothed,
                "suggestion": self.suggestion, "minimum": self.minimum}


def rate_at(step, steps, start, end):
    """The rate of batch `step` of `steps`: start * (end / start) ** (step / (steps - 1))."""
    return start * (end / start) ** (step / max(steps - 1, 1))


def suggest(rates, smoothed, skip_end=3):
    """(suggested rate, rate at the minimum): a tenth of the rate with the lowest smoothed loss.

    The last `skip_end` points (where the loss is blowing up) are left out."""
    values = np.asarray(smoothed[: max(len(smoothed) - skip_end, 1)], "float64")
    if not len(values) or not np.isfinite(values).any():
        return None, None
    best = int(np.nanargmin(np.where(np.isfinite(values), values, np.inf)))
    return float(rates[best]) / 10.0, float(rates[best])


def lr_find(model, dataset, start=1e-7, end=10.0, steps=100, smoothing=0.98, diverge=4.0):
    """Run the range test on a compiled `model` over batches of `dataset` (repeated as needed).

    Returns a `RateCurve`; the model's weights are those it had before.
    """
    if not 0 < start < end or steps < 2 or not 0 <= smoothing < 1:
        raise ValueError(f"need 0 < start < end, steps >= 2, 0 <= smoothing < 1; got "
                         f"start={start!r}, end={end!r}, steps={steps!r}, smoothing={smoothing!r}")
    initial = model.get_weights()
    curve, average, best = RateCurve(), 0.0, math.inf
    batches = iter(dataset.repeat())
    for step in range(steps):
        rate = rate_at(step, steps, start, end)
        model.optimizer.learning_rate.assign(rate)
        x, y = next(batches)
        loss = float(model.train_on_batch(x, y, return_dict=True)["loss"])
        average = smoothing * average + (1 - smoothing) * loss
        value = average / (1 - smoothing ** (step + 1))  # bias-corrected moving average
        curve.rates.append(rate)
        curve.losses.append(loss)
        curve.smoothed.append(value)
        best = min(best, value)
        if not math.isfinite(value) or value > diverge * best:
            break
    model.set_weights(initial)
    curve.suggestion, curve.minimum = suggest(curve.rates, curve.smoothed)
    log.info("lr-find: %d batches from %.1e to %.1e; lowest smoothed loss at %s, suggested rate %s",
             len(curve.rates), start, curve.rates[-1], _rate(curve.minimum), _rate(curve.suggestion))
    return curve


def _rate(value):
    return "none" if value is None else f"{value:.2e}"


def curve_figure(curve, path):
    """Loss against rate (log axis), the suggestion marked, saved as a PNG at `path`."""
    figure, axis = plt.subplots(figsize=(5, 3.5))
    axis.plot(curve.rates, curve.losses, alpha=0.3, label="batch loss")
    axis.plot(curve.rates, curve.smoothed, label="smoothed")
    if curve.suggestion is not None:
        axis.axvline(curve.suggestion, color="tab:red", linestyle="--", label=f"suggested {curve.suggestion:.1e}")
    axis.set_xscale("log")
    axis.set_xlabel("learning rate")
    axis.set_ylabel("loss")
    finite = [v for v in curve.smoothed if math.isfinite(v)]
    if finite:
        axis.set_ylim(min(finite) * 0.9, min(max(finite), 4 * min(finite)) * 1.1)
    axis.legend()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(figure)
    return path


def write_curve(curve, run_path, subdir="lr_find"):
    """The curve as TensorBoard scalars (`lr_find/loss`, `lr_find/smoothed_loss`, `lr_find/rate`,
    step = batch) in `<run>/<subdir>`, and `<run>/figures/lr_find.png`."""
    writer = tf.summary.create_file_writer(str(Path(run_path) / subdir))
    with writer.as_default():
        for step, (rate, loss, smooth) in enumerate(zip(curve.rates, curve.losses, curve.smoothed)):
            tf.summary.scalar("lr_find/rate", rate, step=step)
            if math.isfinite(loss):
                tf.summary.scalar("lr_find/loss", loss, step=step)
            if math.isfinite(smooth):
                tf.summary.scalar("lr_find/smoothed_loss", smooth, step=step)
        if curve.suggestion is not None:
            tf.summary.scalar("lr_find/suggestion", curve.suggestion, step=0)
    writer.close()
    return curve_figure(curve, Path(run_path) / "figures" / "lr_find.png")
