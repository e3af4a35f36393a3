"""Training of the GAN app (DCGAN or autoencoder) and the verb list."""

from __future__ import annotations

import logging

import keras
import numpy as np

from apps.gan import autoencoder as ae
from apps.gan.config import default_epochs
from apps.gan.data import load_data
from apps.gan.inference import (
    code_statistics,
    grid,
    interpolation,
    make_generator,
    quality,
    save_png,
)
from apps.gan.model import build_dcgan
from apps.gan.quality import Scorer, imagenet_features, train_feature_net
from shared.callbacks import ImageLogger
from shared.data import make_dataset
from shared.distribute import predict
from shared.records import write_json
from shared.training import finish_run, fit_phase, get_strategy, start_run

log = logging.getLogger("annsuite")

APP = "gan"
GRID_COUNT = 64


class QualityLogger(keras.callbacks.Callback):
    """Adds `fid`, `kid`, `class_coverage` to the epoch logs every `every` epochs.

    Runs before the standard callbacks, so TensorBoard, history.csv and the
    best checkpoint (monitor `fid` for the DCGAN) all see the values; between
    evaluations the last values are repeated.
    """

    def __init__(self, scorer, make_generator_fn, count, every=1):
        super().__init__()
        self.scorer = scorer
        self.make_generator_fn = make_generator_fn
        self.count = count
        self.every = every
        self.last = {}

    def on_train_begin(self, logs=None):
        self.last = {}

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        if epoch % self.every == 0 or not self.last:
            self.last = self.scorer.score(self.make_generator_fn(self.model).generate(self.count, seed=0))
        logs.update(self.last)


def epoch_images(make_generator_fn, x_fixed):
    """make_images(model, epoch): samples of a fixed noise batch (and reconstructions)."""

    def make_images(model, epoch):
        generator = make_generator_fn(model)
        images = {"samples": grid(generator.generate(GRID_COUNT, seed=1))}
        if generator.kind == "autoencoder":
            pairs = np.stack([x_fixed, predict(model, x_fixed) * 255.0], axis=1)
            images["reconstructions"] = grid(pairs.reshape(-1, *x_fixed.shape[1:]))
        return images

    return make_images


def make_scorers(run, data):
    """Train (or load) the feature classifier; Scorers against the train and test splits.

    The one against training images serves model selection while training,
    so that the test split only ever scores the final model.
    """
    config = run.config
    path = run.path / "feature_net.keras"
    if path.is_file():
        net = keras.saving.load_model(path, safe_mode=True)
    else:
        net, accuracy = train_feature_net(data.x_train, data.y_train, len(data.class_names),
                                          config.feature_epochs, config.seed)
        net.save(path)
    extractor = imagenet_features(config.fid_backbone, data.image_shape) if config.fid_backbone else None
    monitor = Scorer(net, data.x_train[: len(data.x_test)], None, extractor)
    return monitor, Scorer(net, data.x_test, data.x_train, extractor)


def fit(run, data, scorer):
    """Build and fit the model of the config; returns (model, epochs)."""
    config = run.config
    classes = len(data.class_names)
    if config.model == "dcgan":
        with run.strategy.scope():
            model = build_dcgan(config, data.image_shape, classes,
                                jit_compile=run.strategy.num_replicas_in_sync == 1,
                                steps=-(-len(data.x_train) // config.batch_size) * config.epochs)
        train = make_dataset(data.x_train, data.y_train, config.batch_size, shuffle=True, seed=config.seed)
        validation, monitor = None, "fid"
    else:
        with run.strategy.scope():
            model = ae.build_autoencoder(config, data.image_shape)
        cut = max(1, len(data.x_train) // 10)
        x_fit, x_val = data.x_train[cut:], data.x_train[:cut]
        train = make_dataset(x_fit, x_fit / 255.0, config.batch_size, shuffle=True, seed=config.seed)
        validation, monitor = make_dataset(x_val, x_val / 255.0, config.batch_size), "val_loss"

    def generator_of(model):
        return make_generator(model, config, data.x_train[:1000], classes)

    callbacks = [QualityLogger(scorer, generator_of, config.fid_samples, config.fid_every),
                 ImageLogger(run.path, epoch_images(generator_of, data.x_test[:16]), subdir="train")]
    done = fit_phase(run, model, train, validation, epochs=config.epochs, monitor=monitor,
                     mode="min", callbacks=callbacks)
    best = keras.saving.load_model(run.checkpoint_path, safe_mode=True, compile=False)
    return generator_of(best), done["epochs"]


def write_figures(run, generator, epochs):
    """Sample grid and latent interpolation strip: PNGs and TensorBoard images."""
    samples = grid(generator.generate(GRID_COUNT, seed=1))
    strip = grid(interpolation(generator), columns=10)
    save_png(samples, run.path / "figures" / "samples.png")
    save_png(strip, run.path / "figures" / "interpolation.png")
    writer = ImageLogger(run.path, None, subdir="train")
    writer.write({"interpolation": strip}, step=epochs)
    writer.on_train_end()


def train(config, argv=()):
    """`train`: fit, score the samples on the test split, write the run folder."""
    strategy = get_strategy(config.strategy)
    data = load_data(config)  # every file checked before a run folder exists
    if config.epochs is None:  # the default budget: a number of steps (resolved alike on resume)
        config.epochs = default_epochs(config, len(data.x_train))
    run = start_run(APP, config, argv, strategy=strategy)
    write_json(run.path / "data.json", {
        "class_names": data.class_names, "image_shape": list(data.image_shape),
        "source": data.source, "labelled": data.labelled})
    monitor, scorer = make_scorers(run, data)
    generator, epochs = fit(run, data, monitor)
    if config.model == "autoencoder":
        mean, cov = code_statistics(generator.model, data.x_train, config.variational)
        write_json(run.path / "codes.json", {"mean": mean.tolist(), "cov": cov.tolist()})
    write_figures(run, generator, epochs)
    test = quality(generator, scorer, config.fid_samples, seed=config.seed)
    if config.model == "autoencoder":
        reconstructed = predict(generator.model, data.x_test)
        test["reconstruction_mse"] = float(np.mean((reconstructed - data.x_test / 255.0) ** 2))
    log.info("FID %.3f (real-vs-real %.3f), class coverage %.3f", test["fid"],
             test["fid_real_baseline"], test["class_coverage"])
    return finish_run(run, test, epochs, skipped=data.skipped, train_examples=len(data.x_train),
                      model=config.model)


def verbs():
    from apps.gan import serving
    from apps.gan.config import GanConfig
    from shared.cli import Verb

    return [
        Verb("train", "train a DCGAN or an autoencoder (default data: scikit-learn digits)",
             lambda args: train(args.config, args.argv), config_cls=GanConfig),
        Verb("evaluate", "FID, KID, class coverage of a run's samples -> metrics.json",
             serving.evaluate, serving.evaluate_arguments),
        Verb("sample", "a PNG grid of new images (and one PNG each)", serving.sample, serving.sample_arguments),
        Verb("reconstruct", "autoencoder: reconstructions of image files", serving.reconstruct,
             serving.reconstruct_arguments),
        Verb("export", "SavedModel: noise (and class) -> uint8 images; encoder and decoder",
             serving.export, serving.export_arguments),
        Verb("export-encoder", "autoencoder: the encoder's backbone as a keras-hub preset folder",
             serving.export_encoder, serving.export_encoder_arguments),
    ]


def main(argv=None):
    """`python -m apps.gan VERB ...`; returns the verb's result dict."""
    from shared.cli import dispatch

    return dispatch("python -m apps.gan", "Image generation: DCGAN and autoencoders.", verbs(), argv)
