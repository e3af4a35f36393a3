"""shared.lr_find: the range test on a tiny linear problem."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from shared.lr_find import lr_find, rate_at, suggest, write_curve
from tests.helpers import event_tags


def tiny_problem(seed=0):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(256, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0], "float32"))[:, None]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    return model, tf.data.Dataset.from_tensor_slices((x, y)).batch(16)


def test_rates_grow_exponentially_from_start_to_end():
    rates = [rate_at(step, 5, 1e-4, 1.0) for step in range(5)]
    np.testing.assert_allclose(rates, [1e-4, 1e-3, 1e-2, 1e-1, 1.0])


def test_suggestion_is_a_tenth_of_the_minimum_left_of_the_blow_up():
    rates = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]
    assert suggest(rates, [5, 4, 1, 2, 9, 50], skip_end=1) == (pytest.approx(1e-3), pytest.approx(1e-2))
    assert suggest(rates, [float("nan")] * 6) == (None, None)


def test_range_test_finds_a_rate_that_trains_and_restores_weights(tmp_path):
    model, data = tiny_problem()
    before = [w.copy() for w in model.get_weights()]
    curve = lr_find(model, data, start=1e-5, end=10.0, steps=60)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert curve.rates[0] == pytest.approx(1e-5) and curve.rates == sorted(curve.rates)
    assert len(curve.rates) < 60  # stopped once SGD diverged
    assert 1e-3 <= curve.suggestion <= 0.5  # where SGD on this problem trains fast and stably
    model.optimizer.learning_rate.assign(curve.suggestion)
    history = model.fit(data, epochs=3, verbose=0).history["loss"]
    assert history[-1] < history[0] / 5
    figure = write_curve(curve, tmp_path)
    assert figure == tmp_path / "figures" / "lr_find.png" and figure.stat().st_size > 0
    tags = event_tags(tmp_path)["lr_find"]
    assert {"lr_find/loss", "lr_find/smoothed_loss", "lr_find/rate", "lr_find/suggestion"} <= set(tags)
    json.dumps(curve.as_dict())  # plain numbers


def test_bad_arguments_raise_value_error():
    model, data = tiny_problem()
    with pytest.raises(ValueError, match="start"):
        lr_find(model, data, start=1.0, end=0.1)
