"""The DCGAN's train_step and the shapes of generated images."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from apps.gan.autoencoder import (
    build_autoencoder,
    build_decoder,
    build_encoder,
    compile_autoencoder,
)
from apps.gan.config import DEFAULT_STEPS, GanConfig
from apps.gan.defaults import budget_steps, data_defaults, default_epochs
from apps.gan.model import (
    DCGAN,
    MinibatchStdDev,
    build_dcgan,
    build_discriminator,
    build_generator,
    compile_dcgan,
)


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
    model = compile_autoencoder(build_autoencoder(config, (16, 16, 1)), 1e-3)
    images = np.random.default_rng(0).uniform(0, 255, (8, 16, 16, 1)).astype("float32")
    model(images, training=True)
    assert len(model.losses) == 1 and float(model.losses[0]) >= 0.0
    history = model.fit(images, images / 255.0, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    model.save(tmp_path / "vae.keras")
    loaded = keras.saving.load_model(tmp_path / "vae.keras", safe_mode=True)
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-5)


def test_minibatch_std_adds_the_batch_spread_as_a_feature_map_and_round_trips(tmp_path):
    layer = MinibatchStdDev()
    varied = np.random.default_rng(0).normal(size=(8, 4, 4, 3)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(varied))
    assert out.shape == (8, 4, 4, 4)
    np.testing.assert_allclose(out[..., :3], varied)
    np.testing.assert_allclose(out[..., 3], varied.std(axis=0).mean(), rtol=1e-4)
    same = keras.ops.convert_to_numpy(layer(np.repeat(varied[:1], 8, axis=0)))
    assert np.abs(same[..., 3]).max() < 1e-3  # a batch of copies has no spread
    assert MinibatchStdDev.from_config(layer.get_config()).get_config() == layer.get_config()
    model = build_discriminator((8, 8, 1), width=4, minibatch_std=True)
    model.save(tmp_path / "d.keras")
    loaded = keras.saving.load_model(tmp_path / "d.keras", safe_mode=True)
    x = np.random.default_rng(1).uniform(-1, 1, (5, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(loaded(x), model(x), atol=1e-6)


def test_the_default_budget_is_a_number_of_steps():
    assert default_epochs(GanConfig(), 1437) == round(DEFAULT_STEPS / 23)  # the digits: 23 steps an epoch
    assert default_epochs(GanConfig(batch_size=8), 10) == DEFAULT_STEPS // 2
    assert default_epochs(GanConfig(model="autoencoder"), 1437) == 60
    assert GanConfig(epochs=7).epochs == 7
    with pytest.raises(ValueError, match="epochs"):
        GanConfig(epochs=-1)


def test_the_budget_grows_with_image_size_and_count():
    assert budget_steps(16, 1437) == DEFAULT_STEPS  # the built-in digits: today's budget
    assert budget_steps(16, 300) == budget_steps(8, 1437) == DEFAULT_STEPS  # never below it
    assert DEFAULT_STEPS < budget_steps(28, 1437) < budget_steps(28, 8000) <= 2 * DEFAULT_STEPS
    assert budget_steps(20, 1437) < budget_steps(28, 1437) and budget_steps(64, 100000) == 2 * DEFAULT_STEPS
    mnist = default_epochs(GanConfig(), 8000, image_size=28)  # MNIST's training split: 125 steps an epoch
    assert mnist == round(budget_steps(28, 8000) / 125) > round(DEFAULT_STEPS / 125)


def test_the_data_decides_size_channels_and_epochs_when_unset():
    digits = data_defaults({"format": "digits", "train_images": 1437, "image_size": 16}, GanConfig())
    assert {name: value for name, (value, _) in digits.items()} == {
        "image_size": 16, "channels": 1, "epochs": 100, "fid_every": 5}  # today's values
    mnist = data_defaults({"format": "idx", "train_images": 8000, "image_size": 28}, GanConfig())
    assert mnist["image_size"][0] == 28 and mnist["lr_decay"][0] is True and "28x28" in mnist["epochs"][1]
    given = data_defaults({"format": "idx", "train_images": 8000, "image_size": 28}, GanConfig(epochs=3))
    assert "lr_decay" not in given  # the decay goes with the default budget, not with --epochs
    few = data_defaults({"format": "folder", "train_images": 300, "image_size": 32}, GanConfig())
    assert few["fid_every"][0] == few["epochs"][0] // 20 > 5  # about 20 FID evaluations a run
    folder = data_defaults({"format": "folder"}, GanConfig())
    assert folder["image_size"][0] == 32 and folder["channels"][0] == 3 and "epochs" not in folder
    assert data_defaults({"format": "npz"}, GanConfig()) == {"image_size": (32, "the default for npz data")}
    assert data_defaults({"format": "npz", "channels": 3}, GanConfig())["channels"][0] == 3
    auto = data_defaults({"train_images": 10}, GanConfig(model="autoencoder"))
    assert auto["epochs"][0] == 60 and "lr_decay" not in auto


def test_options_reach_the_built_networks():
    gan = build_dcgan(GanConfig(width=4, lr_decay=True, minibatch_std=True, upsampling="resize",
                                diff_augment="translation"), (16, 16, 1), 10)
    compile_dcgan(gan, 2e-4, decay_steps=50, jit_compile=False)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(2e-4)
    gan.g_optimizer.iterations.assign(25)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-4)  # linear to zero over 50 steps
    gan.g_optimizer.iterations.assign(50)
    assert float(gan.g_optimizer.learning_rate) == 0.0
    assert gan.discriminator.get_layer("minibatch_std") is not None and gan.augment == "translation"
    layers = [type(layer).__name__ for layer in gan.generator.layers]
    assert "UpSampling2D" in layers and "Conv2DTranspose" not in layers
    plain = compile_dcgan(build_dcgan(GanConfig(width=4, upsampling="transposed"), (16, 16, 1), 10), 2e-4,
                          jit_compile=False)
    assert "Conv2DTranspose" in [type(layer).__name__ for layer in plain.generator.layers]
    plain.g_optimizer.iterations.assign(10_000)
    assert float(plain.g_optimizer.learning_rate) == pytest.approx(2e-4)  # constant without decay_steps
