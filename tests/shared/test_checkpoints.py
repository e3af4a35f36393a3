"""Checkpoints that survive a kill: atomic backup and best weights."""

import json

import keras
import numpy as np
import pytest

from shared.callbacks.checkpoints import (
    AtomicBackupAndRestore,
    BestWeights,
    load_state,
    replace_atomically,
    save_state,
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
    assert state == {"epoch": 2, "weights": "epoch-2.state.npz"}
    assert [p.name for p in (tmp_path / "b").glob("*.npz")] == ["epoch-2.state.npz"]
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
    (tmp_path / "b" / ".epoch-2.partial.state.npz").write_bytes(b"PK\x03\x04 half")
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


def test_state_holds_optimizer_slots_and_seed_state_and_loads_into_a_fresh_model(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.GaussianNoise(0.1, seed=1),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, Y, epochs=2, verbose=0)
    save_state(model, tmp_path / "s.npz")
    fresh = keras.Sequential([keras.Input((3,)), keras.layers.GaussianNoise(0.1, seed=1),
                              keras.layers.Dense(1)])
    fresh.compile(optimizer="adam", loss="mse")
    assert not fresh.optimizer.built
    load_state(fresh, tmp_path / "s.npz")  # builds the optimizer to take its slots
    for mine, theirs in [(model.variables, fresh.variables),
                         (model.optimizer.variables, fresh.optimizer.variables)]:
        assert len(mine) == len(theirs)
        for a, b in zip(mine, theirs):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    assert int(fresh.optimizer.iterations) == 2  # one batch per epoch
    seeds = [v for v in fresh.variables if "seed" in v.path]
    assert seeds and not np.array_equal(keras.ops.convert_to_numpy(seeds[0]), [1, 0])  # advanced


def test_state_of_another_model_is_refused_with_the_file_name(tmp_path):
    save_state(small_model(), tmp_path / "s.npz")
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"s\.npz: saved for another model"):
        load_state(other, tmp_path / "s.npz")


def test_a_model_with_two_optimizers_saves_both():
    class TwoOptimizers(keras.Model):
        def __init__(self):
            super().__init__()
            self.a, self.b = keras.layers.Dense(1), keras.layers.Dense(1)

        def call(self, x):
            return self.a(x) + self.b(x)

    model = TwoOptimizers()
    model(X)
    model.compile(loss="mse")
    model.first, model.second = keras.optimizers.Adam(), keras.optimizers.SGD(momentum=0.9)
    model.first.build(model.a.trainable_variables)
    model.second.build(model.b.trainable_variables)
    from shared.callbacks.checkpoints import optimizers_of, state_sections

    assert model.first in optimizers_of(model) and model.second in optimizers_of(model)
    sizes = [len(variables) for _, variables in state_sections(model)]
    assert sum(sizes) == len(model.variables) + sum(len(o.variables) for o in optimizers_of(model))
