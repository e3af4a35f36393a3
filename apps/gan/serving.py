"""The GAN app's export signatures: noise (and class) -> uint8 images; encoder and decoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

from apps.gan import autoencoder as ae
from shared.export import export_saved_model

PARITY_COUNT = 8


def to_uint8(images):
    return tf.cast(tf.clip_by_value(tf.round(images), 0.0, 255.0), tf.uint8)


def export_generator(generator, out):
    """The DCGAN's averaged generator: `noise` (and `label`) -> uint8 `images`."""
    network = generator.model.ema_generator
    codes = generator.codes(PARITY_COUNT, seed=0)
    labels = np.arange(PARITY_COUNT, dtype="int32") % max(1, generator.num_classes)
    signature = [tf.TensorSpec([None, generator.latent_dim], tf.float32, name="noise")]
    if generator.num_classes:
        signature.append(tf.TensorSpec([None], tf.int32, name="label"))

        def serve(noise, label):
            return {"images": to_uint8((network([noise, label], training=False) + 1.0) * 127.5)}
        examples = {"noise": codes, "label": labels}
    else:
        def serve(noise):
            return {"images": to_uint8((network(noise, training=False) + 1.0) * 127.5)}
        examples = {"noise": codes}
    expected = {"images": serve(*examples.values())["images"].numpy()}
    return export_saved_model([network], serve, signature, out, examples, expected, tolerance=1.0)


def export_autoencoder(generator, image_shape, out):
    """Two SavedModels: `encoder` (float `image` -> `code`) and `decoder` (`code` -> uint8 `images`)."""
    encoder, decoder, _ = ae.parts(generator.model)
    images = generator.generate(PARITY_COUNT, seed=0)
    codes = generator.codes(PARITY_COUNT, seed=0)

    def encode(image):
        result = encoder(image, training=False)
        return {"code": result[0] if isinstance(result, (list, tuple)) else result}

    def decode(code):
        return {"images": to_uint8(decoder(code, training=False) * 255.0)}

    first = export_saved_model(
        [encoder], encode, [tf.TensorSpec([None, *image_shape], tf.float32, name="image")],
        Path(out) / "encoder", {"image": images}, {"code": encode(images)["code"].numpy()})
    second = export_saved_model(
        [decoder], decode, [tf.TensorSpec([None, codes.shape[1]], tf.float32, name="code")],
        Path(out) / "decoder", {"code": codes}, {"images": decode(codes)["images"].numpy()}, tolerance=1.0)
    return {"encoder": first, "decoder": second}
