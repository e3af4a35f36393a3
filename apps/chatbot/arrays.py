"""Examples -> model inputs (ids) and tf.data pipelines, per kind of model."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from apps.chatbot.text import Vocabulary, build_vocabulary


def vocabulary_of(data, config):
    return Vocabulary(build_vocabulary(data.texts(), config.max_vocabulary))


def contexts(vocabulary, examples, config):
    return vocabulary.contexts([e.context for e in examples], config.utterances, config.utterance_length)


def generator_arrays(vocabulary, examples, config):
    """({context, decoder_input}, targets, weights) of teacher forcing."""
    decoder_input, targets = vocabulary.responses([e.response for e in examples], config.response_length)
    inputs = {"context": contexts(vocabulary, examples, config), "decoder_input": decoder_input}
    return inputs, targets, (targets != 0).astype("float32")


def in_batch_labels(inputs):
    first = next(iter(inputs.values()))
    return inputs, tf.range(tf.shape(first)[0])


def dataset(arrays, batch_size, shuffle=False, seed=0, in_batch=False):
    """A batched, prefetched tf.data pipeline of in-memory arrays.

    `in_batch`: the labels of each batch are range(batch) (contrastive loss);
    the last, partial batch is dropped in training so every step has the
    same number of negatives.
    """
    data = tf.data.Dataset.from_tensor_slices(arrays)
    if shuffle:
        size = len(tf.nest.flatten(arrays)[0])
        data = data.shuffle(size, seed=seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size, drop_remainder=shuffle and in_batch)
    if in_batch:
        data = data.map(in_batch_labels, num_parallel_calls=tf.data.AUTOTUNE)
    return data.prefetch(tf.data.AUTOTUNE)


def response_matrix(vocabulary, responses, config):
    return vocabulary.ids(responses, config.response_length)[:, None, :]


def unique_pool(examples):
    """The distinct responses of `examples` and each example's index among them."""
    pool = list(dict.fromkeys(e.response for e in examples))
    index = {text: i for i, text in enumerate(pool)}
    return pool, np.array([index[e.response] for e in examples], "int64")


class WordTexts:
    """Inputs of the from-scratch dual encoder: word ids of the run's vocabulary."""

    def __init__(self, vocabulary, config):
        self.vocabulary = vocabulary
        self.config = config

    def context_inputs(self, contexts_):
        ids = self.vocabulary.contexts(contexts_, self.config.utterances, self.config.utterance_length)
        return {"context": ids}

    def response_inputs(self, responses):
        return {"response": response_matrix(self.vocabulary, responses, self.config)}

    def tf_context_inputs(self, turns):
        """Graph: context strings (T,) -> inputs of a batch of one."""
        ids = self.vocabulary.tf_context(turns, self.config.utterances, self.config.utterance_length)
        return {"context": ids[None]}

    def training_inputs(self, examples):
        return {**self.context_inputs([e.context for e in examples]),
                **self.response_inputs([e.response for e in examples])}

    def resources(self):
        return [self.vocabulary.to_ids]
