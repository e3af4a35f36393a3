"""What TensorBoard shows of a word2vec run besides the standard scalars.

- `WordsPerSecond`: adds `words_per_second` (training corpus words per
  second of the epoch) to the epoch logs, so TensorBoard and history.csv
  plot it next to the loss; `run_speed` is the whole training's.
- `NeighbourTable`: a text table of the nearest neighbours of fixed probe
  words after every epoch (TEXT tab, run `neighbours`).
- `write_projector`: the embedding projector files, written by our code
  (the Keras 3 callback's projector is broken, keras#20210): a checkpoint
  holding the vectors, `metadata.tsv` (one word per line) and
  `projector_config.pbtxt`, in `<run>/projector/` next to an event file so
  that TensorBoard lists that folder as a run.
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from apps.word2vec.evaluation import nearest
from apps.word2vec.model import word_vectors
from shared.callbacks import SummaryWriterCallback

TENSOR_NAME = "embedding/.ATTRIBUTES/VARIABLE_VALUE"
PROBES = 8
NEIGHBOURS = 8


class WordsPerSecond(keras.callbacks.Callback):
    """Log the corpus words trained per second of each epoch.

    The clock runs from the start of the epoch to the start of its
    validation pass (or the end of the epoch when there is none): the
    validation loss is not training.

    Args:
        words: corpus words of one epoch.
    """

    def __init__(self, words):
        super().__init__()
        self.words = words
        self.started = None
        self.trained = None

    def on_epoch_begin(self, epoch, logs=None):
        self.started, self.trained = time.perf_counter(), None

    def on_test_begin(self, logs=None):
        if self.started is not None and self.trained is None:
            self.trained = time.perf_counter() - self.started

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and self.started is not None:
            seconds = self.trained if self.trained is not None else time.perf_counter() - self.started
            logs["words_per_second"] = self.words / max(seconds, 1e-9)


def neighbour_table(vectors, words, probes, k=NEIGHBOURS):
    """A Markdown table: probe word | its k nearest words with cosines."""
    index = {word: i for i, word in enumerate(words)}
    lines = ["| word | nearest neighbours (cosine) |", "|---|---|"]
    for word in probes:
        found = nearest(vectors, vectors[index[word]], k, exclude=[index[word]])
        lines.append(f"| {word} | " + ", ".join(f"{words[i]} ({score:.2f})" for i, score in found) + " |")
    return "\n".join(lines)


def default_probes(words, wanted=(), count=PROBES):
    """The wanted probe words that are known, else frequent words past the top 10."""
    known = [word for word in wanted if word in set(words)]
    if known:
        return known
    start = min(10, max(len(words) - count, 0))
    return list(words[start:start + count])


class NeighbourTable(SummaryWriterCallback):
    """Write the probe words' nearest neighbours as TensorBoard text per epoch.

    Args:
        log_dir: the run folder; the table goes to `<log_dir>/neighbours`.
        words: the vocabulary, in id order.
        probes: the words to show.
    """

    def __init__(self, log_dir, words, probes):
        super().__init__(log_dir, subdir="neighbours")
        self.words = list(words)
        self.probes = list(probes)

    def on_epoch_end(self, epoch, logs=None):
        table = neighbour_table(word_vectors(self.model), self.words, self.probes)
        self.write_text({"nearest_neighbours": table}, step=epoch + 1)


def run_speed(history):
    """Words/second of the whole training: all epochs' words over all their seconds (None: unknown).

    Not the mean of the epochs' rates, which would weigh a fast epoch as
    much as a slow one (the first, which traces the training function)."""
    if not history.exists():
        return None
    rates = pd.read_csv(history).get("words_per_second")
    if rates is None or not len(rates):
        return None
    return float(len(rates) / np.sum(1.0 / rates.to_numpy()))


def write_projector(folder, words, vectors):
    """Write the projector files of `vectors` into `folder`; returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metadata.tsv").write_text("".join(f"{word}\n" for word in words), encoding="utf-8")
    checkpoint = tf.train.Checkpoint(embedding=tf.Variable(vectors, dtype=tf.float32))
    checkpoint.save(str(folder / "embedding.ckpt"))  # + the `checkpoint` file the plugin reads
    (folder / "projector_config.pbtxt").write_text(
        "embeddings {\n"
        f'  tensor_name: "{TENSOR_NAME}"\n'
        '  metadata_path: "metadata.tsv"\n'
        "}\n", encoding="utf-8")
    writer = tf.summary.create_file_writer(str(folder))
    with writer.as_default():
        tf.summary.text("projector", f"{len(words)} words x {vectors.shape[1]} dimensions", step=0)
    writer.close()
    return folder
