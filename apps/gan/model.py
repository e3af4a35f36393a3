"""The DCGAN (generator, discriminator, minimax `train_step`) and its builders.

Images inside the networks are in [-1, 1] (tanh); the data and every output
a user sees are in [0, 255].
"""

from __future__ import annotations

import keras
import tensorflow as tf

from apps.gan.augment import diff_augment
from shared.distribute import predict


def upsample_block(x, filters, kind):
    """Double the size: a stride-2 transposed conv, or bilinear resize + 3x3 conv."""
    if kind == "transposed":
        return keras.layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(x)
    x = keras.layers.UpSampling2D(interpolation="bilinear")(x)
    return keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)


def build_generator(image_shape, latent_dim, width=32, num_classes=0, upsampling="transposed"):
    """Noise z (and a class) -> dense -> two 2x upsamplings (transposed convs or
    resize + conv, each with batch norm and ReLU) -> tanh image."""
    size, channels = image_shape[0], image_shape[-1]
    noise = keras.Input((latent_dim,), name="noise")
    inputs, x = [noise], noise
    if num_classes:
        label = keras.Input((), dtype="int32", name="label")
        inputs.append(label)
        x = keras.layers.Concatenate()([x, keras.layers.Embedding(num_classes, latent_dim)(label)])
    x = keras.layers.Dense((size // 4) ** 2 * width * 4, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Reshape((size // 4, size // 4, width * 4))(x)
    for filters in (width * 2, width):
        x = upsample_block(x, filters, upsampling)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    images = keras.layers.Conv2D(channels, 3, padding="same", activation="tanh", name="image")(x)
    return keras.Model(inputs if num_classes else noise, images, name="generator")


@keras.saving.register_keras_serializable(package="annsuite_gan")
class MinibatchStdDev(keras.layers.Layer):
    """Adds one feature map: the standard deviation over the batch, averaged.

    The discriminator judges a batch of real and a batch of generated
    images separately, so this feature tells it how varied the batch is: a
    generator that makes the same few images is caught (Karras et al.,
    "Progressive Growing of GANs", 2018).
    """

    def call(self, x):
        spread = tf.reduce_mean(tf.sqrt(tf.math.reduce_variance(x, axis=0) + 1e-8))
        shape = tf.shape(x)
        return tf.concat([x, tf.fill([shape[0], shape[1], shape[2], 1], spread)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)


def build_discriminator(image_shape, width=32, dropout=0.3, num_classes=0, minibatch_std=False):
    """Image in [-1, 1] (and a class) -> strided convs, LeakyReLU, dropout
    (-> the minibatch standard deviation) -> real/fake logit."""
    images = keras.Input(tuple(image_shape), name="image")
    inputs, x = [images], images
    if num_classes:
        label = keras.Input((), dtype="int32", name="label")
        inputs.append(label)
        plane = keras.layers.Embedding(num_classes, image_shape[0] * image_shape[1])(label)
        x = keras.layers.Concatenate()([x, keras.layers.Reshape((*image_shape[:2], 1))(plane)])
    for filters in (width, width * 2):
        x = keras.layers.Conv2D(filters, 4, strides=2, padding="same")(x)
        x = keras.layers.LeakyReLU(0.2)(x)
        x = keras.layers.Dropout(dropout)(x)
    if minibatch_std:
        x = MinibatchStdDev(name="minibatch_std")(x)
    x = keras.layers.Flatten()(x)
    logit = keras.layers.Dense(1, name="logit")(x)
    return keras.Model(inputs if num_classes else images, logit, name="discriminator")


@keras.saving.register_keras_serializable(package="annsuite_gan")
class DCGAN(keras.Model):
    """Generator and discriminator trained as a minimax game.

    Each `train_step` takes one ascent step of the discriminator on
    log D(x) + log(1 - D(G(z))) (real targets smoothed to 1 - label_smoothing)
    and one descent step of the generator on the non-saturating loss
    -log D(G(z)). `ema_generator` follows the generator's weights with an
    exponential moving average and is the one used for sampling.

    Args:
        generator: noise (and label) -> image in [-1, 1].
        discriminator: image (and label) -> logit.
        latent_dim: size of the noise.
        num_classes: > 0 for a class-conditional model.
        label_smoothing: one-sided smoothing of the real targets.
        ema_decay: decay of the moving average (0 copies the generator).
        seed: seed of the noise.
        augment: the DiffAugment policy ("translation,cutout", ..., "none"):
            the discriminator sees real and generated images through the
            same random augmentations (`augment.diff_augment`).

    Example:
    ```python
    gan = DCGAN(build_generator((16, 16, 1), 32), build_discriminator((16, 16, 1)), 32)
    gan.compile(keras.optimizers.Adam(2e-4), keras.optimizers.Adam(2e-4))
    gan.fit(tf.data.Dataset.from_tensor_slices((images, labels)).batch(64))
    ```
    """

    def __init__(self, generator, discriminator, latent_dim, num_classes=0, label_smoothing=0.1,
                 ema_decay=0.99, seed=0, augment="none", **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.ema_generator = keras.models.clone_model(generator)
        self.ema_generator.set_weights(generator.get_weights())
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.label_smoothing = label_smoothing
        self.ema_decay = ema_decay
        self.seed = seed
        self.augment = augment
        self.noise_seed = keras.random.SeedGenerator(seed)
        self.augment_seed = keras.random.SeedGenerator(seed + 1)
        self.trackers = [keras.metrics.Mean(name=n) for n in ("d_loss", "g_loss", "d_real", "d_fake")]
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.built = True  # the sub-models are; BackupAndRestore needs it before fit

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        # Built now, so that a resumed run restores their state with the weights.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def compile_from_config(self, config):
        self.compile()

    @property
    def metrics(self):
        return self.trackers

    def noise(self, batch):
        return keras.random.normal((batch, self.latent_dim), seed=self.noise_seed)

    def inputs_of(self, first, labels):
        return [first, labels] if self.num_classes else first

    def call(self, inputs, training=False):
        return self.ema_generator(inputs, training=training)

    def judged(self, images, labels, training):
        """The discriminator's logits of images (augmented when training with `augment`)."""
        if self.augment != "none" and training:
            images = diff_augment(images, self.augment_seed, self.augment)
        return self.discriminator(self.inputs_of(images, labels), training=training)

    def discriminator_loss(self, real, fake, labels, training=True):
        real_logits = self.judged(real, labels, training)
        fake_logits = self.judged(fake, labels, training)
        targets = tf.fill(tf.shape(real_logits), 1.0 - self.label_smoothing)
        loss = self.bce(targets, real_logits) + self.bce(tf.zeros_like(fake_logits), fake_logits)
        return loss, tf.reduce_mean(tf.sigmoid(real_logits)), tf.reduce_mean(tf.sigmoid(fake_logits))

    def generator_loss(self, noise, labels, training=True):
        fake = self.generator(self.inputs_of(noise, labels), training=training)
        logits = self.judged(fake, labels, training)
        return self.bce(tf.ones_like(logits), logits)

    def train_step(self, data):
        images, labels = data
        real = tf.cast(images, "float32") / 127.5 - 1.0
        batch = tf.shape(real)[0]
        fake = self.generator(self.inputs_of(self.noise(batch), labels), training=True)
        with tf.GradientTape() as tape:
            d_loss, d_real, d_fake = self.discriminator_loss(real, fake, labels)
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        noise = self.noise(batch)
        with tf.GradientTape() as tape:
            g_loss = self.generator_loss(noise, labels)
        weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        self.update_ema()
        for tracker, value in zip(self.trackers, (d_loss, g_loss, d_real, d_fake)):
            tracker.update_state(value)
        return {t.name: t.result() for t in self.trackers}

    def update_ema(self):
        decay = self.ema_decay
        for average, weight in zip(self.ema_generator.weights, self.generator.weights):
            average.assign(decay * average + (1.0 - decay) * weight)

    def sample(self, noise, labels=None):
        """Images in [0, 255] (float32) from the averaged generator."""
        images = predict(self.ema_generator, self.inputs_of(noise, labels))
        return (images + 1.0) * 127.5

    def get_config(self):
        config = super().get_config()
        config.update({
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim, "num_classes": self.num_classes,
            "label_smoothing": self.label_smoothing, "ema_decay": self.ema_decay, "seed": self.seed,
            "augment": self.augment,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def build_dcgan(config, image_shape, num_classes):
    """The (uncompiled) DCGAN of a config; `num_classes` counts only with --conditional."""
    classes = num_classes if config.conditional else 0
    return DCGAN(build_generator(image_shape, config.latent_dim, config.width, classes, config.upsampling),
                 build_discriminator(image_shape, config.width, config.dropout, classes, config.minibatch_std),
                 config.latent_dim, classes, config.label_smoothing, config.ema_decay, config.seed,
                 augment=config.diff_augment, name="dcgan")


def compile_dcgan(gan, learning_rate, decay_steps=None, jit_compile=True):
    """Compile with two Adam optimisers (beta_1 = 0.5).

    `decay_steps`: both learning rates fall linearly to zero over that many
    training steps (`--lr-decay`); constant when None. `jit_compile`: the
    train step through XLA (about 30% faster on a CPU for the default
    model); pass False under a multi-device strategy.
    """
    rate = learning_rate
    if decay_steps:
        rate = keras.optimizers.schedules.PolynomialDecay(rate, decay_steps, end_learning_rate=0.0)
    gan.compile(keras.optimizers.Adam(rate, beta_1=0.5, name="d_adam"),
                keras.optimizers.Adam(rate, beta_1=0.5, name="g_adam"),
                jit_compile=jit_compile)
    return gan
