"""SavedModel export: parity check, atomic publication."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from shared.export import ExportError, export_saved_model, max_difference


def small_model():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))


def serve_for(model, shift=0.0):
    def serve(values):
        probabilities = model(values) + shift
        return {"probabilities": probabilities, "label": tf.gather(tf.constant(["a", "b"]), tf.argmax(probabilities, -1))}
    return serve


def test_export_reloads_and_matches(tmp_path):
    model = small_model()
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    probabilities = model.predict(x, verbose=0)
    expected = {"probabilities": probabilities, "label": np.array(["a", "b"])[probabilities.argmax(1)]}
    result = export_saved_model([model], serve_for(model), [tf.TensorSpec([None, 3], tf.float32, name="values")],
                                tmp_path / "saved", {"values": x}, expected)
    assert result["max_abs_difference"] <= 1e-6
    reloaded = tf.saved_model.load(str(tmp_path / "saved"))
    outputs = reloaded.signatures["serving_default"](values=tf.constant(x))
    np.testing.assert_allclose(outputs["probabilities"].numpy(), probabilities, atol=1e-6)


def test_export_that_disagrees_fails_and_publishes_nothing(tmp_path):
    model = small_model()
    x = np.ones((2, 3), "float32")
    expected = {"probabilities": model.predict(x, verbose=0)}
    with pytest.raises(ExportError, match="differs from the Keras model"):
        export_saved_model([model], serve_for(model, shift=0.01),
                           [tf.TensorSpec([None, 3], tf.float32, name="values")],
                           tmp_path / "saved", {"values": x}, expected)
    assert list(tmp_path.iterdir()) == []


def test_max_difference_compares_non_ascii_text_as_utf8():
    expected = {"s": np.array(["quatre-vingt-dix-neuf", "réveillé"])}
    assert max_difference(expected, {"s": np.array([b"quatre-vingt-dix-neuf", "réveillé".encode()])}) == 0.0
    assert max_difference(expected, {"s": np.array([b"quatre", b"reveille"])}) == float("inf")


def test_max_difference_treats_strings_exactly():
    assert max_difference({"s": np.array([b"a"])}, {"s": np.array([b"a"])}) == 0.0
    assert max_difference({"s": np.array([b"a"])}, {"s": np.array([b"b"])}) == float("inf")
    assert max_difference({"x": np.array([1.0, 2.0])}, {"x": np.array([1.0, 2.5])}) == 0.5
