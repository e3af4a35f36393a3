"""Texts in, probabilities out: the tf.data pipelines, the network with its text layer, model.keras."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import tensorflow as tf

from apps.sentiment.formats import decode_lines
from apps.sentiment.model import attention_model, class_probabilities
from shared.data import BadInputs
from shared.errors import DataError, UsageError

BATCH_SIZE = 256


def text_dataset(texts, labels=None, batch_size=BATCH_SIZE, preprocessor=None, shuffle=False, seed=0, binary=True):
    """tf.data of the preprocessor's features of batches of strings (N,), and labels.

    `preprocessor`: the text layer (`TextToIds`, or the transformer's keras-hub
    preprocessor); None leaves the strings. Binary labels become float
    (batch, 1) to match the sigmoid output.
    """
    texts = np.asarray(texts, dtype=str)
    if labels is None:
        dataset = tf.data.Dataset.from_tensor_slices(texts)
    else:
        labels = np.asarray(labels)
        y = labels.astype("float32")[:, None] if binary else labels
        dataset = tf.data.Dataset.from_tensor_slices((texts, y))
    if shuffle:
        dataset = dataset.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if preprocessor is not None:
        if labels is None:
            dataset = dataset.map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE)
        else:
            dataset = dataset.map(lambda t, y: (preprocessor(t), y), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


@dataclasses.dataclass
class Predictor:
    """A network on features with the text layer that makes them (training-time images, test metrics)."""

    model: object
    preprocessor: object
    batch_size: int = BATCH_SIZE

    def dataset(self, texts):
        return text_dataset(texts, batch_size=self.batch_size, preprocessor=self.preprocessor)

    def probabilities(self, texts):
        if len(texts) == 0:
            return np.zeros((0, 2), "float32")
        return class_probabilities(self.model.predict(self.dataset(texts), verbose=0))

    def attention(self, texts):
        """(probabilities, (N, steps) attention weights), or None without attention."""
        explainer = attention_model(self.model)
        if explainer is None:
            return None
        probabilities, weights = explainer.predict(self.dataset(texts), verbose=0)
        return class_probabilities(probabilities), np.asarray(weights)


def predict_texts(model, texts, batch_size=BATCH_SIZE):
    """The outputs of model.keras on raw texts: label, class_id, probability, probabilities (attention)."""
    texts = np.asarray([str(text) for text in texts], dtype=object)
    return model.predict(texts, batch_size=batch_size, verbose=0)


def has_attention(model):
    """Whether a model.keras returns per-token attention weights."""
    try:
        outputs = model.output  # a Functional model's output structure
    except (AttributeError, ValueError):  # the transformer's TextClassifier: never attention
        return False
    return isinstance(outputs, dict) and "attention" in outputs


def read_texts(texts, path):
    """The TEXT arguments, then each line of --file."""
    texts = list(texts)
    if path:
        if not Path(path).is_file():
            raise UsageError(f"--file {path}: no such file")
        for line, text in decode_lines(path, "utf-8", BadInputs()):
            if not text.strip():
                raise DataError(path, "empty text", line)
            texts.append(text.strip())
    if not texts:
        raise UsageError("predict needs TEXT arguments or --file")
    return texts


def explanation(tokens, weights):
    """'word:weight word:weight ...' for the words the model saw."""
    return " ".join(f"{token}:{weight:.3f}" for token, weight in zip(tokens, weights))
