"""shared.distribute.predict: the model's outputs for this process's inputs."""

import keras
import numpy as np

from shared.distribute import predict


def two_headed_model():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="relu")(inputs)
    return keras.Model(inputs, {"a": keras.layers.Dense(2)(hidden), "b": keras.layers.Dense(1)(hidden)})


def test_predict_returns_every_row_in_order_for_structured_outputs():
    keras.utils.set_random_seed(0)
    model = two_headed_model()
    x = np.random.default_rng(0).normal(size=(37, 3)).astype("float32")
    outputs = predict(model, x, batch_size=8)
    expected = model(x, training=False)
    assert set(outputs) == {"a", "b"} and outputs["a"].shape == (37, 2)
    np.testing.assert_allclose(outputs["a"], keras.ops.convert_to_numpy(expected["a"]), atol=1e-6)
    np.testing.assert_allclose(outputs["b"], keras.ops.convert_to_numpy(expected["b"]), atol=1e-6)
