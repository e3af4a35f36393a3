"""The layer harness itself: it passes a correct layer and catches broken ones."""

import keras
import pytest

from tests.layer_test_case import run_layer_test


@keras.saving.register_keras_serializable(package="annsuite_tests")
class Scale(keras.layers.Layer):
    """A correct layer: y = x * w, w of `units` entries."""

    def __init__(self, units, initial=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.initial = initial

    def build(self, input_shape):
        self.w = self.add_weight(shape=(self.units,), initializer=keras.initializers.Constant(self.initial))

    def call(self, inputs):
        return inputs * self.w

    def get_config(self):
        return {**super().get_config(), "units": self.units, "initial": self.initial}


@keras.saving.register_keras_serializable(package="annsuite_tests")
class ForgetsAnArgument(Scale):
    def get_config(self):
        config = super().get_config()
        config.pop("initial")
        return config


@keras.saving.register_keras_serializable(package="annsuite_tests")
class FrozenByMistake(Scale):
    def build(self, input_shape):
        super().build(input_shape)
        self.extra = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):  # the trainable weight never reaches the output's gradient
        return inputs + 0.0 * self.w


def test_a_correct_layer_passes():
    run_layer_test(Scale, {"units": 3, "initial": 2.0}, input_shape=(2, 3), expected_output_shape=(2, 3))


def test_a_missing_config_entry_fails():
    with pytest.raises(AssertionError, match="initial"):
        run_layer_test(ForgetsAnArgument, {"units": 3, "initial": 2.0}, input_shape=(2, 3))


def test_a_wrong_expected_shape_fails():
    with pytest.raises(AssertionError, match="output shape"):
        run_layer_test(Scale, {"units": 3}, input_shape=(2, 3), expected_output_shape=(2, 4))


def test_weights_that_do_not_train_fail():
    with pytest.raises(AssertionError, match="moved none"):
        run_layer_test(FrozenByMistake, {"units": 3}, input_shape=(2, 3))
