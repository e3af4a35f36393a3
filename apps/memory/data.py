"""The memory app's data: generated tasks (fresh every batch) or a user's sequences.

Generated tasks train on sequences drawn from the seed, the epoch and the
batch index (`TaskBatches`: the same run sees the same batches, also when
resumed); validation and test sequences come from other streams of the
seed, so training never sees them. The test split has one set per
evaluation length (the training lengths and longer ones).

A user's file (apps.memory.formats) is split by the seed into train,
validation and test; its evaluation lengths are the numbers of scored steps
its test sequences have.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from apps.memory.formats import read_sequences
from apps.memory.tasks import Sequences, generate, task_options
from shared.errors import DataError

log = logging.getLogger("annsuite")

VALIDATION_STREAM, TEST_STREAM, TRAIN_STREAM, PICTURE_STREAM = 1, 2, 3, 4


@dataclass
class MemoryData:
    """Train (None for generated tasks), validation and per-length test sequences."""

    train: Sequences | None
    validation: Sequences
    test: dict
    input_width: int
    bits: int
    source: str
    skipped: int = 0
    profile: dict = field(default_factory=dict)

    @property
    def generated(self):
        return self.train is None


def curriculum_length(config, epoch, epochs):
    """The longest training length of `epoch`: grows over the first half of the epochs."""
    low, high = config.lengths
    if not config.curriculum or epochs <= 1:
        return high
    grown = low + (high - low) * (epoch + 1) / max(1, epochs // 2)
    return int(min(high, max(low, round(grown))))


class TaskBatches:
    """`steps` fresh batches of a generated task per epoch, each from (seed, epoch, index).

    `epoch` is set by `CurriculumEpoch` at the start of each epoch; the
    curriculum's longest length depends on it. The batches of an epoch are
    padded to the longest sequence that epoch's lengths can have.
    """

    def __init__(self, config, epochs):
        self.config, self.epochs, self.epoch = config, int(epochs), 0
        self.options = task_options(config)

    def __len__(self):
        return self.config.steps_per_epoch

    def longest(self):
        return curriculum_length(self.config, self.epoch, self.epochs)

    def start_epoch(self):
        """Called as the epoch's first batch is drawn."""

    def __getitem__(self, index):
        rng = np.random.default_rng((self.config.seed, TRAIN_STREAM, self.epoch, index))
        high = self.longest()
        batch = generate(self.config.task, rng, self.config.batch_size, (self.config.lengths[0], high),
                         pad_to=high, **self.options)
        return batch.inputs, batch.targets, batch.weights


class SequenceBatches:
    """Batches of a user's training sequences, shuffled by (seed, epoch)."""

    def __init__(self, sequences, batch_size, seed):
        self.sequences, self.batch_size, self.seed, self.epoch = sequences, batch_size, seed, 0
        self.order = np.arange(len(sequences))

    def __len__(self):
        return max(1, -(-len(self.sequences) // self.batch_size))

    def start_epoch(self):
        self.order = np.random.default_rng((self.seed, TRAIN_STREAM, self.epoch)).permutation(len(self.sequences))

    def __getitem__(self, index):
        chosen = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        s = self.sequences
        return s.inputs[chosen], s.targets[chosen], s.weights[chosen]


def as_dataset(batches, input_width, bits):
    """A tf.data pipeline of `batches` (T free: the curriculum changes it; fresh each epoch)."""
    def epoch_batches():
        batches.start_epoch()
        for index in range(len(batches)):
            yield batches[index]

    signature = (tf.TensorSpec((None, None, input_width), tf.float32), tf.TensorSpec((None, None, bits), tf.float32),
                 tf.TensorSpec((None, None), tf.float32))
    dataset = tf.data.Dataset.from_generator(epoch_batches, output_signature=signature)
    return dataset.apply(tf.data.experimental.assert_cardinality(len(batches))).prefetch(2)


class CurriculumEpoch(keras.callbacks.Callback):
    """Tells the training batches which epoch it is (the curriculum and the shuffles use it)."""

    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def on_epoch_begin(self, epoch, logs=None):
        self.batches.epoch = epoch
        if isinstance(self.batches, TaskBatches):
            log.info("epoch %d: training lengths %d..%d", epoch + 1, self.batches.config.lengths[0],
                     self.batches.longest())


def generated_data(config):
    options = task_options(config)
    validation = generate(config.task, np.random.default_rng((config.seed, VALIDATION_STREAM)),
                          config.validation_sequences, config.lengths, **options)
    test = {length: generate(config.task, np.random.default_rng((config.seed, TEST_STREAM, length)),
                             config.test_sequences, length, **options)
            for length in config.evaluation_lengths}
    return MemoryData(None, validation, test, config.bits + 2, config.bits, f"generated {config.task}")


def split_user_data(config, sequences, source):
    count = len(sequences)
    if count < 3:
        raise DataError(source, f"{count} sequence(s); need at least 3 (train, validation, test)")
    order = np.random.default_rng(config.seed).permutation(count)
    test_count = max(1, round(count * config.test_fraction))
    val_count = max(1, round(count * config.validation_fraction))
    test, validation, train = order[:test_count], order[test_count:test_count + val_count], order[test_count + val_count:]
    if config.max_train_samples is not None:
        train = train[:config.max_train_samples]
    held_out = sequences.subset(np.sort(test))
    per_length = {int(length): held_out.subset(np.flatnonzero(held_out.lengths == length))
                  for length in np.unique(held_out.lengths)}
    return MemoryData(sequences.subset(np.sort(train)), sequences.subset(np.sort(validation)), per_length,
                      sequences.inputs.shape[-1], sequences.targets.shape[-1], str(source))


def load_data(config):
    """The checked data of a run: the generated task, or the splits of --data."""
    if config.data is None:
        data = generated_data(config)
    else:
        data = split_user_data(config, read_sequences(config.data), config.data)
    data.profile = {"generated": data.generated, "input_width": data.input_width, "bits": data.bits}
    log.info("data %s: %s validation sequences; test lengths %s (%d input channels, %d target bits)",
             data.source, len(data.validation), ",".join(str(k) for k in data.test), data.input_width, data.bits)
    return data


def picture_sequence(config, data):
    """The fixed sequence the heatmaps show: a generated one of the longest training length."""
    if data.generated:
        return generate(config.task, np.random.default_rng((config.seed, PICTURE_STREAM)), 1,
                        config.lengths[1], **task_options(config))
    return data.validation.subset([0])
