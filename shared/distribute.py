"""Multi-worker training: the Keras fix, who writes what, how data is split.

`MultiWorkerMirroredStrategy` (one process per host, `TF_CONFIG` naming the
cluster) keeps one copy of the model per worker and averages gradients with
collective all-reduces each step. Every worker runs the same command; this
module decides what differs between them:

- Only the chief (task 0 of "chief", or "worker" 0 when there is no chief)
  writes the run folder: TensorBoard events, checkpoints, metrics.json,
  exports. Every other worker writes to a private temporary folder (the
  same path on a restart, so its backup is found again) that is removed
  when the run ends.
- Data: each worker builds the same in-memory pipeline (same seed) and
  tf.data shards it by element (AutoShardPolicy.DATA: our pipelines read
  arrays, not files, so FILE sharding does not apply); the batch a
  pipeline yields is the global batch, `--batch-size` times the number of
  replicas, so each worker still computes `--batch-size` examples a step.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from shared.errors import UsageError
from shared.finetune import walk_layers
from shared.safe_files import private_folder

# keras-team/keras#20585: under MultiWorkerMirroredStrategy, Keras 3 (seen up
# to 3.15.1 with TensorFlow 2.21) (a) builds the model symbolically from the
# first batch after `strategy.reduce("MEAN", batch, axis=None)`, an
# all-reduce of the data itself (integer labels, ragged last batches: it
# fails or hangs), and (b) reduces the scalar logs with
# `strategy.reduce("MEAN", value, axis=0)`, which fails on a rank-0 tensor.
# Only shapes matter for (a), so the first local replica's batch is used;
# (b) reduces scalars without an axis. Applied to these versions only.
AFFECTED_KERAS = ((3, 0), (3, 16))


def keras_is_affected(version):
    major_minor = tuple(int(part) for part in version.split(".")[:2])
    return AFFECTED_KERAS[0] <= major_minor < AFFECTED_KERAS[1]


def patch_keras_multi_worker():
    """Apply the keras#20585 fix once (no-op on unaffected versions).

    The bug is inside Keras's TensorFlow trainer, so the fix has to replace
    two of its private functions; it is guarded by the Keras version
    (AFFECTED_KERAS) and tested with two workers (tests/scaleout).
    """
    # Keras's private trainer module, only when a multi-worker run needs the fix.
    from keras.src.backend.tensorflow import trainer

    if not keras_is_affected(keras.__version__) or getattr(trainer, "_annsuite_patched", False):
        return False
    original_reduce = trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("mean", "auto") and trainer._collective_all_reduce_multi_worker(strategy):
            def reduce_one(value):
                axis = 0 if value.shape.rank else None
                return strategy.reduce("MEAN", value, axis=axis)

            return tf.nest.map_structure(reduce_one, values)
        return original_reduce(values, strategy, reduction)

    def maybe_symbolic_build(self, iterator=None, data_batch=None):
        if self._distribute_strategy is None:
            return
        if iterator is not None:
            for _, _, it in iterator:
                batch = next(it)
                data_batch = self.distribute_strategy.experimental_local_results(batch)[0] \
                    if _all_distributed(batch) else batch
                break
        with self.distribute_strategy.scope():
            self._symbolic_build(data_batch=data_batch)

    trainer.reduce_per_replica = reduce_per_replica
    trainer.TensorFlowTrainer._maybe_symbolic_build = maybe_symbolic_build
    trainer._annsuite_patched = True
    return True


def _all_distributed(batch):
    return all(isinstance(x, tf.distribute.DistributedValues) for x in tf.nest.flatten(batch))


def is_multi_worker(strategy):
    return type(strategy).__name__.startswith("MultiWorkerMirroredStrategy") or \
        getattr(getattr(strategy, "extended", None), "_num_workers", 1) > 1


def synchronize_batch_norm(model, strategy):
    """Make every BatchNormalization in `model` synchronized when `strategy` spans several replicas.

    Each replica's batch statistics are then all-reduced (the global batch's
    mean and variance, Keras' `synchronized=True`), so several workers train
    like one with their global batch. On one replica nothing changes, and a
    saved model loads and runs on one device either way. Returns the number
    of layers changed."""
    if strategy is None or (strategy.num_replicas_in_sync <= 1 and not is_multi_worker(strategy)):
        return 0
    changed = 0
    for layer in [model, *walk_layers(model)]:
        if isinstance(layer, keras.layers.BatchNormalization) and not layer.synchronized:
            layer.synchronized = True
            changed += 1
    return changed


def read_tf_config():
    """TF_CONFIG as a checked dict ({} when unset); UsageError naming what is wrong.

    A cluster is a mapping of task types to lists of "host:port" addresses;
    the task, when given, names one of them by type and index."""
    text = os.environ.get("TF_CONFIG", "") or "{}"
    try:
        config = json.loads(text)
    except ValueError as error:
        raise UsageError(f"TF_CONFIG is not JSON: {error}") from None
    if not isinstance(config, dict):
        raise UsageError("TF_CONFIG must be a JSON object with 'cluster' and 'task'")
    cluster, spec = config.get("cluster", {}), config.get("task")
    if not isinstance(cluster, dict) or not all(
            isinstance(v, list) and all(isinstance(a, str) and ":" in a for a in v) for v in cluster.values()):
        raise UsageError("TF_CONFIG 'cluster' must map task types to lists of \"host:port\" addresses")
    if spec is not None:
        if not isinstance(spec, dict) or not isinstance(spec.get("type"), str) or \
                not isinstance(spec.get("index"), int) or isinstance(spec.get("index"), bool):
            raise UsageError("TF_CONFIG 'task' must be {\"type\": NAME, \"index\": NUMBER}")
        if not 0 <= spec["index"] < len(cluster.get(spec["type"], [])):
            raise UsageError(f"TF_CONFIG task {spec['type']} {spec['index']} is not in its cluster "
                             f"({len(cluster.get(spec['type'], []))} {spec['type']} address(es))")
    return config


def task():
    """(type, index) of this process in TF_CONFIG, or None."""
    spec = read_tf_config().get("task")
    return (spec["type"], int(spec["index"])) if spec else None


def is_chief(strategy=None):
    """True unless this process is a non-chief worker of a multi-worker run."""
    if strategy is not None and not is_multi_worker(strategy):
        return True
    spec = task()
    if spec is None:
        return True
    cluster = read_tf_config().get("cluster", {})
    if "chief" in cluster:
        return spec[0] == "chief"
    return spec == ("worker", 0)


def worker_folder(run_path):
    """The private folder of a non-chief worker for this run (a stable path, to resume).

    Under the user's cache folder (`$XDG_CACHE_HOME` or `~/.cache`), made
    0700 and checked (owner, no symbolic link): not a predictable name in a
    shared /tmp that another local user could create first.
    """
    spec = task() or ("worker", 0)
    digest = hashlib.sha1(str(Path(run_path).resolve()).encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    root = private_folder(private_folder(cache / "annsuite") / "workers")
    return private_folder(root / f"annsuite-{spec[0]}{spec[1]}-{digest}")


def global_batch_size(batch_size, strategy):
    return batch_size * max(1, strategy.num_replicas_in_sync)


def distribute_dataset(dataset, batch_size, strategy):
    """Rebatch to the global batch size and set DATA auto-sharding."""
    if dataset is None or not isinstance(dataset, tf.data.Dataset) or \
            strategy.num_replicas_in_sync <= 1:
        return dataset
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.rebatch(global_batch_size(batch_size, strategy)).with_options(options)


def weights_digest(model):
    """SHA-1 of the trainable weights: equal on every worker of a synchronous run.

    (BatchNorm moving statistics are not trainable: without synchronized
    batch norm each worker keeps its own, as tf.distribute does.)
    """
    digest = hashlib.sha1()
    for value in model.trainable_weights:
        value = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        digest.update(np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()


def predict(model, inputs, batch_size=256):
    """`model.predict(inputs)` computed by this process alone.

    Under a multi-worker strategy `predict` and `predict_on_batch` split
    their input across the workers and gather the parts, which is wrong
    for the evaluation code every worker runs on all of its data (the
    detector's per-epoch mAP saw detections of images it did not have).
    There the model is called batch by batch instead; elsewhere this is
    `model.predict`. `inputs`: an array or a structure of arrays.
    """
    if not is_multi_worker(getattr(model, "distribute_strategy", None)):
        return model.predict(inputs, batch_size=batch_size, verbose=0)
    count = len(keras.tree.flatten(inputs)[0])
    parts = []
    for start in range(0, count, batch_size):
        batch = keras.tree.map_structure(lambda array, start=start: array[start:start + batch_size], inputs)
        outputs = model(batch, training=False)
        parts.append(keras.tree.map_structure(keras.ops.convert_to_numpy, outputs))
    return keras.tree.map_structure(lambda *pieces: np.concatenate(pieces), *parts)


class RepeatedPredict:
    """Predictions of the same inputs, asked for again and again (epoch images).

    One traced forward pass (`model(x, training=False)` in a `tf.function`),
    batch by batch, instead of `model.predict`, whose set-up per call costs
    more than the forward pass on a few hundred small images (0.15 s against
    0.05 s per epoch for the default classifier). Computed by this process
    alone, as `predict`.

    Args:
        inputs: an array or a structure of arrays.
        batch_size: images per forward pass.
    """

    def __init__(self, inputs, batch_size=256):
        self.inputs = inputs
        self.batch_size = batch_size
        self.count = len(keras.tree.flatten(inputs)[0])
        self._model = self._forward = None

    def __call__(self, model):
        if model is not self._model:
            self._model = model
            self._forward = tf.function(lambda batch: model(batch, training=False))
        parts = []
        for start in range(0, self.count, self.batch_size):
            batch = keras.tree.map_structure(lambda a, s=start: a[s:s + self.batch_size], self.inputs)
            parts.append(keras.tree.map_structure(keras.ops.convert_to_numpy, self._forward(batch)))
        return keras.tree.map_structure(lambda *pieces: np.concatenate(pieces), *parts)
