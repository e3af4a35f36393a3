"""Texts in, probabilities out: the tf.data pipelines and a model with its preprocessing."""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from apps.sentiment.model import attention_model, class_probabilities


def text_dataset(texts, labels=None, batch_size=256, preprocessor=None, shuffle=False, seed=0, binary=True):
    """tf.data of strings ((batch, 1), or the preprocessor's features) and labels.

    Binary labels become float (batch, 1) to match the sigmoid output.
    """
    texts = np.asarray(texts, dtype=str)
    x = texts if preprocessor is not None else texts[:, None]
    if labels is None:
        dataset = tf.data.Dataset.from_tensor_slices(x)
    else:
        labels = np.asarray(labels)
        y = labels.astype("float32")[:, None] if binary else labels
        dataset = tf.data.Dataset.from_tensor_slices((x, y))
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
    """A model with the preprocessing it needs (none for the string-input models)."""

    model: object
    preprocessor: object = None
    batch_size: int = 256

    def probabilities(self, texts):
        if len(texts) == 0:
            return np.zeros((0, 2), "float32")
        dataset = text_dataset(texts, batch_size=self.batch_size, preprocessor=self.preprocessor)
        return class_probabilities(self.model.predict(dataset, verbose=0))

    def attention(self, texts):
        """(probabilities, (N, steps) attention weights), or None without attention."""
        explainer = attention_model(self.model)
        if explainer is None:
            return None
        probabilities, weights = explainer.predict(text_dataset(texts, batch_size=self.batch_size), verbose=0)
        return class_probabilities(probabilities), np.asarray(weights)
