"""Helpers every experiment shares: sub-runs, TensorBoard scalars, figures."""

from __future__ import annotations

import dataclasses

import numpy as np

from shared.training import Run

SUMMARY = "summary"


def sub_run(run, name, **changes):
    """A Run in `run.path/name` (its own TensorBoard train/validation folders)."""
    config = dataclasses.replace(run.config, **changes) if changes else run.config
    return Run(path=run.path / name, config=config, strategy=run.strategy, started=run.started)


def write_scalars(log_dir, series, start_step=1):
    """Write {tag: [value per step]} as TensorBoard scalars in `log_dir`."""
    import tensorflow as tf

    writer = tf.summary.create_file_writer(str(log_dir))
    with writer.as_default():
        for tag, values in series.items():
            for step, value in enumerate(values, start=start_step):
                tf.summary.scalar(tag, float(value), step=step)
    writer.close()


def save_figure(run, name, figure):
    """Save `figure` as figures/<name>.png and as a TensorBoard image; return the path."""
    import matplotlib.pyplot as plt
    import tensorflow as tf
    from PIL import Image

    path = run.path / "figures" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(figure)
    image = np.asarray(Image.open(path).convert("RGB"))
    writer = tf.summary.create_file_writer(str(run.path / SUMMARY))
    with writer.as_default():
        tf.summary.image(name, image[None], step=0)
    writer.close()
    return path


def model_predict(model, x, batch_size=1024):
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
