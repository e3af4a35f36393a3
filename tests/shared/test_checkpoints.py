"""Checkpoints that survive a kill: atomic backup and best weights."""

import json

import keras
import numpy as np
import pytest

from shared.callbacks.checkpoints import (
    AtomicBackupAndRestore,
    BestWeights,
    replace_atomically,
    saved_best_value,
)

X = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
Y = X @ np.array([[1.0], [-2.0], [0.5]], "float32")


def small_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


class StopAfter(keras.callbacks.Callback):
    def __init__(self, epochs):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epochs:
            raise KeyboardInterrupt


def test_backup_resumes_at_the_last_saved_epoch_with_its_weights(tmp_path):
    model = small_model()
    backup = AtomicBackupAndRestore(tmp_path / "b")
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, epochs=5, verbose=0, callbacks=[backup, StopAfter(2)])
    state = json.loads((tmp_path / "b" / "state.json").read_text())
    assert state == {"epoch": 2, "weights": "epoch-2.weights.h5"}
    assert [p.name for p in (tmp_path / "b").glob("*.h5")] == ["epoch-2.weights.h5"]
    saved = [w.copy() for w in model.get_weights()]
    resumed = small_model()
    history = resumed.fit(X, Y, epochs=2, verbose=0,
                          callbacks=[AtomicBackupAndRestore(tmp_path / "b")])
    assert history.epoch == []  # nothing left to train: both epochs were done
    for a, b in zip(saved, resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_half_written_file_is_never_read(tmp_path):
    model = small_model()
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[AtomicBackupAndRestore(tmp_path / "b")])
    # A kill while writing epoch 2 leaves only a partial file beside the good one.
    (tmp_path / "b" / ".epoch-2.partial.weights.h5").write_bytes(b"\x89HDF half")
    resumed = small_model()
    history = resumed.fit(X, Y, epochs=3, verbose=0,
                          callbacks=[AtomicBackupAndRestore(tmp_path / "b")])
    assert history.epoch == [1, 2]


def test_replace_atomically_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "best.json"
    target.write_text("old")

    def broken(path):
        with open(path, "w") as handle:
            handle.write("ne")
        raise OSError("disk full")

    with pytest.raises(OSError):
        replace_atomically(broken, target)
    assert target.read_text() == "old"


def test_best_weights_saves_only_improvements_and_writes_the_model(tmp_path):
    model = small_model()
    best = BestWeights(tmp_path, monitor="loss", mode="min")
    model.fit(X, Y, epochs=4, verbose=0, callbacks=[best])
    record = json.loads((tmp_path / "best.json").read_text())
    assert record["epoch"] == 4 and record["value"] == pytest.approx(best.best)
    assert saved_best_value(tmp_path) == pytest.approx(best.best)
    final = [w.copy() for w in model.get_weights()]
    assert best.write_model(model, tmp_path / "best.keras")
    loaded = keras.saving.load_model(tmp_path / "best.keras")
    for a, b in zip(final, loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_best_weights_threshold_and_restored_weights(tmp_path):
    model = small_model()
    best = BestWeights(tmp_path, monitor="loss", initial_value_threshold=-1.0)
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[best])
    assert not best.weights_path.exists() and not best.write_model(model, tmp_path / "m.keras")
    best = BestWeights(tmp_path, monitor="loss", mode="max")  # the worst epoch is "best"
    model.fit(X, Y, epochs=3, verbose=0, callbacks=[best])
    current = [w.copy() for w in model.get_weights()]
    best.write_model(model, tmp_path / "m.keras")
    for a, b in zip(current, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # the model keeps its own weights
    stored = keras.saving.load_model(tmp_path / "m.keras").get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(current, stored))
