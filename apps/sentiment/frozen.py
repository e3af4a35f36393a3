"""`--model transformer` on a CPU: the frozen phase on cached encoder features, then a budgeted fine-tune.

Phase "head": the pretrained encoder is frozen, so each text's features
(the masked mean of the encoder's outputs and its [CLS] pooler, the
network's `features` layer) never change: they are computed once
(`shared.feature_cache`, a file in `RUN/cache` keyed by the encoder's
weights and the token ids, so a resumed run reads them back), in batches
of similar lengths each cut to its longest text, and the head (dropout and
the output layer, the network's own layers) trains on them for every epoch:
seconds per epoch instead of an encoder pass over every text every epoch.
The best head is then installed in the whole network, which becomes
`checkpoints/best.keras`.

Phase "fine_tune": the whole encoder trains on the token inputs at the
fine-tuning rate (AdamW, warm-up, cosine decay), each epoch
`fine_tune_steps` batches of a fresh shuffle (the budget the profile sets
on a CPU, where an epoch of 60k texts would take hours); the checkpoint is
replaced only by a better validation value.
"""

from __future__ import annotations

import logging

import keras
import numpy as np
import tensorflow as tf

from shared.feature_cache import cache_features_by_length
from shared.phases import Phase
from shared.training import fit_phase

log = logging.getLogger("annsuite")

ENCODE_BATCH = 128
HEAD_NAME = "sentiment_head"


class FeatureEncoder:
    """Token inputs -> the network's `features`; `name` and `weights` (the encoder's) key the cache."""

    def __init__(self, network, backbone):
        self.model = keras.Model(network.inputs, network.get_layer("features").output)
        self.name = f"sentiment-features-{backbone.name}"
        self.weights = backbone.weights

    def __call__(self, batch):
        width = max(1, int(np.asarray(batch["padding_mask"]).sum(axis=1).max()))
        return self.model({name: np.asarray(value)[:, :width] for name, value in batch.items()}, training=False)


def token_arrays(preprocessor, texts, batch_size=1024):
    """{token_ids, segment_ids, padding_mask} numpy arrays of every text."""
    parts = [preprocessor(tf.constant(np.asarray(texts[start:start + batch_size], dtype=str)))
             for start in range(0, len(texts), batch_size)]
    return {name: np.concatenate([np.asarray(part[name]) for part in parts]).astype("int32")
            for name in parts[0]}


def cached_text_features(encoder, preprocessor, texts, path):
    """(len(texts), dim) features, encoded shortest texts first, in the original order."""
    inputs = token_arrays(preprocessor, list(texts))
    features = cache_features_by_length(encoder, inputs, inputs["padding_mask"].sum(axis=1), path, ENCODE_BATCH)
    return features.astype("float32")


def head_model(network, feature_dim):
    """Features -> probabilities through the network's own dropout and output layers (shared weights)."""
    inputs = keras.Input((feature_dim,), name="features")
    outputs = network.layers[-1](network.get_layer("dropout")(inputs))
    return keras.Model(inputs, outputs, name=HEAD_NAME)


def feature_dataset(features, labels, batch_size, binary, shuffle=False, seed=0):
    y = np.asarray(labels).astype("float32")[:, None] if binary else np.asarray(labels)
    dataset = tf.data.Dataset.from_tensor_slices((features, y))
    if shuffle:
        dataset = dataset.shuffle(len(features), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def install_best_head(run, network):
    """checkpoints/best.keras: the whole network with the best head's weights (once)."""
    path = run.checkpoint_path
    if not path.is_file():
        return
    best = keras.saving.load_model(path, safe_mode=True)
    if best.name != HEAD_NAME:
        return  # already the whole network (an earlier process got here)
    network.layers[-1].set_weights(best.layers[-1].get_weights())
    network.save(path)
    log.info("the best head (trained on cached encoder features) is in the network's checkpoint")


def budgeted(dataset, steps):
    """Each epoch `steps` batches of the (reshuffled, repeated) training pipeline; 0: whole epochs."""
    return dataset if not steps else dataset.repeat().take(steps)


def fit_head(app, run, data, network, backbone):
    """Phase "head" on cached features; returns fit_phase's {epochs, best}."""
    config = run.config
    backbone.trainable = False
    encoder, cache = FeatureEncoder(network, backbone), run.path / "cache"
    train = cached_text_features(encoder, data.preprocessor, data.x_train, cache)
    validation = cached_text_features(encoder, data.preprocessor, data.x_val, cache)
    binary = len(data.class_names) == 2
    head = head_model(network, train.shape[-1])
    steps = -(-len(train) // config.batch_size)
    with run.strategy.scope():
        app.compile(head, Phase("head", config.epochs, config.learning_rate), config, steps)
    monitor, mode = app.monitor_for(config)
    done = fit_phase(run, head, feature_dataset(train, data.y_train, config.batch_size, binary, True, config.seed),
                     feature_dataset(validation, data.y_val, max(config.batch_size, 64), binary),
                     phase="head", epochs=config.epochs, monitor=monitor, mode=mode)
    install_best_head(run, network)
    return done


def fit_transformer(app, run, data, network, backbone):
    """Both phases of `--model transformer`; returns the epoch count."""
    config = run.config
    done = fit_head(app, run, data, network, backbone)
    if config.fine_tune_epochs <= 0:
        return done["epochs"]
    backbone.trainable = True
    steps = config.fine_tune_steps or -(-len(data.y_train) // config.batch_size)
    log.info("fine-tuning the whole encoder: %d epochs of %d batches", config.fine_tune_epochs, steps)
    phase = Phase("fine_tune", config.fine_tune_epochs, config.fine_tune_learning_rate, decay=True)
    with run.strategy.scope():
        app.compile(network, phase, config, steps)
    train, validation = app.datasets(config, data)
    monitor, mode = app.monitor_for(config)
    done = fit_phase(run, network, budgeted(train, config.fine_tune_steps), validation, phase="fine_tune",
                     initial_epoch=done["epochs"], epochs=done["epochs"] + config.fine_tune_epochs,
                     best_value=done["best"], callbacks=app.callbacks(run, data, network), monitor=monitor,
                     mode=mode)
    return done["epochs"]
