"""Base of the callbacks that write pictures to TensorBoard each epoch."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from shared.callbacks.writer import SummaryWriterCallback


def figure_to_image(figure):
    """Render a matplotlib figure to a uint8 RGB array (and close it)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(figure)
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))


class ImageLogger(SummaryWriterCallback):
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
        super().__init__(log_dir, subdir)
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every!r}")
        self.make_images = make_images
        self.every = every

    def write(self, images, step):
        self.write_images(images, step)

    def on_epoch_end(self, epoch, logs=None):
        if epoch % self.every == 0:
            self.write_images(self.make_images(self.model, epoch), step=epoch)
