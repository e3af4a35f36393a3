"""Scoring a run's samples: the scorers of its feature classifier, FID while training, test metrics.

The metrics themselves (FID, KID, class coverage, the feature classifier)
are in `apps.gan.quality`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import keras
import numpy as np

from apps.gan.quality import Scorer, imagenet_features, train_feature_net
from shared.callbacks import ValidationMetrics
from shared.distribute import predict
from shared.records import read_json, replace_atomically, write_json

log = logging.getLogger("annsuite")

FEATURE_NET = "feature_net.keras"


class QualityMetrics(ValidationMetrics):
    """`fid`, `kid` and `class_coverage` of generated samples in each epoch's logs.

    The DCGAN has no validation split: these are scored against training
    images (the test split only scores the final model) and logged without
    the `val_` prefix; `fid` is the DCGAN's checkpoint monitor. They are
    computed at the first epoch and every `every` epochs, and repeated in
    between; unlike the base, not again at a phase's last epoch, the
    schedule the app has always had (a default run keeps its checkpoint).

    Args:
        log_dir: the run folder.
        scorer: a `Scorer` against real training images.
        generator_of: the `Generator` of the model being trained.
        count: generated images per evaluation.
        every: compute every N epochs.
    """

    def __init__(self, log_dir, scorer, generator_of, count, every=1):
        super().__init__(log_dir, self.score, every=every, prefix="")
        self.scorer = scorer
        self.generator_of = generator_of
        self.count = count

    def score(self, model, epoch):
        return self.scorer.score(self.generator_of(model).generate(self.count, seed=0))

    def due(self, epoch):
        return not self.last or epoch % self.every == 0


def make_scorers(run_path, data, config):
    """Train (or load) the run's feature classifier; Scorers against the train and test splits.

    The one against training images serves model selection while training,
    so that the test split only ever scores the final model.
    """
    path = Path(run_path) / FEATURE_NET
    if path.is_file():
        net = keras.saving.load_model(path, safe_mode=True)
    else:
        net, _ = train_feature_net(data.x_train, data.y_train, len(data.class_names),
                                   config.feature_epochs, config.seed)
        replace_atomically(net.save, path)
    extractor = imagenet_features(config.fid_backbone, data.image_shape) if config.fid_backbone else None
    monitor = Scorer(net, data.x_train[: len(data.x_test)], None, extractor)
    return monitor, Scorer(net, data.x_test, data.x_train, extractor)


def load_scorer(run_dir, real, reference):
    """A Scorer of a run's feature classifier against `real` images."""
    net = keras.saving.load_model(Path(run_dir) / FEATURE_NET, safe_mode=True)
    return Scorer(net, real, reference)


def quality(generator, scorer, count, seed=0):
    """FID, KID, class coverage of `count` samples, with the real-vs-real baseline.

    `fid_ratio`: the FID over the real-vs-real FID of as many real images (the
    bias of a finite sample is in both), the number comparable across data sets."""
    scores = {**scorer.score(generator.generate(count, seed)), **scorer.baseline(count, seed)}
    scores["fid_ratio"] = scores["fid"] / max(scores["fid_real_baseline"], 1e-12)
    return scores


def held_out_metrics(generator, scorer, x_test, config):
    """The held-out metrics of a trained generator (and the autoencoder's reconstruction error)."""
    test = quality(generator, scorer, config.fid_samples, seed=config.seed)
    if generator.kind == "autoencoder":
        reconstructed = predict(generator.model, x_test)
        test["reconstruction_mse"] = float(np.mean((reconstructed - x_test / 255.0) ** 2))
    log.info("FID %.3f (real-vs-real %.3f), class coverage %.3f", test["fid"],
             test["fid_real_baseline"], test["class_coverage"])
    return test


def score_run(run_path, generator, data, count, seed=0):
    """Score a trained run's samples against `data`'s test split; update its metrics.json `test`."""
    scorer = load_scorer(run_path, data.x_test, data.x_train)
    test = quality(generator, scorer, count, seed=seed)
    path = Path(run_path) / "metrics.json"
    metrics = read_json(path) if path.is_file() else {"seconds": 0.0, "epochs": 0}
    metrics["test"] = {**metrics.get("test", {}), **test}
    write_json(path, metrics)
    log.info("FID %.3f (real-vs-real %.3f), KID %.4f, class coverage %.3f", test["fid"],
             test["fid_real_baseline"], test["kid"], test["class_coverage"])
    return metrics
