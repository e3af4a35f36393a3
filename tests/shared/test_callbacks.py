"""Callbacks driven hook by hook; event files read back."""

import keras
import numpy as np
import pandas as pd
import pytest

from shared.callbacks import HistoryCSV, ImageLogger, SummaryWriterCallback, ValidationMetrics
from tests.helpers import event_tags


def tiny_model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.5), "mse")
    return model


def test_history_csv_rows_and_resume_replaces_retrained_epochs(tmp_path):
    path = tmp_path / "history.csv"
    callback = HistoryCSV(path, phase="head")
    callback.set_model(tiny_model())
    callback.on_train_begin()
    for epoch in range(3):
        callback.on_epoch_end(epoch, logs={"loss": 1.0 / (epoch + 1), "val_loss": 2.0})
    # A resumed process trains epoch index 1 again (the backup was older).
    resumed = HistoryCSV(path, phase="head")
    resumed.set_model(tiny_model())
    resumed.on_train_begin()
    resumed.on_epoch_end(1, logs={"loss": 0.25, "val_loss": 1.5})
    frame = pd.read_csv(path)
    assert frame["epoch"].tolist() == [1, 2]
    assert frame["loss"].tolist() == [1.0, 0.25]
    assert frame["learning_rate"].tolist() == pytest.approx([0.5, 0.5])
    assert set(frame["phase"]) == {"head"}


def test_image_logger_writes_images_every_n_epochs(tmp_path):
    calls = []

    def make_images(model, epoch):
        calls.append(epoch)
        return {"grid": np.full((8, 8, 3), epoch * 10, "uint8"), "batch": np.zeros((2, 4, 4, 3), "uint8")}

    logger = ImageLogger(tmp_path, make_images, subdir="validation", every=2)
    logger.set_model(tiny_model())
    for epoch in range(4):
        logger.on_epoch_end(epoch)
    logger.on_train_end()
    assert calls == [0, 2]
    assert event_tags(tmp_path) == {"validation": {"grid": "image", "batch": "image"}}


def test_image_logger_rejects_bad_period(tmp_path):
    with pytest.raises(ValueError, match="0"):
        ImageLogger(tmp_path, lambda m, e: {}, every=0)


class FakeModel:
    """Stands in for the model a callback is attached to."""


def test_validation_metrics_puts_values_into_the_logs_every_n_epochs(tmp_path):
    calls = []

    def compute(model, epoch):
        calls.append(epoch)
        return {"score": 10.0 + epoch}

    callback = ValidationMetrics(tmp_path, compute, every=2)
    callback.set_model(FakeModel())
    callback.set_params({"epochs": 5})
    callback.on_train_begin()
    seen = []
    for epoch in range(5):
        logs = {"loss": 1.0}
        callback.on_epoch_end(epoch, logs)
        seen.append(logs["val_score"])
    callback.on_train_end()
    assert calls == [0, 2, 4]  # every 2 epochs, and the last
    assert seen == [10.0, 10.0, 12.0, 12.0, 14.0]  # between, the last values are repeated


def test_validation_metrics_comes_before_the_checkpoint_in_fit(tmp_path):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    scores = iter([0.3, 0.9, 0.1])
    metrics = ValidationMetrics(tmp_path, lambda model, epoch: {"quality": next(scores)})
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), monitor="val_quality",
                                                 mode="max", save_best_only=True)
    x = np.zeros((4, 2), "float32")
    history = model.fit(x, x[:, :1], epochs=3, verbose=0, callbacks=[metrics, checkpoint])
    assert history.history["val_quality"] == pytest.approx([0.3, 0.9, 0.1])
    assert checkpoint.best == pytest.approx(0.9)


def test_validation_metrics_rejects_a_bad_period(tmp_path):
    with pytest.raises(ValueError, match="0"):
        ValidationMetrics(tmp_path, lambda model, epoch: {}, every=0)


def test_writer_base_writes_scalars_images_and_text_with_their_tags(tmp_path):
    writer = SummaryWriterCallback(tmp_path, subdir="validation")
    writer.write_scalars({"score": 0.5, "flag": True, "name": "x"}, step=0)
    writer.write_images({"picture": np.zeros((4, 4, 3), "uint8")}, step=0)
    writer.write_text({"samples": "| a | b |"}, step=0, subdir="text")
    writer.on_train_end()
    tags = event_tags(tmp_path)
    assert tags["validation"] == {"score": "scalar", "picture": "image"}
    assert set(tags["text"]) == {"samples"}
