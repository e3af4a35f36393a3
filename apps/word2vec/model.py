"""Skip-gram and CBOW with negative sampling, and the NNLM baseline.

`Word2Vec` is a `keras.Model` subclass because negative sampling is not a
feed-forward graph. A training step is given a stretch of corpus tokens and
makes their examples itself (`pipeline.window_examples`: subsampling with
the model's keep probabilities, dynamic windows), inside the one traced
training function; it draws `negatives` noise words per example from the
unigram^0.75 table (a weight of the model, so a checkpoint resumes
exactly), and updates only the rows of the two embedding matrices that the
step touches, with word2vec's own rule: plain SGD on the summed (not
averaged) logistic loss, at a learning rate that decays linearly with the
corpus words trained so far, from `learning_rate` to `min_learning_rate`.
The gradients are written out in closed form (as in the original C code),
rows are read with `sparse_read` and written with sparse `scatter_add`:
no dense gradient, no dense optimizer state, no copy of a table per step.

Two departures make large batches fast and safe on a CPU: groups of
`negative_sharing` consecutive examples share their noise words
(each example still sees `negatives` draws from the same distribution, the
noise part becomes one batched matmul and gathers 1/`negative_sharing` as
many rows; 1 restores word2vec's independent draws), and a word repeated
more than `DUPLICATE_CAP` times in one batch has its summed update scaled
down to that many (word2vec's sequential updates never pile up; summed
ones can diverge, e.g. CBOW at batch 4096 on a small vocabulary). The
scales multiply the per-example errors, never a (B, D) tensor.

CBOW averages the context vectors and, like word2vec, gives every context
word the full error of the average. With `kernel="native"` the update is
instead word2vec's own per-example loop in a compiled TensorFlow op
(`native`): sequential SGD, each example drawing its own noise words, no
batch sums and so no damping. The NNLM baseline is in `nnlm`.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from apps.word2vec import hierarchical, native, negative
from apps.word2vec.nnlm import build_nnlm
from apps.word2vec.pipeline import window_examples

STEPS_PER_EXECUTION = 16
DUPLICATE_CAP = 4.0


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
        negative_sharing: consecutive examples that share their noise words
            (1: each example draws its own, as word2vec does).
        window: largest distance between a word and its context (each word
            draws 1..window), for steps given as tokens.
        kernel: "tf" (batched TensorFlow ops) or "native" (the compiled op
            of `apps.word2vec.native`, word2vec's per-example loop).

    Example:
        >>> model = Word2Vec(vocab_size=50, dim=8)
        >>> model(np.array([1, 2])).shape
        TensorShape([2, 8])
    """

    def __init__(self, vocab_size, dim=100, architecture="skipgram", negatives=5, learning_rate=0.025,
                 min_learning_rate=1e-4, total_words=1.0, seed=0, negative_sharing=1, window=5, kernel="tf",
                 objective="negative", **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.dim = dim
        self.architecture = architecture
        self.negatives = negatives
        self.learning_rate = learning_rate
        self.min_learning_rate = min_learning_rate
        self.total_words = total_words
        self.seed = seed
        self.negative_sharing = negative_sharing
        self.window = window
        self.kernel = kernel
        self.objective = objective
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
        self.keep_probability = self.add_weight((self.vocab_size,), name="keep_probability",
                                                initializer="ones", trainable=False)
        self.words_done = self.add_weight((), name="words_done", initializer="zeros", trainable=False)
        if self.objective == "hierarchical":
            hierarchical.add_tree_weights(self)
        self.built = True

    duplicate_cap = DUPLICATE_CAP

    @property
    def metrics(self):
        return [self.loss_tracker, self.rate_tracker]

    def set_noise(self, cumulative):
        """Set the cumulative unigram^0.75 distribution (see pipeline.noise_table)."""
        self.noise_cumulative.assign(cumulative)

    def set_subsampling(self, keep):
        """Set the probability of keeping a token of each word (see pipeline.keep_probabilities)."""
        self.keep_probability.assign(keep)

    def examples(self, batch, training=True):
        """{"center", "context", "words"} of a step: given, or made from its tokens.

        A step of tokens ({"ids", "sentences", "seed"}, -1: padding) gives
        its skip-gram pairs or CBOW windows, subsampled when training.
        """
        if "center" in batch:
            return batch
        ids = batch["ids"]
        keep = self.keep_probability.value if training else tf.ones([self.vocab_size])
        centres, contexts = window_examples(self.architecture, ids, batch["sentences"], keep, self.window,
                                            batch["seed"])
        return {"center": centres, "context": contexts, "words": tf.reduce_sum(tf.cast(ids >= 0, tf.float32))}

    def call(self, ids):
        """Input vectors of word ids."""
        return tf.gather(self.vectors, ids)

    def current_rate(self):
        progress = tf.minimum(self.words_done / self.total_words, 1.0)
        return tf.maximum(self.learning_rate * (1.0 - progress), self.min_learning_rate)

    def rows(self, variable, ids):
        """Rows `ids` (any shape) of an embedding table, read sparsely (no copy of the table)."""
        return variable.value.sparse_read(ids)

    def hidden(self, batch):
        """(hidden vectors (B, D), CBOW's filled context slots {"example", "ids"} or None).

        CBOW reads only the slots that hold a word (a dynamic window leaves
        about 40% of the 2 x window slots empty)."""
        if self.architecture == "skipgram":
            return self.rows(self.vectors, batch["context"]), None
        contexts = batch["context"]
        where = tf.where(contexts >= 0)  # (n, 2): example, slot; row-major, so examples ascend
        present = {"example": tf.cast(where[:, 0], tf.int32), "ids": tf.gather_nd(contexts, where)}
        size = tf.shape(contexts)[0]
        summed = tf.math.unsorted_segment_sum(self.rows(self.vectors, present["ids"]), present["example"], size)
        count = tf.math.unsorted_segment_sum(tf.ones_like(present["ids"], tf.float32), present["example"], size)
        return summed / tf.maximum(count, 1.0)[:, None], present

    def sample_noise(self, groups):
        """(groups, negatives) word ids drawn from the unigram^0.75 table."""
        draw = keras.random.uniform((groups * self.negatives,), seed=self.seed_generator)
        noise = tf.minimum(tf.searchsorted(self.noise_cumulative.value, draw), self.vocab_size - 1)
        return tf.reshape(noise, [groups, self.negatives])

    def scores(self, batch):
        """Logits of the true words (B,) and the noise words (B, K), and what an update needs.

        Consecutive examples form groups of `negative_sharing` that share
        their K noise words, so the noise logits are one batched matmul; 1
        gives every example its own.
        """
        positive = batch["center"]
        size, share = tf.shape(positive)[0], self.negative_sharing
        groups = (size + share - 1) // share
        pad = [[0, groups * share - size], [0, 0]]
        noise = self.sample_noise(groups)
        hidden, contexts = self.hidden(batch)
        outputs = self.rows(self.output_vectors, positive)
        noise_vectors = self.rows(self.output_vectors, noise)
        grouped = tf.reshape(tf.pad(hidden, pad), [groups, share, self.dim])
        noise_logits = tf.reshape(tf.matmul(grouped, noise_vectors, transpose_b=True), [-1, self.negatives])[:size]
        grouped_positive = tf.reshape(tf.pad(positive, pad[:1], constant_values=-1), [groups, share, 1])
        weights = tf.reshape(tf.cast(noise[:, None, :] != grouped_positive, tf.float32), [-1, self.negatives])[:size]
        parts = dict(hidden=hidden, grouped=grouped, outputs=outputs, noise=noise,
                     noise_vectors=noise_vectors, contexts=contexts, pad=pad)
        return tf.reduce_sum(hidden * outputs, axis=-1), noise_logits, weights, parts

    @staticmethod
    def loss_of(positive_logits, noise_logits, weights):
        """Negative-sampling loss of every example: -log s(true) - sum log s(-noise)."""
        noise_loss = tf.reduce_sum(tf.nn.softplus(noise_logits) * weights, axis=1)
        return tf.nn.softplus(-positive_logits) + noise_loss

    def damping(self, *id_sets):
        """Scale of each id's update in `id_sets`, given how often the batch updates it.

        word2vec applies a word's updates one after another; summed in one
        step, a word updated n > DUPLICATE_CAP times would move n times as
        far and can diverge, so its updates are scaled by DUPLICATE_CAP / n.
        The scales multiply the (B,) and (B, K) errors, never a (B, D) tensor.
        """
        flat = tf.concat([tf.reshape(ids, [-1]) for ids in id_sets], 0)
        counts = tf.raw_ops.DenseBincount(input=flat, size=self.vocab_size, weights=tf.zeros([0]))
        return [tf.minimum(1.0, DUPLICATE_CAP / tf.gather(counts, ids)) for ids in id_sets]

    def batched_update(self, batch, rate):
        """The `tf` kernel's negative-sampling step (`negative.batched_update`); each example's loss."""
        return negative.batched_update(self, batch, rate)

    def train_step(self, batch):
        batch = self.examples(batch)
        rate = self.current_rate()
        if self.objective == "hierarchical":
            losses = hierarchical.update(self, batch, rate)
        elif self.kernel == "native":
            losses = native.update(self, batch, rate)
        else:
            losses = self.batched_update(batch, rate)
        self.words_done.assign_add(batch["words"])
        self.loss_tracker.update_state(losses)
        self.rate_tracker.update_state(rate)
        return {"loss": self.loss_tracker.result(), "learning_rate": self.rate_tracker.result()}

    def test_step(self, batch):
        batch = self.examples(batch, training=False)
        if self.objective == "hierarchical":
            self.loss_tracker.update_state(hierarchical.losses(self, batch))
            return {"loss": self.loss_tracker.result()}
        positive_logits, noise_logits, weights, _ = self.scores(batch)
        self.loss_tracker.update_state(self.loss_of(positive_logits, noise_logits, weights))
        return {"loss": self.loss_tracker.result()}

    def word_vectors(self):
        return keras.ops.convert_to_numpy(self.vectors)

    def get_config(self):
        config = super().get_config()
        config.update(vocab_size=self.vocab_size, dim=self.dim, architecture=self.architecture,
                      negatives=self.negatives, learning_rate=self.learning_rate,
                      min_learning_rate=self.min_learning_rate, total_words=self.total_words,
                      seed=self.seed, negative_sharing=self.negative_sharing, window=self.window,
                      kernel=self.kernel, objective=self.objective)
        return config


def word_vectors(model):
    """The (vocab_size, dim) input vectors of any of the three models."""
    if isinstance(model, Word2Vec):
        return model.word_vectors()
    return keras.ops.convert_to_numpy(model.get_layer("vectors").embeddings)[1:]


def build_model(config, vocab_size, total_words):
    """The model of `config.model` (compile it with `compile_model`)."""
    if config.model == "nnlm":
        return build_nnlm(vocab_size, config.dim, config.context_size, config.hidden)
    return Word2Vec(vocab_size, config.dim, config.model, config.negatives, config.learning_rate,
                    config.min_learning_rate, float(total_words), config.seed, config.negative_sharing,
                    config.window, kernel=config.kernel, objective=config.objective)


def compile_model(model, config):
    """The NNLM: Adam on the softmax loss; Word2Vec: its own updates, 16 steps per call."""
    if config.model == "nnlm":
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=False)
        return model
    model.compile(optimizer=keras.optimizers.SGD(config.learning_rate), jit_compile=False,
                  steps_per_execution=STEPS_PER_EXECUTION)
    return model
