"""Hierarchical softmax against gensim's (`hs=1, negative=0`), and its cost as the vocabulary grows.

`python -m bench word2vec_hs`: skip-gram and CBOW with `--objective
hierarchical`, ours and gensim side by side (bench/word2vec.py's rounds:
three seeds, same settings, same sentences), on the generated corpus
(planted analogies) and on ../shared/data/tinyshakespeare and lee_corpus
(WordSim-353 Spearman); then the cost per example of one training step
of our `tf` kernel for negative sampling and for hierarchical softmax, on
random examples over vocabularies of 1k to 1M words (rows read and written
per example: 1 + K for negative sampling, the mean Huffman code length for
hierarchical softmax; microseconds per example, both in the same run).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from bench import word2vec as base

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
CORPORA = [SHARED / "tinyshakespeare", SHARED / "lee_corpus"]
VOCABULARIES = (1_000, 10_000, 100_000, 1_000_000)


def step_cost(model, objective, counts, rng, batch, steps):
    """Microseconds per example of the `tf` kernel's step (traced once, then timed)."""
    import tensorflow as tf

    from apps.word2vec import hierarchical

    probabilities = counts / counts.sum()
    batches = [{"center": tf.constant(rng.choice(len(counts), batch, p=probabilities), tf.int32),
                "context": tf.constant(rng.choice(len(counts), batch, p=probabilities), tf.int32)}
               for _ in range(steps + 1)]
    if objective == "hierarchical":
        step = tf.function(lambda b: hierarchical.update(model, b, 0.01))
    else:
        step = tf.function(lambda b: model.batched_update(b, 0.01))
    step(batches[0])
    started = time.perf_counter()
    for item in batches[1:]:
        step(item)
    return round(1e6 * (time.perf_counter() - started) / (batch * steps), 3)


def cost_rows(batch=4096, steps=20, dim=100):
    """Microseconds per example of one `tf`-kernel step, negative vs hierarchical, per vocabulary size."""
    from apps.word2vec import hierarchical
    from apps.word2vec.huffman import huffman_tree
    from apps.word2vec.model import Word2Vec

    rows, rng = [], np.random.default_rng(0)
    for vocab in VOCABULARIES:
        counts = np.maximum(1.0, np.floor(1e7 / np.arange(1, vocab + 1)))  # Zipf's law, exponent 1
        lengths = huffman_tree(counts.astype("int64"))[2]
        row = {"vocab_size": vocab, "mean_code_length": round(float((lengths * counts).sum() / counts.sum()), 2)}
        for objective in ("negative", "hierarchical"):
            model = Word2Vec(vocab, dim, negatives=base.SETTINGS["negatives"], objective=objective,
                             negative_sharing=16)
            model.set_noise((np.cumsum(counts ** 0.75) / np.sum(counts ** 0.75)).astype("float32"))
            if objective == "hierarchical":
                hierarchical.set_tree(model, counts.astype("int64"))
            row[f"{objective}_us_per_example"] = step_cost(model, objective, counts, rng, batch, steps)
        rows.append(row)
    return rows


def run(args):
    import shared  # noqa: F401 - Keras backend
    from apps.word2vec import corpus, evaluation

    try:
        import gensim  # noqa: F401
    except ImportError:
        return {"error": "gensim is not installed: pip install gensim==4.4.0 (the bench's reference)"}
    planted = evaluation.parse_questions(corpus.questions_text(), "generated questions")
    similarity = [str(base.WORDSIM)] if base.WORDSIM.is_file() else []
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for model in ("skipgram", "cbow"):
            results.append(base.compare(None, model, planted, [], Path(folder), "hierarchical", 3))
            for data in CORPORA:
                if data.exists():
                    results.append(base.compare(data, model, None, similarity, Path(folder), "hierarchical",
                                                args.rounds))
    return {"settings": {**base.SETTINGS, "negatives": 0, "hs": 1, "workers": base.WORKERS},
            "results": results, "cost_per_example": cost_rows()}
