"""The DCGAN's train_step and the shapes of generated images."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from apps.gan.autoencoder import build_autoencoder, build_decoder, build_encoder
from apps.gan.config import GanConfig
from apps.gan.model import DCGAN, build_discriminator, build_generator


def make_gan(shape=(16, 16, 1), classes=0):
    keras.utils.set_random_seed(0)
    gan = DCGAN(build_generator(shape, 8, width=4, num_classes=classes),
                build_discriminator(shape, width=4, dropout=0.0, num_classes=classes), 8, classes,
                label_smoothing=0.0, ema_decay=0.5)
    gan.compile(keras.optimizers.SGD(0.01), keras.optimizers.SGD(0.01))
    return gan


def test_one_train_step_moves_both_networks_down_their_losses():
    gan = make_gan()
    rng = np.random.default_rng(0)
    images = tf.constant(rng.uniform(0, 255, (16, 16, 16, 1)).astype("float32"))
    labels = tf.zeros(16, "int32")
    noise = tf.constant(rng.normal(size=(16, 8)).astype("float32"))
    gan.noise = lambda batch: noise
    real = images / 127.5 - 1.0
    fake = gan.generator(noise, training=True)
    d_before = float(gan.discriminator_loss(real, fake, labels)[0])
    g_old = [w.numpy() for w in gan.generator.weights]
    ema_old = [w.numpy() for w in gan.ema_generator.weights]
    logs = gan.train_step((images, labels))
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"}
    d_after = float(gan.discriminator_loss(real, fake, labels)[0])
    assert d_after < d_before  # the discriminator got better at telling them apart
    g_new = [w.numpy() for w in gan.generator.weights]
    g_after = float(gan.generator_loss(noise, labels))
    for weight, value in zip(gan.generator.weights, g_old):
        weight.assign(value)
    g_before = float(gan.generator_loss(noise, labels))
    assert g_after < g_before  # against the updated discriminator, the generator improved
    moved = [np.abs(a - b).max() for a, b in zip(g_new, g_old)]
    assert max(moved) > 0
    ema = gan.ema_generator.trainable_weights[0].numpy()
    index = [w.path for w in gan.ema_generator.weights].index(gan.ema_generator.trainable_weights[0].path)
    np.testing.assert_allclose(ema, 0.5 * ema_old[index] + 0.5 * g_new[index], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(16, 16, 1), (28, 28, 1), (32, 32, 3)])
def test_generated_and_decoded_shapes(shape):
    generator = build_generator(shape, 8, width=4)
    assert generator(np.zeros((2, 8), "float32")).shape == (2, *shape)
    conditional = build_generator(shape, 8, width=4, num_classes=3)
    out = conditional([np.zeros((2, 8), "float32"), np.array([0, 2])])
    assert out.shape == (2, *shape) and float(keras.ops.max(keras.ops.abs(out))) <= 1.0
    assert build_discriminator(shape, width=4)(np.zeros((2, *shape), "float32")).shape == (2, 1)
    encoder, decoder = build_encoder(shape, 5, 4), build_decoder(shape, 5, 4)
    assert decoder(encoder(np.zeros((2, *shape), "float32"))).shape == (2, *shape)


def test_dcgan_saves_and_loads_with_its_averaged_generator(tmp_path):
    gan = make_gan(classes=3)
    for weight in gan.ema_generator.trainable_weights:
        weight.assign(weight + 0.1)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.saving.load_model(tmp_path / "gan.keras", safe_mode=True, compile=False)
    noise, labels = np.ones((4, 8), "float32"), np.array([0, 1, 2, 0])
    assert loaded.num_classes == 3 and loaded.latent_dim == 8
    np.testing.assert_allclose(loaded.sample(noise, labels), gan.sample(noise, labels), atol=1e-4)


def test_variational_autoencoder_adds_its_kl_loss_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    config = GanConfig(model="autoencoder", variational=True, denoising=0.1, latent_dim=4, width=4)
    model = build_autoencoder(config, (16, 16, 1))
    images = np.random.default_rng(0).uniform(0, 255, (8, 16, 16, 1)).astype("float32")
    model(images, training=True)
    assert len(model.losses) == 1 and float(model.losses[0]) >= 0.0
    history = model.fit(images, images / 255.0, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    model.save(tmp_path / "vae.keras")
    loaded = keras.saving.load_model(tmp_path / "vae.keras", safe_mode=True)
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-5)
