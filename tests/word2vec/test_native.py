"""The native op is word2vec's per-example SGD loop, checked against NumPy."""

import numpy as np
import pytest
import tensorflow as tf

from apps.word2vec import main, native
from apps.word2vec.config import NATIVE_BATCH_SIZE, Word2VecConfig
from apps.word2vec.model import Word2Vec
from shared.cli import run

if native.compiler() is None:  # pragma: no cover - CI and `make` have one
    pytest.skip("no C++ compiler: the native kernel cannot be built", allow_module_level=True)


@pytest.fixture(scope="module", autouse=True)
def built():
    assert native.build() is not None and native.available()  # `make` builds it; a failed build fails here


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def word2vec_loop(vectors, outputs, centres, contexts, noise, rate):
    """word2vec.c's update, one example after the other (NumPy, float64)."""
    vectors, outputs = vectors.astype("float64"), outputs.astype("float64")
    losses = []
    for centre, context, drawn in zip(centres, contexts, noise):
        present = [c for c in context if c >= 0]
        hidden = vectors[present].mean(axis=0)
        error, loss = np.zeros_like(hidden), 0.0
        for target, label in [(centre, 1.0), *[(n, 0.0) for n in drawn if n != centre]]:
            logit = hidden @ outputs[target]
            loss += -np.log(sigmoid(logit)) if label else -np.log(sigmoid(-logit))
            g = (label - sigmoid(logit)) * rate
            error += g * outputs[target]
            outputs[target] += g * hidden
        for c in present:
            vectors[c] += error
        losses.append(loss)
    return vectors, outputs, np.array(losses)


def run_op(vectors, outputs, centres, contexts, noise, rate):
    table_in, table_out = tf.Variable(vectors), tf.Variable(outputs)
    loss = native.load().negative_sampling_update(table_in.handle, table_out.handle, centres, contexts, noise,
                                                  tf.constant(rate))
    return table_in.numpy(), table_out.numpy(), loss.numpy()


def test_op_is_word2vecs_sequential_update():
    rng = np.random.default_rng(0)
    vectors, outputs = rng.normal(0, 0.3, (8, 5)).astype("float32"), rng.normal(0, 0.3, (8, 5)).astype("float32")
    centres = np.array([0, 3, 0, 7, 2], "int32")  # word 0 twice: the second example sees the first's update
    contexts = np.array([[1, 2, -1], [0, -1, -1], [4, 5, 6], [-1, 3, 2], [7, 7, 1]], "int32")
    noise = np.array([[5, 6], [3, 1], [2, 0], [1, 4], [6, 5]], "int32")  # (1, 3) and (2, 0): the true word, skipped
    expected = word2vec_loop(vectors, outputs, centres, contexts, noise, 0.2)
    for got, want in zip(run_op(vectors, outputs, centres, contexts, noise, 0.2), expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_bad_shapes_are_refused():
    vectors = np.zeros((4, 2), "float32")
    with pytest.raises(tf.errors.InvalidArgumentError, match="must agree"):
        run_op(vectors, vectors, np.array([0, 1], "int32"), np.array([[1]], "int32"), np.array([[2]], "int32"), 0.1)


@pytest.mark.parametrize("architecture", ["skipgram", "cbow"])
def test_native_model_step_trains_every_example_with_its_own_noise(architecture):
    rng = np.random.default_rng(1)
    vectors, outputs = rng.normal(0, 0.3, (6, 4)).astype("float32"), rng.normal(0, 0.3, (6, 4)).astype("float32")
    model = Word2Vec(vocab_size=6, dim=4, architecture=architecture, negatives=2, learning_rate=0.1,
                     min_learning_rate=0.1, total_words=100.0, kernel="native")
    model.set_noise(np.linspace(1 / 6, 1, 6).astype("float32"))
    model.vectors.assign(vectors)
    model.output_vectors.assign(outputs)
    centres = np.array([0, 1, 2, 5], "int32")
    contexts = np.array([1, 2, 3, 4], "int32") if architecture == "skipgram" else np.array(
        [[1, 2], [0, -1], [3, 4], [1, 0]], "int32")
    state = model.seed_generator.state.numpy()
    noise = model.sample_noise(len(centres)).numpy()  # what the step will draw
    model.seed_generator.state.assign(state)
    logs = model.train_step({"center": tf.constant(centres), "context": tf.constant(contexts),
                             "words": tf.constant(4.0)})
    want_in, want_out, losses = word2vec_loop(vectors, outputs, centres, contexts.reshape(len(centres), -1),
                                              noise, 0.1)
    np.testing.assert_allclose(model.vectors.numpy(), want_in, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.output_vectors.numpy(), want_out, rtol=1e-4, atol=1e-6)
    assert float(logs["loss"]) == pytest.approx(losses.mean(), rel=1e-4)
    assert float(model.words_done.numpy()) == 4.0


def test_auto_picks_the_built_kernel_and_its_larger_steps():
    config = Word2VecConfig()
    assert config.kernel == "native" and config.batch_size == NATIVE_BATCH_SIZE
    assert Word2VecConfig(kernel="tf").batch_size == 1024 and Word2VecConfig(model="nnlm").kernel == "tf"


def test_a_native_kernel_that_is_not_built_is_one_line_and_auto_falls_back(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(native, "available", lambda: False)
    assert Word2VecConfig().kernel == "tf"
    argv = ["train", "--kernel", "native", "--run-dir", str(tmp_path / "r")]
    assert run(main, argv, prog="python -m apps.word2vec") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the op is not built" in err and not (tmp_path / "r").exists()


def test_the_library_is_keyed_by_cpu_and_tensorflow_and_built_by_rename(monkeypatch, caplog):
    here = native.library_path()
    assert here.exists() and not list(native.BUILD.glob(".negative_sampling-*"))  # no temporary left
    monkeypatch.setattr(native, "cpu_flags", lambda: "another cpu without avx")
    assert native.library_path() != here
    native.load.cache_clear()
    try:
        with caplog.at_level("INFO", logger="annsuite"):
            assert native.load() is None  # a library built for another CPU is never loaded (no SIGILL)
        assert "built for another CPU" in caplog.text
    finally:
        monkeypatch.undo()
        native.load.cache_clear()
    assert native.available()


def test_a_library_that_does_not_load_falls_back_with_one_line(monkeypatch, tmp_path, caplog):
    broken = tmp_path / "negative_sampling-x.so"
    broken.write_bytes(b"not an ELF file")
    monkeypatch.setattr(native, "library_path", lambda: broken)
    native.load.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="annsuite"):
            assert native.load() is None
        assert "cannot load" in caplog.text and "--force" in caplog.text
    finally:
        monkeypatch.undo()
        native.load.cache_clear()
