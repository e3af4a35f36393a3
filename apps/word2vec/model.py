"""Skip-gram and CBOW with negative sampling, and the NNLM baseline.

`Word2Vec` is a `keras.Model` subclass because negative sampling is not a
feed-forward graph: each step draws `negatives` noise words per example
from the unigram^0.75 table (a weight of the model, so a checkpoint resumes
exactly), and updates only the rows of the two embedding matrices that the
batch touches, with word2vec's own rule: plain SGD on the summed (not
averaged) logistic loss, at a learning rate that decays linearly with the
corpus words trained so far, from `learning_rate` to `min_learning_rate`.
The gradients are written out in closed form (as in the original C code)
and applied with sparse `scatter_add`: no dense optimizer state.

CBOW averages the context vectors and, like word2vec, gives every context
word the full error of the average.

`build_nnlm` is the course's neural-net language model: the `order`
previous words -> shared projection -> tanh hidden layer -> softmax over
the vocabulary (Adam, full softmax: costly for large vocabularies, which is
the point of the comparison).
"""

from __future__ import annotations

import keras
import tensorflow as tf

STEPS_PER_EXECUTION = 16


@keras.saving.register_keras_serializable(package="annsuite")
class Word2Vec(keras.Model):
    """Word vectors trained by skip-gram or CBOW with negative sampling.

    Args:
        vocab_size: number of words.
        dim: vector size.
        architecture: "skipgram" or "cbow".
        negatives: noise words per example.
        learning_rate: starting SGD learning rate.
        min_learning_rate: learning rate at the end of training.
        total_words: corpus words of the whole training (epochs x tokens),
            the span of the linear decay.
        seed: seed of the negative sampling.

    Example:
        >>> model = Word2Vec(vocab_size=50, dim=8)
        >>> model(np.array([1, 2])).shape
        TensorShape([2, 8])
    """

    def __init__(self, vocab_size, dim=100, architecture="skipgram", negatives=5, learning_rate=0.025,
                 min_learning_rate=1e-4, total_words=1.0, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.dim = dim
        self.architecture = architecture
        self.negatives = negatives
        self.learning_rate = learning_rate
        self.min_learning_rate = min_learning_rate
        self.total_words = total_words
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.rate_tracker = keras.metrics.Mean(name="learning_rate")
        self.build()

    def build(self, input_shape=None):
        bound = 0.5 / self.dim  # word2vec: input vectors uniform, output vectors zero
        self.vectors = self.add_weight((self.vocab_size, self.dim), name="vectors",
                                       initializer=keras.initializers.RandomUniform(-bound, bound, self.seed))
        self.output_vectors = self.add_weight((self.vocab_size, self.dim), name="output_vectors",
                                              initializer="zeros")
        self.noise_cumulative = self.add_weight((self.vocab_size,), name="noise_cumulative",
                                                initializer="ones", trainable=False)
        self.words_done = self.add_weight((), name="words_done", initializer="zeros", trainable=False)
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker, self.rate_tracker]

    def set_noise(self, cumulative):
        """Set the cumulative unigram^0.75 distribution (see pipeline.noise_table)."""
        self.noise_cumulative.assign(cumulative)

    def call(self, ids):
        """Input vectors of word ids."""
        return tf.gather(self.vectors, ids)

    def current_rate(self):
        progress = tf.minimum(self.words_done / self.total_words, 1.0)
        return tf.maximum(self.learning_rate * (1.0 - progress), self.min_learning_rate)

    def hidden(self, batch):
        """(hidden vectors, context ids (-1 empty) or None) of a batch."""
        if self.architecture == "skipgram":
            return tf.gather(self.vectors, batch["context"]), None
        contexts = batch["context"]
        present = tf.cast(contexts >= 0, tf.float32)[..., None]
        summed = tf.reduce_sum(tf.gather(self.vectors, tf.maximum(contexts, 0)) * present, axis=1)
        return summed / tf.maximum(tf.reduce_sum(present, axis=1), 1.0), contexts

    def scores(self, batch):
        """Logits of the true word and the noise words, and what they need for an update."""
        positive = batch["center"]
        size = tf.shape(positive)[0]
        draw = keras.random.uniform((size * self.negatives,), seed=self.seed_generator)
        noise = tf.searchsorted(self.noise_cumulative.value, draw)
        noise = tf.reshape(tf.minimum(noise, self.vocab_size - 1), [size, self.negatives])
        targets = tf.concat([positive[:, None], noise], axis=1)
        weights = tf.concat([tf.ones([size, 1]), tf.cast(noise != positive[:, None], tf.float32)], axis=1)
        hidden, contexts = self.hidden(batch)
        outputs = tf.gather(self.output_vectors, targets)
        logits = tf.einsum("bd,bkd->bk", hidden, outputs)
        labels = tf.concat([tf.ones([size, 1]), tf.zeros([size, self.negatives])], axis=1)
        return logits, labels, weights, dict(targets=targets, hidden=hidden, outputs=outputs, contexts=contexts)

    def loss_of(self, logits, labels, weights):
        losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
        return tf.reduce_mean(tf.reduce_sum(losses * weights, axis=1))

    def train_step(self, batch):
        logits, labels, weights, parts = self.scores(batch)
        rate = self.current_rate()
        error = (labels - tf.sigmoid(logits)) * weights * rate  # word2vec's g
        hidden_update = tf.einsum("bk,bkd->bd", error, parts["outputs"])
        output_update = error[..., None] * parts["hidden"][:, None, :]
        self.output_vectors.value.scatter_add(tf.IndexedSlices(
            tf.reshape(output_update, [-1, self.dim]), tf.reshape(parts["targets"], [-1])))
        if parts["contexts"] is None:
            self.vectors.value.scatter_add(tf.IndexedSlices(hidden_update, batch["context"]))
        else:
            contexts = parts["contexts"]
            present = tf.reshape(contexts >= 0, [-1])
            spread = tf.reshape(tf.broadcast_to(hidden_update[:, None, :], tf.concat(
                [tf.shape(contexts), [self.dim]], 0)), [-1, self.dim])
            self.vectors.value.scatter_add(tf.IndexedSlices(
                tf.boolean_mask(spread, present), tf.boolean_mask(tf.reshape(contexts, [-1]), present)))
        self.words_done.assign_add(batch["words"])
        self.loss_tracker.update_state(self.loss_of(logits, labels, weights))
        self.rate_tracker.update_state(rate)
        return {"loss": self.loss_tracker.result(), "learning_rate": self.rate_tracker.result()}

    def test_step(self, batch):
        logits, labels, weights, _ = self.scores(batch)
        self.loss_tracker.update_state(self.loss_of(logits, labels, weights))
        return {"loss": self.loss_tracker.result()}

    def word_vectors(self):
        return keras.ops.convert_to_numpy(self.vectors)

    def get_config(self):
        config = super().get_config()
        config.update(vocab_size=self.vocab_size, dim=self.dim, architecture=self.architecture,
                      negatives=self.negatives, learning_rate=self.learning_rate,
                      min_learning_rate=self.min_learning_rate, total_words=self.total_words,
                      seed=self.seed)
        return config


