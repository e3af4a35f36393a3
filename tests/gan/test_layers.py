"""The layers RUN/model.keras carries, through the shared layer harness, and their own checks."""

import numpy as np
import pytest
import tensorflow as tf

from apps.gan.layers import (
    ClassNames,
    CodeGaussian,
    GeneratedImages,
    ReconstructionError,
    SeedNoise,
)
from tests.layer_test_case import run_layer_test


def test_seed_noise_is_one_standard_normal_vector_per_seed():
    seeds = np.array([3, 0, 3, 2 ** 40], "int64")
    run_layer_test(SeedNoise, {"latent_dim": 5}, input_data=seeds, expected_output_shape=(4, 5),
                   run_training_check=False)
    noise = SeedNoise(5)(seeds).numpy()
    np.testing.assert_array_equal(noise[0], noise[2])  # a seed's vector, whatever the batch
    np.testing.assert_array_equal(SeedNoise(5)(seeds[1:2]).numpy()[0], noise[1])
    many = SeedNoise(64)(np.arange(200, dtype="int64")).numpy()
    assert abs(many.mean()) < 0.05 and abs(many.std() - 1.0) < 0.05
    with pytest.raises(ValueError, match="0"):
        SeedNoise(0)


def test_generated_images_map_the_value_range_to_uint8():
    images = np.array([-1.0, -0.999, 0.0, 1.0, 1.5], "float32").reshape(1, 1, 5, 1)
    pixels = GeneratedImages(5, 1)
    with pytest.raises(ValueError, match="do not fit"):
        pixels(tf.constant(images))  # 1x5 is not 5x5
    square = np.tile(images, (2, 5, 1, 1))
    run_layer_test(GeneratedImages, {"image_size": 5, "channels": 1, "value_range": (0.0, 1.0)},
                   input_data=square, run_training_check=False)
    out = GeneratedImages(5, 1)(square).numpy()
    assert out.dtype == np.uint8 and out[0, 0, :, 0].tolist() == [0, 0, 128, 255, 255]
    assert GeneratedImages(5, 1, (0.0, 1.0))(square).numpy()[0, 0, :, 0].tolist() == [0, 0, 0, 255, 255]
    with pytest.raises(ValueError, match="2"):
        GeneratedImages(5, 2)
    with pytest.raises(ValueError, match="low < high"):
        GeneratedImages(5, 1, (1.0, 1.0))


def test_class_names_of_class_ids():
    run_layer_test(ClassNames, {"class_names": ["disc", "square", "triangle"]},
                   input_data=np.array([2, 0], "int32"), run_training_check=False)
    names = ClassNames(["disc", "square"])(np.array([1, 0, 1], "int32")).numpy()
    assert [name.decode() for name in names] == ["square", "disc", "square"]
    with pytest.raises(ValueError, match="distinct"):
        ClassNames(["a", "a"])


def test_code_gaussian_gives_the_mahalanobis_distance():
    mean, cov = [1.0, -1.0], [[4.0, 0.0], [0.0, 1.0]]
    run_layer_test(CodeGaussian, {"mean": mean, "cov": cov}, input_data=np.zeros((3, 2), "float32"),
                   expected_output_shape=(3,), run_training_check=False)
    codes = np.array([[1.0, -1.0], [3.0, -1.0], [1.0, 2.0]], "float32")
    np.testing.assert_allclose(CodeGaussian(mean, cov)(codes), [0.0, 1.0, 3.0], atol=1e-6)
    rng = np.random.default_rng(0)
    full = np.cov(rng.normal(size=(500, 3)) @ rng.normal(size=(3, 3)), rowvar=False)
    point = rng.normal(size=(1, 3)).astype("float32")
    want = np.sqrt(point @ np.linalg.inv(full) @ point.T)[0, 0]
    np.testing.assert_allclose(CodeGaussian(np.zeros(3), full)(point), [want], rtol=1e-4)
    with pytest.raises(ValueError, match="2 x 2"):
        CodeGaussian(mean, [[1.0]])
    with pytest.raises(ValueError, match="positive definite"):
        CodeGaussian(mean, [[1.0, 2.0], [2.0, 1.0]])


def test_reconstruction_error_in_unit_pixels():
    reconstructions = np.zeros((2, 4, 4, 1), "float32")
    images = np.stack([np.full((4, 4, 1), 255.0), np.full((4, 4, 1), 127.5)]).astype("float32")
    run_layer_test(ReconstructionError, {}, input_data=(reconstructions, images), expected_output_shape=(2,),
                   run_training_check=False)
    np.testing.assert_allclose(ReconstructionError()([reconstructions, images]), [1.0, 0.25], rtol=1e-6)
