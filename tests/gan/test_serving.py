"""model.keras of the GAN app's models, built from untrained networks (fast): save, safe load, outputs."""

import keras
import numpy as np
import tensorflow as tf

from apps.gan.autoencoder import build_autoencoder
from apps.gan.config import GanConfig
from apps.gan.model import build_dcgan
from apps.gan.serving import (
    autoencoder_inference_model,
    class_names_of,
    code_gaussian,
    dcgan_inference_model,
    generate,
    image_spec,
)
from shared.images import encode_png

SHAPE = (8, 8, 1)


def reloaded(model, tmp_path):
    model.save(tmp_path / "model.keras")
    return keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)


def test_a_variational_autoencoder_s_model_decodes_the_code_mean(tmp_path):
    config = GanConfig(model="autoencoder", variational=True, denoising=0.2, latent_dim=3, width=4)
    network = build_autoencoder(config, SHAPE)
    model = reloaded(autoencoder_inference_model(network, SHAPE, np.zeros(3), np.eye(3)), tmp_path)
    images = np.random.default_rng(0).integers(0, 256, size=(2, *SHAPE)).astype("float32")
    outputs = model.predict(tf.constant([encode_png(image) for image in images]), verbose=0)
    expected = network(images, training=False).numpy()  # noise off, the VAE's mean decoded
    np.testing.assert_array_equal(outputs["images"], np.round(expected * 255.0).astype("uint8"))
    np.testing.assert_allclose(outputs["mse"], np.mean((expected - images / 255.0) ** 2, axis=(1, 2, 3)),
                               rtol=1e-4)
    np.testing.assert_allclose(outputs["code_distance"], np.linalg.norm(outputs["code"], axis=1), rtol=1e-5)
    assert image_spec(model) == (8, 1) and class_names_of(model) == []
    np.testing.assert_array_equal(code_gaussian(model)[1], np.eye(3))


def test_a_conditional_dcgan_s_model_carries_its_classes(tmp_path):
    config = GanConfig(conditional=True, latent_dim=4, width=4)
    network = build_dcgan(config, SHAPE, 3)
    model = reloaded(dcgan_inference_model(network, SHAPE, ["disc", "square", "triangle"]), tmp_path)
    outputs = generate(model, [5, 6], [2, 0])
    assert outputs["images"].dtype == np.uint8 and outputs["images"].shape == (2, *SHAPE)
    assert [name.decode() for name in outputs["class_name"]] == ["triangle", "disc"]
    assert class_names_of(model) == ["disc", "square", "triangle"]
    noise = model.get_layer("seed_noise")(tf.constant([5], tf.int64))
    direct = (network.ema_generator([noise, tf.constant([2])], training=False).numpy() + 1.0) * 127.5
    np.testing.assert_array_equal(outputs["images"][:1], np.clip(np.round(direct), 0, 255).astype("uint8"))
