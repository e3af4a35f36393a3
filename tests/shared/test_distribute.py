"""shared.distribute.predict: the model's outputs for this process's inputs."""

import keras
import numpy as np

from shared.distribute import RepeatedPredict, predict


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


def test_repeated_predict_follows_the_weights_and_the_model_it_is_given():
    keras.utils.set_random_seed(0)
    model = two_headed_model()
    x = np.random.default_rng(1).normal(size=(37, 3)).astype("float32")
    repeated = RepeatedPredict(x, batch_size=16)
    first = repeated(model)
    np.testing.assert_allclose(first["a"], predict(model, x)["a"], atol=1e-6)
    model.set_weights([w * 2.0 for w in model.get_weights()])  # a training step's change is seen
    np.testing.assert_allclose(repeated(model)["b"], predict(model, x)["b"], atol=1e-5)
    assert not np.allclose(repeated(model)["b"], first["b"])
    other = two_headed_model()
    np.testing.assert_allclose(repeated(other)["a"], predict(other, x)["a"], atol=1e-6)
