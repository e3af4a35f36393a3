"""Convolutional autoencoders: plain, denoising and variational.

The encoder is a shared `ImageBackbone` (keras-hub Backbone, images in
[0, 255]) followed by a dense bottleneck, so `export-encoder` can write the
backbone as a preset folder that the classifier fine-tunes from. The decoder
maps a code to an image in [0, 1]; the loss is the mean squared error
against the input scaled to [0, 1].
"""

from __future__ import annotations

import keras

from shared.backbones import ImageBackbone
from shared.distribute import predict


@keras.saving.register_keras_serializable(package="annsuite_gan")
class VariationalSampling(keras.layers.Layer):
    """z = mean + exp(log_var / 2) * eps in training (mean otherwise), adding the KL loss.

    Args:
        kl_weight: weight of KL(q(z|x) || N(0, I)), averaged over the batch.
        seed: seed of eps.

    Example:
    ```python
    z = VariationalSampling()([mean, log_var])
    ```
    """

    def __init__(self, kl_weight=1.0, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.kl_weight = kl_weight
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        mean, log_var = inputs
        kl = -0.5 * keras.ops.sum(1.0 + log_var - mean ** 2 - keras.ops.exp(log_var), axis=-1)
        self.add_loss(self.kl_weight * keras.ops.mean(kl))
        if not training:
            return mean
        eps = keras.random.normal(keras.ops.shape(mean), seed=self.seed_generator)
        return mean + keras.ops.exp(0.5 * log_var) * eps

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "kl_weight": self.kl_weight, "seed": self.seed}


def build_encoder(image_shape, latent_dim, width, variational=False):
    """Images [0, 255] -> backbone (`vgg` family) -> code (and log variance)."""
    images = keras.Input(tuple(image_shape), name="images")
    backbone = ImageBackbone("vgg", image_shape, width=width, name="backbone")
    x = keras.layers.Flatten()(backbone(images))
    mean = keras.layers.Dense(latent_dim, name="code")(x)
    outputs = [mean, keras.layers.Dense(latent_dim, name="log_var")(x)] if variational else mean
    return keras.Model(images, outputs, name="encoder")


def build_decoder(image_shape, latent_dim, width):
    """Code -> dense -> two stride-2 transposed convs -> sigmoid image in [0, 1]."""
    size, channels = image_shape[0], image_shape[-1]
    code = keras.Input((latent_dim,), name="code")
    x = keras.layers.Dense((size // 4) ** 2 * width * 2, activation="relu")(code)
    x = keras.layers.Reshape((size // 4, size // 4, width * 2))(x)
    for filters in (width * 2, width):
        x = keras.layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation="relu")(x)
    images = keras.layers.Conv2D(channels, 3, padding="same", activation="sigmoid", name="image")(x)
    return keras.Model(code, images, name="decoder")


def build_autoencoder(config, image_shape):
    """images [0, 255] -> (noise) -> encoder -> (sampling) -> decoder -> [0, 1] (uncompiled)."""
    encoder = build_encoder(image_shape, config.latent_dim, config.width, config.variational)
    decoder = build_decoder(image_shape, config.latent_dim, config.width)
    images = keras.Input(tuple(image_shape), name="images")
    x = images
    if config.denoising:
        # GaussianNoise takes a standard deviation of at most 1: add it in [0, 1] units.
        x = keras.layers.Rescaling(1.0 / 255.0)(x)
        x = keras.layers.GaussianNoise(config.denoising, seed=config.seed, name="noise")(x)
        x = keras.layers.Rescaling(255.0)(x)
    code = encoder(x)
    if config.variational:
        # The KL term is summed over the code, the reconstruction averaged over pixels.
        pixels = image_shape[0] * image_shape[1] * image_shape[2]
        code = VariationalSampling(1.0 / pixels, config.seed, name="sampling")(code)
    return keras.Model(images, decoder(code), name="autoencoder")


def compile_autoencoder(model, learning_rate):
    """Adam on the mean squared error against the input scaled to [0, 1]."""
    model.compile(keras.optimizers.Adam(learning_rate), loss="mse")
    return model


def parts(model):
    """(encoder, decoder, backbone) of an autoencoder built here."""
    encoder = model.get_layer("encoder")
    return encoder, model.get_layer("decoder"), encoder.get_layer("backbone")


def encode(model, images):
    """Codes (means for a VAE) of images in [0, 255]."""
    codes = predict(parts(model)[0], images)
    return codes[0] if isinstance(codes, list) else codes
