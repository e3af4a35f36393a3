"""Callbacks driven hook by hook; event files read back."""

import keras
import numpy as np
import pandas as pd
import pytest

from shared.callbacks import HistoryCSV, ImageLogger
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
