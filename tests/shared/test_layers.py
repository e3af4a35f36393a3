"""Every shared block layer through the shared layer harness, and their own checks."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from shared.images import encode_png
from shared.layers import (
    ClassLabels,
    ConvBlock,
    DecodeImages,
    ImagenetPreprocessing,
    InceptionBlock,
    ResidualBlock,
)
from tests.layer_test_case import run_layer_test

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


@pytest.mark.parametrize("cls,kwargs,shape", CASES, ids=IDS)
def test_layer_contract(cls, kwargs, shape):
    run_layer_test(cls, kwargs, input_shape=shape)


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


def test_decode_images_layer_contract_and_pixels():
    rng = np.random.default_rng(3)
    grey = rng.integers(0, 255, size=(6, 6, 1)).astype("float32")
    data = tf.constant([encode_png(grey), encode_png(rng.integers(0, 255, size=(9, 5, 3)))])
    run_layer_test(DecodeImages, {"image_size": 6, "channels": 1}, input_data=data,
                   expected_output_shape=(2, 6, 6, 1), run_training_check=False)
    np.testing.assert_array_equal(DecodeImages(6, 1)(data[:1])[0], grey)  # same size: the pixels as stored
    assert tuple(DecodeImages(4, 3)(data).shape) == (2, 4, 4, 3)  # grey repeated, any size resized
    with pytest.raises(ValueError, match="2"):
        DecodeImages(4, channels=2)


def test_class_labels_layer_contract_and_outputs():
    probabilities = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]], "float32")
    run_layer_test(ClassLabels, {"class_names": ["cat", "dog", "emu"]}, input_data=probabilities,
                   run_training_check=False)
    outputs = ClassLabels(["cat", "dog", "emu"])(probabilities)
    assert [label.decode() for label in outputs["label"].numpy()] == ["dog", "cat"]
    np.testing.assert_allclose(outputs["probability"], [0.7, 0.5])
    with pytest.raises(ValueError, match="distinct"):
        ClassLabels(["a", "a"])
