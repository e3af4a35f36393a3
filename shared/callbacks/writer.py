"""Base of the callbacks that write to TensorBoard themselves.

`SummaryWriterCallback` owns one `tf.summary` file writer per TensorBoard
run folder (`<log_dir>/<subdir>`): created on first use, flushed after each
write, closed at the end of training (and reopened if training resumes).
"""

from __future__ import annotations

from pathlib import Path

import keras
import tensorflow as tf


class SummaryWriterCallback(keras.callbacks.Callback):
    """A callback with TensorBoard file writers, opened lazily, closed at the end.

    Args:
        log_dir: the run folder (TensorBoard log dir).
        subdir: the default TensorBoard run of this callback's summaries.
    """

    def __init__(self, log_dir, subdir="validation"):
        super().__init__()
        self.log_dir = Path(log_dir)
        self.subdir = subdir
        self._writers = {}

    def writer(self, subdir=None):
        """The file writer of `<log_dir>/<subdir>` (the default subdir when None)."""
        subdir = subdir or self.subdir
        if subdir not in self._writers:
            self._writers[subdir] = tf.summary.create_file_writer(str(self.log_dir / subdir))
        return self._writers[subdir]

    def write_scalars(self, values, step, subdir=None):
        """Numeric `values` ({tag: number}) as scalars at `step`."""
        with self.writer(subdir).as_default():
            for tag, value in values.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    tf.summary.scalar(tag, float(value), step=step)
        self.writer(subdir).flush()

    def write_images(self, images, step, subdir=None):
        """{tag: HxWx3 uint8 image or NxHxWx3 batch} as TensorBoard images."""
        with self.writer(subdir).as_default():
            for tag, image in images.items():
                batch = image if image.ndim == 4 else image[None]
                tf.summary.image(tag, batch.astype("uint8"), step=step, max_outputs=len(batch))
        self.writer(subdir).flush()

    def write_text(self, texts, step, subdir=None):
        """{tag: Markdown string} as TensorBoard text."""
        with self.writer(subdir).as_default():
            for tag, text in texts.items():
                tf.summary.text(tag, text, step=step)
        self.writer(subdir).flush()

    def close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def on_train_end(self, logs=None):
        self.close_writers()
