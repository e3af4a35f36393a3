"""The negative-sampling update is word2vec's, written out by hand here."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from apps.word2vec.model import DUPLICATE_CAP, Word2Vec

VECTORS = np.array([[0.1, 0.2], [0.3, -0.4], [0.5, 0.1]], dtype="float32")
OUTPUTS = np.array([[0.2, 0.1], [0.0, 0.3], [-0.3, 0.4]], dtype="float32")


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def model_with_fixed_noise(architecture="skipgram"):
    model = Word2Vec(vocab_size=3, dim=2, architecture=architecture, negatives=1, learning_rate=0.5,
                     total_words=100.0, negative_sharing=1)
    model.set_noise(np.array([0.0, 0.0, 1.0], dtype="float32"))  # every noise draw is word 2
    model.vectors.assign(VECTORS)
    model.output_vectors.assign(OUTPUTS)
    return model


def expected_update(hidden, repeats=1):
    """word2vec: centre word 0 predicted from `hidden`, noise word 2 (one step)."""
    rate = 0.5
    positive = (1 - sigmoid(hidden @ OUTPUTS[0])) * rate
    noise = -sigmoid(hidden @ OUTPUTS[2]) * rate
    factor = min(repeats, DUPLICATE_CAP)
    outputs = OUTPUTS.copy()
    outputs[0] += factor * positive * hidden
    outputs[2] += factor * noise * hidden
    return factor * (positive * OUTPUTS[0] + noise * OUTPUTS[2]), outputs


@pytest.mark.parametrize("repeats", [1, 8])
def test_skipgram_step_is_word2vecs_update(repeats):
    model = model_with_fixed_noise()
    batch = {"center": tf.zeros([repeats], tf.int32), "context": tf.ones([repeats], tf.int32),
             "words": tf.constant(1.0)}
    logs = model.train_step(batch)
    hidden_change, outputs = expected_update(VECTORS[1], repeats)
    np.testing.assert_allclose(model.output_vectors.numpy(), outputs, rtol=1e-5)
    np.testing.assert_allclose(model.vectors.numpy()[1], VECTORS[1] + hidden_change, rtol=1e-5)
    np.testing.assert_allclose(model.vectors.numpy()[[0, 2]], VECTORS[[0, 2]])
    loss = -np.log(sigmoid(VECTORS[1] @ OUTPUTS[0])) - np.log(sigmoid(-VECTORS[1] @ OUTPUTS[2]))
    assert float(logs["loss"]) == pytest.approx(loss, rel=1e-5)
    assert float(model.words_done.numpy()) == 1.0


def test_cbow_averages_the_context_and_gives_each_word_the_full_error():
    model = model_with_fixed_noise("cbow")
    batch = {"center": tf.constant([0]), "context": tf.constant([[1, 2, -1]]), "words": tf.constant(1.0)}
    model.train_step(batch)
    hidden_change, outputs = expected_update((VECTORS[1] + VECTORS[2]) / 2)
    np.testing.assert_allclose(model.output_vectors.numpy(), outputs, rtol=1e-5)
    np.testing.assert_allclose(model.vectors.numpy()[1:], VECTORS[1:] + hidden_change, rtol=1e-5)


def test_learning_rate_decays_linearly_with_words_trained():
    model = model_with_fixed_noise()
    model.words_done.assign(75.0)
    assert float(model.current_rate()) == pytest.approx(0.5 * 0.25)
    model.words_done.assign(1000.0)
    assert float(model.current_rate()) == pytest.approx(1e-4)


def test_model_round_trips_through_a_keras_file(tmp_path):
    model = model_with_fixed_noise()
    model.compile(optimizer="sgd")
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.word_vectors(), VECTORS)
    np.testing.assert_array_equal(loaded.noise_cumulative.numpy(), [0.0, 0.0, 1.0])


def drawn_noise(model, batch):
    """The (B, K) noise words the next step will draw (groups of `negative_sharing` share them)."""
    state = model.seed_generator.state.numpy()
    size = len(batch["center"])
    noise = model.sample_noise(-(-size // model.negative_sharing))
    model.seed_generator.state.assign(state)
    return tf.repeat(noise, model.negative_sharing, axis=0)[:size]


def test_sparse_step_equals_a_dense_sgd_step_on_the_summed_loss():
    """Skip-gram: the scatter-added rows are plain SGD on the dense gradients of the summed loss."""
    rng = np.random.default_rng(0)
    vectors, outputs = rng.normal(0, 0.3, (6, 3)).astype("float32"), rng.normal(0, 0.3, (6, 3)).astype("float32")
    model = Word2Vec(vocab_size=6, dim=3, negatives=1, learning_rate=0.1, min_learning_rate=0.1,
                     total_words=100.0, negative_sharing=2)  # no word updated > DUPLICATE_CAP times
    model.set_noise(np.array([0.0, 0.0, 0.0, 0.5, 0.5, 1.0], dtype="float32"))  # noise: words 3, 4, 5
    model.vectors.assign(vectors)
    model.output_vectors.assign(outputs)
    batch = {"center": tf.constant([0, 1, 2, 0, 5]), "context": tf.constant([1, 2, 3, 4, 0]),
             "words": tf.constant(1.0)}
    noise = drawn_noise(model, batch)
    model.train_step(batch)
    table_in, table_out = tf.constant(vectors), tf.constant(outputs)
    with tf.GradientTape() as tape:
        tape.watch([table_in, table_out])
        hidden = tf.gather(table_in, batch["context"])
        true = tf.reduce_sum(hidden * tf.gather(table_out, batch["center"]), -1)
        noisy = tf.einsum("bd,bkd->bk", hidden, tf.gather(table_out, noise))
        counted = tf.cast(noise != batch["center"][:, None], tf.float32)  # a noise draw of the true word: none
        loss = tf.reduce_sum(tf.nn.softplus(-true)) + tf.reduce_sum(tf.nn.softplus(noisy) * counted)
    dense_in, dense_out = (tf.convert_to_tensor(g) for g in tape.gradient(loss, [table_in, table_out]))
    np.testing.assert_allclose(model.vectors.numpy(), vectors - 0.1 * dense_in.numpy(), atol=1e-6)
    np.testing.assert_allclose(model.output_vectors.numpy(), outputs - 0.1 * dense_out.numpy(), atol=1e-6)
