"""GAN benchmark: our DCGAN `train` against a plain keras.io-style DCGAN.

Both train generators and discriminators of the same size (the app's
builders) on the same training split of the default digits for the same
number of epochs (the app's default budget), in this process, one after
the other. The plain model is
the keras.io "DCGAN overriding train_step" shape: one discriminator step on
concatenated fake and real images with noisy labels, one generator step,
no moving average, no callbacks. Both are scored by the same feature
classifier (the one our run trained) against the same test images.
Reported: FID, KID, class coverage of both, the real-vs-real baseline, wall
time, training images per second and their ratio (ours / plain; > 1 means
ours is faster).

With `--data PATH` (e.g. ../shared/data/mnist), also our FID and coverage
on that data set at the default budget (about 2,300 steps).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from apps.gan import main
from apps.gan.config import GanConfig
from apps.gan.data import load_data
from apps.gan.defaults import default_epochs
from apps.gan.evaluation import load_scorer
from apps.gan.model import build_discriminator, build_generator


class PlainGAN(keras.Model):
    """The keras.io DCGAN `train_step`, with a logit discriminator."""

    def __init__(self, discriminator, generator, latent_dim, seed=0):
        super().__init__()
        self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_metric, self.g_loss_metric = keras.metrics.Mean(name="d_loss"), keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

    def train_step(self, real_images):
        batch = tf.shape(real_images)[0]
        noise = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        combined = tf.concat([self.generator(noise), real_images], axis=0)
        labels = tf.concat([tf.ones((batch, 1)), tf.zeros((batch, 1))], axis=0)
        labels += 0.05 * tf.random.uniform(tf.shape(labels))
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(combined))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        noise = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            g_loss = self.loss_fn(tf.zeros((batch, 1)), self.discriminator(self.generator(noise)))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


def plain_keras(config, epochs, scorer):
    data = load_data(config)
    keras.utils.set_random_seed(config.seed)
    started = time.time()
    gan = PlainGAN(build_discriminator(data.image_shape, config.width, config.dropout,
                                       minibatch_std=config.minibatch_std),
                   build_generator(data.image_shape, config.latent_dim, config.width,
                                   upsampling=config.upsampling), config.latent_dim)
    gan.compile(keras.optimizers.Adam(config.learning_rate, beta_1=0.5),
                keras.optimizers.Adam(config.learning_rate, beta_1=0.5),
                keras.losses.BinaryCrossentropy(from_logits=True))
    dataset = tf.data.Dataset.from_tensor_slices(data.x_train / 127.5 - 1.0).shuffle(
        len(data.x_train), seed=config.seed).batch(config.batch_size).prefetch(tf.data.AUTOTUNE)
    gan.fit(dataset, epochs=epochs, verbose=0)
    seconds = time.time() - started
    noise = np.random.default_rng(config.seed).standard_normal((config.fid_samples, config.latent_dim))
    images = (gan.generator.predict(noise.astype("float32"), verbose=0) + 1.0) * 127.5
    return {**scorer.score(images), "seconds": round(seconds, 2),
            "examples_per_second": round(len(data.x_train) * epochs / seconds, 1)}


def ours(run_dir, epochs=None, extra=()):
    """Our `train` (epochs None: the default budget)."""
    started = time.time()
    budget = [] if epochs is None else ["--epochs", str(epochs)]
    metrics = main(["train", "--run-dir", str(run_dir), *budget, *extra])
    seconds = time.time() - started
    test = metrics["test"]
    return {"fid": test["fid"], "kid": test["kid"], "class_coverage": test["class_coverage"],
            "fid_real_baseline": test["fid_real_baseline"], "seconds": round(seconds, 2),
            "examples_per_second": round(metrics["train_examples"] * metrics["epochs"] / seconds, 1),
            "run_dir": str(run_dir)}


def run(args, epochs=None):
    root = Path(tempfile.mkdtemp(prefix="bench-gan-"))
    config = GanConfig()
    data = load_data(config)
    epochs = epochs or default_epochs(config, len(data.x_train), data.image_shape[0])
    result = {"data": "digits (default)", "epochs": epochs, "ours": ours(root / "ours", epochs)}
    scorer = load_scorer(root / "ours", data.x_test, data.x_train)
    result["plain_keras"] = plain_keras(config, epochs, scorer)
    result["speed_ratio"] = round(result["ours"]["examples_per_second"]
                                  / result["plain_keras"]["examples_per_second"], 3)
    result["fid_ratio_to_baseline"] = round(result["ours"]["fid"] / result["ours"]["fid_real_baseline"], 3)
    if args.data:
        real = ours(root / "real", None, ["--data", args.data])
        result["real_data"] = {"data": args.data, **real,
                               "fid_ratio_to_baseline": round(real["fid"] / real["fid_real_baseline"], 3)}
    return result
