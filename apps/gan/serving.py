"""The GAN app's models on raw inputs (`RUN/model.keras`) and its SavedModel exports.

`model.keras` of a DCGAN takes integer noise seeds (`seed`, int64, and
`label`, int32, for a conditional model) and returns uint8 `images` (and
the `class_name` of each label): the rows of `predict`. An autoencoder's
takes encoded image bytes (`image_bytes`) and returns the uint8
reconstructions (`images`), their `mse` against the decoded input, the
`code` and its `code_distance` from the code Gaussian `sample` draws from.

The exports keep their signatures and are built from model.keras's own
layers: the generator from `noise` (and `label`) to uint8 `images`; the
autoencoder's `encoder` (float `image` -> `code`) and `decoder` (`code` ->
uint8 `images`), each checked against model.keras.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from apps.gan import autoencoder as ae
from apps.gan.layers import (
    ClassNames,
    CodeGaussian,
    GeneratedImages,
    ReconstructionError,
    SeedNoise,
)
from shared.export import export_saved_model
from shared.layers import DecodeImages

PARITY_COUNT = 8


def dcgan_inference_model(network, image_shape, class_names):
    """Seeds (and labels) -> uint8 images (and class names) through the averaged generator."""
    size, _, channels = image_shape
    seed = keras.Input((), dtype="int64", name="seed")
    noise = SeedNoise(network.latent_dim, name="seed_noise")(seed)
    pixels = GeneratedImages(size, channels, (-1.0, 1.0), name="generated_images")
    if not network.num_classes:
        return keras.Model(seed, {"images": pixels(network.ema_generator(noise))}, name="image_generator")
    label = keras.Input((), dtype="int32", name="label")
    outputs = {"images": pixels(network.ema_generator([noise, label])),
               "class_name": ClassNames(class_names, name="class_names")(label)}
    return keras.Model({"seed": seed, "label": label}, outputs, name="image_generator")


def autoencoder_inference_model(network, image_shape, code_mean, code_cov):
    """Encoded image bytes -> reconstructions, their error, the code and its distance."""
    size, _, channels = image_shape
    encoder, decoder, _ = ae.parts(network)
    image_bytes = keras.Input((), dtype="string", name="image_bytes")
    images = DecodeImages(size, channels, name="decode_images")(image_bytes)
    code = encoder(images)
    code = code[0] if isinstance(code, (list, tuple)) else code  # a VAE decodes its mean
    reconstructions = decoder(code)
    outputs = {"images": GeneratedImages(size, channels, (0.0, 1.0), name="generated_images")(reconstructions),
               "mse": ReconstructionError(name="reconstruction_error")([reconstructions, images]),
               "code": code,
               "code_distance": CodeGaussian(code_mean, code_cov, name="code_gaussian")(code)}
    return keras.Model(image_bytes, outputs, name="image_autoencoder")


def image_spec(model):
    """(image size, channels) that a model.keras carries."""
    pixels = model.get_layer("generated_images")
    return pixels.image_size, pixels.channels


def class_names_of(model):
    """The classes of a conditional DCGAN's model.keras ([] for other models)."""
    names = [layer for layer in model.layers if layer.name == "class_names"]
    return names[0].class_names if names else []


def code_gaussian(model):
    """(mean, covariance) of the codes an autoencoder's model.keras samples its decoder from."""
    gaussian = model.get_layer("code_gaussian")
    return np.asarray(gaussian.mean), np.asarray(gaussian.cov)


def seed_inputs(model, seeds, labels=None):
    """The inputs of a DCGAN's model.keras for seeds (and labels)."""
    seeds = np.asarray(seeds, "int64")
    return {"seed": seeds, "label": np.asarray(labels, "int32")} if class_names_of(model) else seeds


def generate(model, seeds, labels=None):
    """model.keras outputs (uint8 `images`, ...) of noise seeds (and labels)."""
    return model.predict(seed_inputs(model, seeds, labels), batch_size=256, verbose=0)


def export_generator(model, out):
    """The averaged generator of a DCGAN's model.keras: `noise` (and `label`) -> uint8 `images`."""
    generator, pixels = model.get_layer("generator"), model.get_layer("generated_images")
    seeds = np.arange(PARITY_COUNT, dtype="int64")
    noise = model.get_layer("seed_noise")(tf.constant(seeds)).numpy()
    names = class_names_of(model)
    signature = [tf.TensorSpec([None, noise.shape[1]], tf.float32, name="noise")]
    if names:
        labels = np.arange(PARITY_COUNT, dtype="int32") % len(names)
        signature.append(tf.TensorSpec([None], tf.int32, name="label"))
        class_name = model.get_layer("class_names")

        def serve(noise, label):
            return {"images": pixels(generator([noise, label], training=False)), "class_name": class_name(label)}
        examples = {"noise": noise, "label": labels}
    else:
        labels = None

        def serve(noise):
            return {"images": pixels(generator(noise, training=False))}
        examples = {"noise": noise}
    expected = generate(model, seeds, labels)  # model.keras on the seeds of that noise
    return export_saved_model([model], serve, signature, out, examples, expected, tolerance=1.0)


def export_autoencoder(model, examples, out):
    """Two SavedModels: `encoder` (float `image` -> `code`) and `decoder` (`code` -> uint8 `images`).

    `examples`: encoded images (bytes); the encoder must give model.keras's
    codes of them, the decoder its reconstructions from those codes.
    """
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    pixels = model.get_layer("generated_images")
    batch = tf.constant(list(examples))
    images = model.get_layer("decode_images")(batch).numpy()
    expected = model.predict(batch, verbose=0)

    def encode(image):
        result = encoder(image, training=False)
        return {"code": result[0] if isinstance(result, (list, tuple)) else result}

    def decode(code):
        return {"images": pixels(decoder(code, training=False))}

    size, channels = image_spec(model)
    first = export_saved_model(
        [model], encode, [tf.TensorSpec([None, size, size, channels], tf.float32, name="image")],
        Path(out) / "encoder", {"image": images}, {"code": expected["code"]})
    second = export_saved_model(
        [model], decode, [tf.TensorSpec([None, expected["code"].shape[1]], tf.float32, name="code")],
        Path(out) / "decoder", {"code": expected["code"]}, {"images": expected["images"]}, tolerance=1.0)
    return {"encoder": first, "decoder": second}
