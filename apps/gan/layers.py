"""The GAN app's serializable layers: what `RUN/model.keras` carries around the networks.

    DCGAN:        seed (and label) -> SeedNoise -> generator -> GeneratedImages -> images
                                (label -> ClassNames -> class_name)
    autoencoder:  image bytes -> DecodeImages -> encoder -> code -> decoder -> GeneratedImages -> images
                                                 (code -> CodeGaussian -> code_distance;
                                                  reconstruction vs input -> ReconstructionError -> mse)

`import apps` imports this module, so `keras.saving.load_model(RUN/model.keras,
safe_mode=True)` finds every layer. The values the verbs need come from
these layers: image size and channels (`generated_images`), the latent size
(`seed_noise`), the class names (`class_names`), the Gaussian the
autoencoder's decoder is sampled from (`code_gaussian`).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


@keras.saving.register_keras_serializable(package="annsuite")
class SeedNoise(keras.layers.Layer):
    """Integer seeds (N,) -> standard normal noise (N, latent_dim), one fixed vector per seed.

    Each seed draws its own vector (stateless, `tf.random.stateless_normal`),
    so an image depends on its seed only, not on the other seeds of the batch.

    Args:
        latent_dim: size of the noise vector.

    Example:
        >>> SeedNoise(32)(tf.constant([0, 7], tf.int64)).shape  # (2, 32)
    """

    def __init__(self, latent_dim, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be >= 1, got {latent_dim!r}")
        self.latent_dim = int(latent_dim)

    def build(self, input_shape):
        self.built = True

    def noise(self, seed):
        return tf.random.stateless_normal([self.latent_dim], seed=tf.stack([seed, tf.zeros_like(seed)]))

    def call(self, seeds):
        seeds = tf.reshape(tf.cast(seeds, tf.int64), [-1])
        return tf.map_fn(self.noise, seeds, fn_output_signature=tf.float32)

    def compute_output_spec(self, seeds):
        return keras.KerasTensor((seeds.shape[0], self.latent_dim), dtype="float32")

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim}


@keras.saving.register_keras_serializable(package="annsuite")
class GeneratedImages(keras.layers.Layer):
    """A network's images in `value_range` -> uint8 images (rounded, clipped to [0, 255]).

    Args:
        image_size: the side of the square images.
        channels: 1 (grey) or 3 (RGB).
        value_range: (low, high) of the network's output: (-1, 1) for tanh, (0, 1) for sigmoid.

    Example:
        >>> GeneratedImages(16, 1)(tf.zeros((2, 16, 16, 1)))  # uint8, all 128
    """

    def __init__(self, image_size, channels, value_range=(-1.0, 1.0), **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels!r}")
        low, high = (float(v) for v in value_range)
        if not low < high:
            raise ValueError(f"value_range must be (low, high) with low < high, got {value_range!r}")
        self.image_size = int(image_size)
        self.channels = int(channels)
        self.value_range = (low, high)

    def build(self, input_shape):
        if tuple(input_shape[1:]) != (self.image_size, self.image_size, self.channels):
            raise ValueError(f"images of {tuple(input_shape[1:])} do not fit image_size {self.image_size}, "
                             f"channels {self.channels}")
        self.built = True

    def call(self, images):
        low, high = self.value_range
        pixels = (tf.cast(images, tf.float32) - low) * (255.0 / (high - low))
        return tf.cast(tf.clip_by_value(tf.round(pixels), 0.0, 255.0), tf.uint8)

    def compute_output_spec(self, images):
        return keras.KerasTensor(images.shape, dtype="uint8")

    def get_config(self):
        return {**super().get_config(), "image_size": self.image_size, "channels": self.channels,
                "value_range": list(self.value_range)}


@keras.saving.register_keras_serializable(package="annsuite")
class ClassNames(keras.layers.Layer):
    """Class ids (N,) -> their names (N,) as strings: a conditional generator's classes.

    Args:
        class_names: the names, in the order of the class ids.

    Example:
        >>> ClassNames(["disc", "square"])(tf.constant([1]))  # [b"square"]
    """

    def __init__(self, class_names, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if len(class_names) < 1 or len(set(class_names)) != len(class_names):
            raise ValueError(f"class_names must be distinct names, got {class_names!r}")
        self.class_names = [str(name) for name in class_names]

    def build(self, input_shape):
        self.built = True

    def call(self, class_ids):
        return tf.gather(tf.constant(self.class_names), tf.cast(class_ids, tf.int32))

    def compute_output_spec(self, class_ids):
        return keras.KerasTensor(class_ids.shape, dtype="string")

    def get_config(self):
        return {**super().get_config(), "class_names": self.class_names}


@keras.saving.register_keras_serializable(package="annsuite")
class CodeGaussian(keras.layers.Layer):
    """Codes (N, D) -> their Mahalanobis distance (N,) from the Gaussian the decoder is sampled from.

    The Gaussian (the training images' codes; N(0, I) for a VAE) is what
    `sample` draws new codes from; the distance says how unlike the training
    images an input is (about sqrt(D) for a typical one).

    Args:
        mean: the mean code (D values).
        cov: the covariance (D x D, positive definite).

    Example:
        >>> CodeGaussian([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])(tf.constant([[3.0, 4.0]]))  # [5.0]
    """

    def __init__(self, mean, cov, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        mean, cov = np.asarray(mean, "float64").ravel(), np.asarray(cov, "float64")
        if cov.shape != (len(mean), len(mean)):
            raise ValueError(f"cov must be {len(mean)} x {len(mean)}, got shape {cov.shape}")
        try:
            # z = L^-1 (code - mean) for cov = L L^T: standard normal coordinates.
            self.whitening = np.linalg.inv(np.linalg.cholesky(cov)).T.astype("float32")
        except np.linalg.LinAlgError:
            raise ValueError("cov must be positive definite") from None
        self.mean = mean.tolist()
        self.cov = cov.tolist()

    def build(self, input_shape):
        self.built = True

    def call(self, codes):
        centred = tf.cast(codes, tf.float32) - tf.constant(self.mean, tf.float32)
        return tf.norm(tf.matmul(centred, tf.constant(self.whitening)), axis=-1)

    def compute_output_spec(self, codes):
        return keras.KerasTensor((codes.shape[0],), dtype="float32")

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "cov": self.cov}


@keras.saving.register_keras_serializable(package="annsuite")
class ReconstructionError(keras.layers.Layer):
    """[reconstructions in [0, 1], images in [0, 255]] -> mean squared error (N,) in [0, 1] units.

    Example:
        >>> ReconstructionError()([tf.zeros((1, 4, 4, 1)), tf.fill((1, 4, 4, 1), 255.0)])  # [1.0]
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.built = True

    def call(self, inputs):
        reconstructions, images = (tf.cast(x, tf.float32) for x in inputs)
        return tf.reduce_mean((reconstructions * 255.0 - images) ** 2, axis=[1, 2, 3]) / 255.0 ** 2

    def compute_output_spec(self, inputs):
        return keras.KerasTensor((inputs[0].shape[0],), dtype="float32")
