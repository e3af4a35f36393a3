"""Helpers every experiment shares: sub-runs, TensorBoard scalars, figures."""

from __future__ import annotations

import dataclasses
import io

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image  # noqa: E402

from shared.images import save_png  # noqa: E402
from shared.training import Run  # noqa: E402

SUMMARY = "summary"


def sub_run(run, name, **changes):
    """A Run in `run.path/name` (its own TensorBoard train/validation folders)."""
    config = dataclasses.replace(run.config, **changes) if changes else run.config
    return Run(path=run.path / name, config=config, strategy=run.strategy, started=run.started)


def write_scalars(log_dir, series, start_step=1):
    """Write {tag: [value per step]} as TensorBoard scalars in `log_dir`."""
    writer = tf.summary.create_file_writer(str(log_dir))
    with writer.as_default():
        for tag, values in series.items():
            for step, value in enumerate(values, start=start_step):
                tf.summary.scalar(tag, float(value), step=step)
    writer.close()


def render(figure, dpi=90):
    """The figure as a uint8 RGB array (the figure is closed)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(figure)
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))


def save_figure(run, name, figure):
    """Save `figure` as figures/<name>.png and as a TensorBoard image; return the path."""
    image = render(figure)
    path = save_png(image, run.path / "figures" / f"{name}.png")
    writer = tf.summary.create_file_writer(str(run.path / SUMMARY))
    with writer.as_default():
        tf.summary.image(name, image[None], step=0)
    writer.close()
    return path


def model_predict(model, x, batch_size=1024):
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
