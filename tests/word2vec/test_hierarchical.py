"""Hierarchical softmax: the Huffman codes, one update against word2vec.c's `hs` loop, training quality."""

import json

import numpy as np
import pytest
import tensorflow as tf

from apps.word2vec import hierarchical, main, native
from apps.word2vec.huffman import huffman_tree
from apps.word2vec.model import Word2Vec
from shared.cli import run


def test_huffman_codes_of_a_hand_made_vocabulary():
    # counts 5 3 2 1 1: merges (1+1)=2 [node 0], (2+2)=4 [node 1], (3+4)=7 [node 2], (5+7)=12 [root, node 3]
    points, codes, lengths = huffman_tree([5, 3, 2, 1, 1])
    paths = [(list(points[w, :lengths[w]]), list(codes[w, :lengths[w]])) for w in range(5)]
    assert paths == [([3], [0]), ([3, 2], [1, 0]), ([3, 2, 1], [1, 1, 1]), ([3, 2, 1, 0], [1, 1, 0, 1]),
                     ([3, 2, 1, 0], [1, 1, 0, 0])]
    assert (points[:, lengths.max():] == -1).all()
    with pytest.raises(ValueError, match="sorted"):
        huffman_tree([1, 2])


def test_codes_are_a_prefix_code_and_frequent_words_are_short():
    counts = np.sort(np.random.default_rng(0).zipf(1.5, 300))[::-1]
    points, codes, lengths = huffman_tree(counts)
    words = ["".join(str(int(b)) for b in codes[w, :lengths[w]]) for w in range(len(counts))]
    assert len(set(words)) == len(words)
    assert not any(a != b and b.startswith(a) for a in words for b in words)
    assert lengths[0] <= lengths[-1] and np.all(points[:, 0] == len(counts) - 2)  # every path starts at the root


def word2vec_hs(vectors, inner, contexts, paths, rate):
    """word2vec.c's `hs` branch, one example after the other (NumPy, float64)."""
    vectors, inner = vectors.astype("float64"), inner.astype("float64")
    losses = []
    for context, (points, codes) in zip(contexts, paths):
        present = [c for c in np.atleast_1d(context) if c >= 0]
        hidden = vectors[present].mean(axis=0)
        error, loss = np.zeros_like(hidden), 0.0
        for node, code in zip(points, codes):
            f = hidden @ inner[node]
            loss += np.log1p(np.exp(-(1 - 2 * code) * f))
            if abs(f) >= 6:
                continue
            g = (1 - code - 1 / (1 + np.exp(-f))) * rate
            error += g * inner[node]
            inner[node] += g * hidden
        for c in present:
            vectors[c] += error
        losses.append(loss)
    return vectors, inner, np.array(losses)


def model_with_tree(counts, dim, architecture, kernel, rng):
    model = Word2Vec(vocab_size=len(counts), dim=dim, architecture=architecture, learning_rate=0.3,
                     min_learning_rate=0.3, total_words=100.0, kernel=kernel, objective="hierarchical")
    hierarchical.set_tree(model, counts)
    model.vectors.assign(rng.normal(0, 0.5, (len(counts), dim)).astype("float32"))
    model.inner_vectors.assign(rng.normal(0, 0.5, (len(counts) - 1, dim)).astype("float32"))
    return model


KERNELS = ["tf", pytest.param("native", marks=pytest.mark.skipif(
    native.compiler() is None, reason="no C++ compiler: the native kernel cannot be built"))]


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("architecture", ["skipgram", "cbow"])
def test_one_update_is_word2vecs_hs_branch(kernel, architecture):
    if kernel == "native":
        assert native.build() is not None
    counts = [9, 7, 4, 3, 2, 1]
    rng = np.random.default_rng(3)
    model = model_with_tree(counts, 4, architecture, kernel, rng)
    points, codes, lengths = huffman_tree(counts)
    centre = 4
    context = np.array([2], "int32") if architecture == "skipgram" else np.array([[2, 0, -1]], "int32")
    before = (model.vectors.numpy(), model.inner_vectors.numpy())
    want = word2vec_hs(*before, context, [(points[centre, :lengths[centre]], codes[centre, :lengths[centre]])], 0.3)
    batch = {"center": tf.constant([centre], tf.int32), "context": tf.constant(context)}
    loss = hierarchical.update(model, batch, tf.constant(0.3))
    for got, expected in zip((model.vectors.numpy(), model.inner_vectors.numpy(), loss.numpy()), want):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kernel", KERNELS)
def test_hierarchical_softmax_learns_the_built_in_analogies(tmp_path, kernel):
    run_dir = tmp_path / "run"
    code = run(main, ["train", "--objective", "hierarchical", "--kernel", kernel, "--epochs", "3",
                      "--run-dir", str(run_dir)])
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["test"]["analogy_accuracy"] >= 0.9, metrics["test"]
