"""Every shared layer: config round trip, every argument back, save/load equal."""

import inspect

import keras
import numpy as np
import pytest

from shared.layers import ConvBlock, ImagenetPreprocessing, InceptionBlock, ResidualBlock

# (layer class, non-default constructor arguments, input shape)
CASES = [
    (ConvBlock, dict(filters=6, kernel_size=5, strides=2, padding="valid", activation="tanh",
                     batch_norm=False, kernel_initializer="glorot_uniform",
                     kernel_regularizer=keras.regularizers.L2(0.01)), (2, 12, 12, 3)),
    (ResidualBlock, dict(filters=8, strides=2, activation="elu", kernel_initializer="he_uniform",
                         kernel_regularizer=keras.regularizers.L1(0.001)), (2, 8, 8, 4)),
    (ResidualBlock, dict(filters=4), (2, 8, 8, 4)),  # identity shortcut
    (InceptionBlock, dict(filters_1x1=3, filters_3x3_reduce=2, filters_3x3=4, filters_5x5_reduce=2,
                          filters_5x5=5, filters_pool=6, activation="tanh",
                          kernel_initializer="glorot_normal",
                          kernel_regularizer=keras.regularizers.L2(0.1)), (2, 8, 8, 3)),
    (ImagenetPreprocessing, dict(mode="caffe"), (2, 4, 4, 3)),
    (ImagenetPreprocessing, dict(mode="torch"), (2, 4, 4, 3)),
]
IDS = [f"{cls.__name__}-{i}" for i, (cls, _, _) in enumerate(CASES)]


def normalise(value):
    """Compare serialized initializers/regularizers by their config."""
    if isinstance(value, (keras.regularizers.Regularizer, keras.initializers.Initializer)):
        return keras.saving.serialize_keras_object(value)
    if isinstance(value, dict) and "class_name" in value:
        return keras.saving.serialize_keras_object(keras.saving.deserialize_keras_object(value))
    if isinstance(value, str) and value.startswith(("glorot", "he_")):
        return keras.saving.serialize_keras_object(keras.initializers.get(value))
    return value


@pytest.mark.parametrize("cls,kwargs,shape", CASES, ids=IDS)
def test_every_constructor_argument_comes_back(cls, kwargs, shape):
    config = cls(**kwargs).get_config()
    for name, value in kwargs.items():
        assert normalise(config[name]) == normalise(value), name
    documented = set(inspect.signature(cls.__init__).parameters) - {"self", "kwargs"}
    assert documented <= set(config), documented - set(config)


@pytest.mark.parametrize("cls,kwargs,shape", CASES, ids=IDS)
def test_config_round_trip_is_idempotent(cls, kwargs, shape):
    layer = cls(**kwargs)
    clone = cls.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize("cls,kwargs,shape", CASES, ids=IDS)
def test_saved_model_file_reloads_with_equal_outputs(cls, kwargs, shape, tmp_path):
    inputs = keras.Input(shape[1:])
    outputs = cls(**kwargs)(inputs)
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(0).uniform(0, 255, size=shape).astype("float32")
    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), reloaded.predict(x, verbose=0), atol=1e-5)
    assert len(model.weights) == len(reloaded.weights)


@pytest.mark.parametrize("cls,kwargs,shape", CASES, ids=IDS)
def test_symbolic_shape_matches_eager_and_one_fit_step_runs(cls, kwargs, shape):
    layer = cls(**kwargs)
    symbolic = layer.compute_output_shape(shape)
    x = np.random.default_rng(1).uniform(0, 255, size=shape).astype("float32")
    assert tuple(layer(x).shape) == tuple(symbolic)
    if layer.trainable_weights:
        model = keras.Sequential([keras.Input(shape[1:]), layer, keras.layers.GlobalAveragePooling2D()])
        model.compile("sgd", "mse")
        target = np.zeros((shape[0], symbolic[-1]), "float32")
        before = [w.numpy().copy() for w in layer.trainable_weights]
        model.fit(x / 255.0, target, epochs=1, verbose=0)
        assert any(not np.allclose(b, w.numpy()) for b, w in zip(before, layer.trainable_weights))


def test_imagenet_preprocessing_matches_keras_applications():
    x = np.random.default_rng(2).uniform(0, 255, size=(2, 4, 4, 3)).astype("float32")
    for mode, reference in (("tf", keras.applications.mobilenet_v2.preprocess_input),
                            ("caffe", keras.applications.resnet50.preprocess_input)):
        np.testing.assert_allclose(ImagenetPreprocessing(mode)(x), reference(x.copy()), atol=1e-4)


def test_bad_arguments_raise_value_error_quoting_the_value():
    with pytest.raises(ValueError, match="'median'"):
        ImagenetPreprocessing("median")
    with pytest.raises(ValueError, match="0"):
        ConvBlock(0)