def build_nnlm(vocab_size, dim, order, hidden):
    """The NNLM: `order` previous word ids (-1: none) -> next-word logits."""
    previous = keras.Input((order,), dtype="int32", name="previous_words")
    shifted = keras.layers.Rescaling(1.0, offset=1.0, name="shift_padding")(previous)  # -1 -> 0
    vectors = keras.layers.Embedding(vocab_size + 1, dim, name="vectors")(keras.ops.cast(shifted, "int32"))
    features = keras.layers.Flatten(name="concatenate")(vectors)
    features = keras.layers.Dense(hidden, activation="tanh", name="hidden")(features)
    logits = keras.layers.Dense(vocab_size, name="next_word")(features)
    return keras.Model(previous, logits, name="nnlm")


def word_vectors(model):
    """The (vocab_size, dim) input vectors of any of the three models."""
    if isinstance(model, Word2Vec):
        return model.word_vectors()
    return keras.ops.convert_to_numpy(model.get_layer("vectors").embeddings)[1:]


def build_model(config, vocab_size, total_words):
    """The model of `config.model`, compiled."""
    if config.model == "nnlm":
        model = build_nnlm(vocab_size, config.dim, config.context_size, config.hidden)
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=False)
        return model
    model = Word2Vec(vocab_size, config.dim, config.model, config.negatives, config.learning_rate,
                     config.min_learning_rate, float(total_words), config.seed)
    model.compile(optimizer=keras.optimizers.SGD(config.learning_rate), jit_compile=False,
                  steps_per_execution=STEPS_PER_EXECUTION)
    return model
