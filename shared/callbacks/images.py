"""Base of the callbacks that write pictures to TensorBoard each epoch."""

from __future__ import annotations

import io
from pathlib import Path

import keras
import numpy as np


def figure_to_image(figure):
    """Render a matplotlib figure to a uint8 RGB array (and close it)."""
    import matplotlib.pyplot as plt
    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(figure)
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))


class ImageLogger(keras.callbacks.Callback):
    """Write images to `<log_dir>/<subdir>` every `every` epochs.

    Args:
        log_dir: the run folder (TensorBoard log dir).
        make_images: called as `make_images(model, epoch)` after the epoch
            (so it sees the weights that epoch produced); returns {tag:
            HxWx3 uint8 array or NxHxWx3 batch}.
        subdir: the TensorBoard run the images belong to.
        every: write every N epochs (and always at the first).
    """

    def __init__(self, log_dir, make_images, subdir="validation", every=1):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every!r}")
        self.log_dir = Path(log_dir)
        self.make_images = make_images
        self.subdir = subdir
        self.every = every
        self._writer = None

    def writer(self):
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(str(self.log_dir / self.subdir))
        return self._writer

    def write(self, images, step):
        import tensorflow as tf

        with self.writer().as_default():
            for tag, image in images.items():
                batch = image if image.ndim == 4 else image[None]
                tf.summary.image(tag, batch.astype("uint8"), step=step, max_outputs=len(batch))
        self.writer().flush()

    def on_epoch_end(self, epoch, logs=None):
        if epoch % self.every == 0:
            self.write(self.make_images(self.model, epoch), step=epoch)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
