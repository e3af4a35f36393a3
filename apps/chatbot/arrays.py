"""Examples -> model inputs (ids), through the layers `model.keras` carries; tf.data pipelines.

`WordTexts` (the generators and the from-scratch dual encoder) and
`BertTexts` (the pretrained dual encoder) turn conversations and responses
into the network's inputs with the preprocessing layers of
`apps.chatbot.preprocessing` and `shared.text`: the same layers, with the
same vocabulary, that the trained run's `model.keras` holds. Words are
split with the chatbot's punctuation rule (`preprocessing.PUNCTUATION`).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from apps.chatbot.preprocessing import PUNCTUATION, BertInputs, ContextIds, conversation_array
from shared.text import END_ID, START_ID, IdsToText, TextToIds, WordTokenizer
from shared.text.normalization import JOINER


def vocabulary_of(data, config):
    """The training words (`shared.text.Vocabulary`, specials first), at most max_vocabulary."""
    return WordTokenizer(punctuation=PUNCTUATION).vocabulary(data.texts(), max_size=config.max_vocabulary)


def window(context, turns):
    """The last `2 * turns + 1` utterances of a context (oldest first)."""
    return list(context)[-(2 * turns + 1):]


def strings(texts):
    return tf.constant(np.asarray(list(texts), dtype=object).reshape(-1), tf.string)


class WordTexts:
    """Word-id inputs of the generators and the from-scratch dual encoder.

    Args:
        vocabulary: the run's tokens, specials first (`Vocabulary.tokens`).
        config: the run's config (utterances, utterance_length, response_length).
        context_ids: the `ContextIds` layer to use (default: a new one); the responses
            are tokenized as its turns are (its punctuation mode).
    """

    def __init__(self, vocabulary, config, context_ids=None):
        self.vocabulary = list(vocabulary)
        self.config = config
        self.context_ids = context_ids or ContextIds(self.vocabulary, config.utterances, config.utterance_length,
                                                     punctuation=PUNCTUATION, name="context_ids")
        self.punctuation = self.context_ids.punctuation
        self.tokenizer = WordTokenizer(punctuation=self.punctuation)
        self.response_ids = TextToIds("word", self.vocabulary, sequence_length=config.response_length,
                                      punctuation=self.punctuation, name="response_ids")
        self.to_text = IdsToText("word", self.vocabulary, punctuation=self.punctuation, name="ids_to_text")

    @property
    def size(self):
        return len(self.vocabulary)

    @property
    def context_layer(self):
        return self.context_ids

    def contexts(self, contexts_):
        """(N, utterances, utterance_length) ids of lists of turns."""
        if not len(contexts_):
            return np.zeros((0, self.config.utterances, self.config.utterance_length), "int32")
        return self.context_ids(tf.constant(conversation_array(contexts_), tf.string)).numpy()

    def responses(self, responses):
        """(N, response_length) ids, cut and zero padded."""
        if not len(responses):
            return np.zeros((0, self.config.response_length), "int32")
        return self.response_ids(strings(responses)).numpy()

    def teacher_forcing(self, responses):
        """(decoder input, target): [START] + ids and ids + [END], each response_length + 1."""
        ids = self.responses(responses)
        lengths = (ids != 0).sum(axis=1)
        inputs = np.concatenate([np.full((len(ids), 1), START_ID, "int32"), ids], axis=1)
        targets = np.concatenate([ids, np.zeros((len(ids), 1), "int32")], axis=1)
        targets[np.arange(len(ids)), lengths] = END_ID
        return inputs, targets

    def texts(self, ids):
        """Id rows (each stops at [END]) -> strings."""
        if not len(ids):
            return []
        return [t.decode("utf-8") for t in self.to_text(np.asarray(ids, "int32")).numpy()]

    def tokens(self, texts):
        """The tokens of each text, for display (joiner marks dropped)."""
        return [[t.replace(JOINER, "") for t in row] for row in self.tokenizer.tokenize(list(texts))]

    def context_inputs(self, contexts_):
        return {"context": self.contexts(contexts_)}

    def response_inputs(self, responses):
        return {"response": self.responses(responses)[:, None, :]}

    def training_inputs(self, examples):
        return {**self.context_inputs([e.context for e in examples]),
                **self.response_inputs([e.response for e in examples])}


class BertTexts:
    """Inputs of the pretrained dual encoder (the interface of `WordTexts`' retrieval part).

    Args:
        vocabulary, lowercase: the preset tokenizer's.
        config: the run's config (utterances).
        context_length, response_length: pieces per context and per response.
        context_inputs_layer: the context `BertInputs` layer to use (default: a new one).
    """

    def __init__(self, vocabulary, lowercase, config, context_length, response_length, context_inputs_layer=None):
        self.context_layer = context_inputs_layer or BertInputs(
            vocabulary, lowercase, context_length, config.utterances, "context", name="bert_context")
        self.response_layer = BertInputs(vocabulary, lowercase, response_length, None, "response",
                                         name="bert_response")
        self.context_length = context_length
        self.response_length = response_length

    @staticmethod
    def numpy(inputs):
        return {name: value.numpy() for name, value in inputs.items()}

    def context_inputs(self, contexts):
        return self.numpy(self.context_layer(tf.constant(conversation_array(contexts), tf.string)))

    def response_inputs(self, responses):
        return self.numpy(self.response_layer(strings(responses)))

    def training_inputs(self, examples):
        return {**self.context_inputs([e.context for e in examples]),
                **self.response_inputs([e.response for e in examples])}


def generator_arrays(texts, examples, config):
    """({context, decoder_input}, targets, weights) of teacher forcing."""
    decoder_input, targets = texts.teacher_forcing([e.response for e in examples])
    inputs = {"context": texts.contexts([e.context for e in examples]), "decoder_input": decoder_input}
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


def unique_pool(examples):
    """The distinct responses of `examples` and each example's index among them."""
    pool = list(dict.fromkeys(e.response for e in examples))
    index = {text: i for i, text in enumerate(pool)}
    return pool, np.array([index[e.response] for e in examples], "int64")
