"""The pretrained dual encoder on a CPU: projections on cached encoder outputs, then an optional fine-tune.

Phase "head": the backbone is frozen, so each distinct context window and
response is encoded once (`apps.chatbot.embedding_cache`, cached in
`RUN/cache`: a resumed run reads the vectors back) and the two projections
(the dual encoder's own layers, `model.build_projection_head`) train on
those vectors with in-batch negatives: seconds per epoch instead of a
backbone pass over every example every epoch. The best head's projections
go into the dual encoder, which becomes `checkpoints/best.keras`.

Phase "fine_tune" (`--fine-tune-encoder`): the whole dual encoder trains on
the token inputs for `fine_tune_epochs` at `fine_tune_learning_rate`
(warm-up then cosine decay), and replaces the checkpoint only if its
validation loss is better.
"""

from __future__ import annotations

import logging
import time

import keras

from apps.chatbot.arrays import dataset, unique_pool
from apps.chatbot.embedding_cache import SideEncoder, cached_vectors
from apps.chatbot.model import (
    HEAD_NAME,
    build_projection_head,
    compile_retrieval,
    copy_projections,
    pooled_tower,
)
from shared.phases import steps_per_epoch
from shared.training import fit_phase

log = logging.getLogger("annsuite")


def backbone_of(task):
    """The BERT backbone the two towers of a pretrained dual encoder share."""
    return next(layer for layer in task.layers if isinstance(layer, keras.Model))


def feature_arrays(task, texts, examples, path):
    """{context_features, response_features, response_key} of every example (train and validation)."""
    backbone = backbone_of(task)
    vectors = {}
    for side, items, make_inputs in (("context", [e.context for e in examples], texts.context_inputs),
                                     ("response", [e.response for e in examples], texts.response_inputs)):
        encoder = SideEncoder(pooled_tower(backbone, side), backbone, side)
        vectors[side] = cached_vectors(encoder, make_inputs, items, path)
    _, keys = unique_pool(examples)
    return {"context_features": vectors["context"], "response_features": vectors["response"],
            "response_key": keys.astype("int32")[:, None]}


def head_datasets(task, data, config, path):
    """(train, validation) in-batch pipelines of the cached vectors (both splits encoded together)."""
    train, validation = data.examples.train, data.examples.validation
    arrays = feature_arrays(task, data.texts, train + validation, path)
    split = len(train)
    pick = [{name: value[:split] for name, value in arrays.items()},
            {name: value[split:] for name, value in arrays.items()}]
    return (dataset(pick[0], config.batch_size, shuffle=True, seed=config.seed, in_batch=True),
            dataset(pick[1], config.batch_size, in_batch=True))


def install_best_head(run, task):
    """checkpoints/best.keras: the dual encoder with the best head's projections (once)."""
    path = run.checkpoint_path
    if not path.is_file():
        return
    best = keras.saving.load_model(path, safe_mode=True)
    if best.name != HEAD_NAME:
        return  # already the dual encoder (an earlier process got here)
    copy_projections(best, task)
    task.save(path)
    log.info("the best projections (trained on cached encoder outputs) are in the dual encoder's checkpoint")


class EpochTimer(keras.callbacks.Callback):
    """Logs each epoch's seconds (into train.log) and appends them to `seconds`."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(round(time.perf_counter() - self.started, 3))
        log.info("epoch %d on cached encoder outputs: %.2f s", epoch + 1, self.seconds[-1])


def fit_pretrained(app, run, data, task):
    """Both phases of `--encoder pretrained`; returns the epoch count."""
    config = run.config
    monitor, mode = app.monitor_for(config)
    backbone_of(task).trainable = False
    train, validation = head_datasets(task, data, config, run.path / "cache")
    head = build_projection_head(config, task, int(train.element_spec[0]["context_features"].shape[-1]))
    steps = steps_per_epoch(len(data.examples.train), config.batch_size)
    with run.strategy.scope():
        compile_retrieval(head, config.learning_rate, steps * config.epochs, config.warmup_fraction)
    done = fit_phase(run, head, train, validation, phase="head", epochs=config.epochs, monitor=monitor, mode=mode,
                     callbacks=[EpochTimer(data.epoch_seconds)])
    install_best_head(run, task)
    if not config.fine_tune_encoder:
        return done["epochs"]
    backbone_of(task).trainable = True
    log.info("fine-tuning the pretrained encoder: %d epochs, peak learning rate %g", config.fine_tune_epochs,
             config.fine_tune_learning_rate)
    with run.strategy.scope():
        compile_retrieval(task, config.fine_tune_learning_rate, steps * config.fine_tune_epochs, 0.1)
    train, validation = app.datasets(config, data)
    done = fit_phase(run, task, train, validation, phase="fine_tune", initial_epoch=done["epochs"],
                     epochs=done["epochs"] + config.fine_tune_epochs, best_value=done["best"],
                     callbacks=app.callbacks(run, data, task), monitor=monitor, mode=mode)
    return done["epochs"]

