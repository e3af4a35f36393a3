"""Texts in, probabilities out: pipelines and the trained model of a run folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from apps.sentiment.config import SentimentConfig
from apps.sentiment.model import attention_model, class_probabilities
from shared.records import read_json
from shared.training import load_best_model, load_run

TEXT_INFO = "text.json"


def text_dataset(texts, labels=None, batch_size=256, preprocessor=None, shuffle=False, seed=0, binary=True):
    """tf.data of strings ((batch, 1), or the preprocessor's features) and labels.

    Binary labels become float (batch, 1) to match the sigmoid output.
    """
    import tensorflow as tf

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


@dataclasses.dataclass
class TrainedRun:
    """A finished run: folder, config, label names and predictor."""

    path: Path
    config: SentimentConfig
    info: dict
    predictor: Predictor

    @property
    def class_names(self):
        return self.info["class_names"]


def open_run(run_dir, skip_bad=False):
    """Config, text.json and the best model of a run folder."""
    saved = load_run(run_dir)["config"]
    config = dataclasses.replace(SentimentConfig(**saved), skip_bad=skip_bad)
    info = read_json(Path(run_dir) / TEXT_INFO)
    preprocessor = None
    if config.model == "transformer":
        import keras_hub  # noqa: F401 - registers the backbone class for loading

        from apps.sentiment.transformer import build_preprocessor

        tokenizer = info["tokenizer"]
        preprocessor = build_preprocessor(Path(run_dir) / tokenizer["vocabulary"], tokenizer["lowercase"],
                                          info["sequence_length"])
    predictor = Predictor(load_best_model(run_dir), preprocessor)
    return TrainedRun(Path(run_dir), config, info, predictor)


def scores(probabilities, labels):
    """accuracy, loss (cross-entropy) and, for two classes, ROC AUC."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        return {"accuracy": float("nan"), "examples": 0}
    picked = np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1.0)
    result = {"accuracy": float(np.mean(probabilities.argmax(axis=1) == labels)),
              "loss": float(-np.mean(np.log(picked))), "examples": int(len(labels))}
    if probabilities.shape[1] == 2 and len(set(labels.tolist())) == 2:
        from sklearn.metrics import roc_auc_score

        result["auc"] = float(roc_auc_score(labels, probabilities[:, 1]))
    return result
