"""word2vec against gensim's Word2Vec: words/second and vector quality.

`python -m bench word2vec [--data PATH]` trains skip-gram and CBOW with our
app and with gensim (the reference, installed for the bench only) on the
same training sentences, with the same dimension, window, negatives,
subsampling, min-count, epochs and 2 worker threads, in the same process:
- the default generated corpus: planted-analogy accuracy of both;
- `--data PATH` (e.g. ../shared/data/tinyshakespeare): WordSim-353
  Spearman of both (../shared/data/word2vec_eval/wordsim353.tsv).
Words/second = training-split tokens x epochs / training seconds, over
the whole training (vocabulary building excluded for both; ours includes
the first epoch's graph tracing and every callback, not the per-epoch
validation pass, which gensim does not have; `steady` is the median rate
of our later epochs). Each comparison runs ROUNDS times, seeds 42, 43, ...,
gensim and ours side by side in each round, as the machine's speed drifts
by tens of percent from one second to the next: the speed ratio is the
median of the rounds' ratios, quality the mean and spread over the seeds.
The NNLM baseline runs on the default corpus for its cost and quality
(ours only).
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import numpy as np

log = logging.getLogger("annsuite")

SETTINGS = {"dim": 100, "window": 5, "negatives": 5, "sample": 1e-3, "min_count": 5, "epochs": 5}
WORKERS = 2
ROUNDS = 3
WORDSIM = Path(__file__).resolve().parents[2] / "shared" / "data" / "word2vec_eval" / "wordsim353.tsv"


def sentences_of(corpus):
    """The training sentences as word lists (what gensim is given)."""
    words = np.array(corpus.words, dtype=object)
    cuts = np.flatnonzero(np.diff(corpus.train_sentences)) + 1
    return [list(part) for part in np.split(words[corpus.train_ids], cuts)]


def run_ours(data, model, folder, seed=42, objective="negative"):
    import pandas as pd

    from apps.word2vec import main
    from apps.word2vec.model import word_vectors
    from shared.training import load_best_model

    argv = ["train", "--run-dir", str(folder), "--model", model, "--patience", "0", "--seed", str(seed)]
    argv += [] if data is None else ["--data", str(data)]
    argv += ["--objective", objective]
    for name, value in SETTINGS.items():
        argv += [f"--{name.replace('_', '-')}", str(value)]
    metrics = main(argv)
    epochs = pd.read_csv(Path(folder) / "history.csv")["words_per_second"]
    metrics["steady_words_per_second"] = float(epochs.iloc[1:].median() if len(epochs) > 1 else epochs.iloc[0])
    return metrics, word_vectors(load_best_model(folder))


def run_gensim(sentences, model, seed, objective="negative"):
    from gensim.models import Word2Vec

    hierarchical = objective == "hierarchical"
    reference = Word2Vec(vector_size=SETTINGS["dim"], window=SETTINGS["window"],
                         negative=0 if hierarchical else SETTINGS["negatives"], hs=int(hierarchical),
                         sample=SETTINGS["sample"], min_count=SETTINGS["min_count"], sg=int(model == "skipgram"),
                         alpha=0.025 if model == "skipgram" else 0.05, workers=WORKERS, seed=seed)
    reference.build_vocab(sentences)
    started = time.perf_counter()
    reference.train(sentences, total_examples=len(sentences), epochs=SETTINGS["epochs"])
    return reference.wv, time.perf_counter() - started


def quality(vectors, words, sections, similarity):
    from apps.word2vec import evaluation

    test, _ = evaluation.evaluate_vectors(vectors, words, sections, similarity)
    return {k: round(float(v), 4) for k, v in test.items() if k == "analogy_accuracy" or k.startswith("spearman")}


def one_round(data, model, sections, similarity, folder, seed, objective="negative"):
    """gensim then ours, one seed: their speeds and quality."""
    from apps.word2vec.config import Word2VecConfig
    from apps.word2vec.data import load_corpus

    config = Word2VecConfig(data=None if data is None else str(data), model=model, seed=seed, **SETTINGS)
    corpus = load_corpus(config)
    wv, gensim_seconds = run_gensim(sentences_of(corpus), model, seed, objective)
    name = f"{model}-{objective}-{'default' if data is None else Path(data).name}-{seed}"
    metrics, ours = run_ours(data, model, folder / name, seed, objective)
    return corpus, {
        "ours": {"words_per_second": float(metrics["words_per_second"]),
                 "steady_words_per_second": metrics["steady_words_per_second"],
                 **quality(ours, corpus.words, sections, similarity)},
        "gensim": {"words_per_second": len(corpus.train_ids) * SETTINGS["epochs"] / gensim_seconds,
                   "vocab_size": len(wv.index_to_key),
                   **quality(wv.vectors, list(wv.index_to_key), sections, similarity)},
    }


def summary(values):
    """{"mean", "sd"} of a list of numbers (rounded)."""
    values = np.asarray(values, dtype="float64")
    return {"mean": round(float(values.mean()), 4), "sd": round(float(values.std(ddof=1)), 4) if len(values) > 1 else 0.0}


def differences(rounds):
    """Per quality metric: ours minus gensim, mean over the rounds and its standard error."""
    found = {}
    for key in rounds[0]["ours"]:
        if key in ("analogy_accuracy",) or key.startswith("spearman") and not key.endswith("_oov"):
            gaps = np.asarray([r["ours"][key] - r["gensim"][key] for r in rounds], dtype="float64")
            if np.isfinite(gaps).all():
                error = float(gaps.std(ddof=1) / np.sqrt(len(gaps))) if len(gaps) > 1 else 0.0
                found[key] = {"mean": round(float(gaps.mean()), 4), "standard_error": round(error, 4)}
    return found


def compare(data, model, sections, similarity, folder, objective="negative", seeds=ROUNDS):
    """Our app and gensim on one corpus and model, `seeds` rounds: speed and quality of both."""
    rounds = []
    for seed in range(42, 42 + seeds):
        corpus, result = one_round(data, model, sections, similarity, folder, seed, objective)
        rounds.append(result)
    result = {"corpus": "generated" if data is None else str(data), "model": model, "objective": objective,
              "train_tokens": len(corpus.train_ids), "vocab_size": corpus.vocab_size}
    for side in ("ours", "gensim"):
        speeds = [r[side]["words_per_second"] for r in rounds]
        result[side] = {"words_per_second": round(float(np.median(speeds))),
                        "words_per_second_rounds": [round(v) for v in speeds]}
        for key, first in rounds[0][side].items():
            if key.endswith("_oov") or key == "vocab_size":
                result[side][key] = first
            elif key != "words_per_second" and key != "steady_words_per_second" and np.isfinite(first):
                result[side][key] = summary([r[side][key] for r in rounds])
    result["difference"] = differences(rounds)
    result["ours"]["steady_words_per_second"] = round(float(np.median(
        [r["ours"]["steady_words_per_second"] for r in rounds])))
    ratios = [r["ours"]["words_per_second"] / r["gensim"]["words_per_second"] for r in rounds]
    result["speed_ratio"] = round(float(np.median(ratios)), 3)
    result["speed_ratio_rounds"] = [round(v, 3) for v in ratios]
    result["steady_speed_ratio"] = round(float(np.median(
        [r["ours"]["steady_words_per_second"] / r["gensim"]["words_per_second"] for r in rounds])), 3)
    log.info("bench word2vec %s", result)
    return result


def run(args):
    """Skip-gram and CBOW, ours vs gensim, on the default corpus (and --data)."""
    import shared  # noqa: F401 - Keras backend
    from apps.word2vec import corpus, evaluation

    try:
        import gensim  # noqa: F401
    except ImportError:
        return {"error": "gensim is not installed: pip install gensim==4.4.0 (the bench's reference)"}
    planted = evaluation.parse_questions(corpus.questions_text(), "generated questions")
    similarity = [str(WORDSIM)] if WORDSIM.is_file() else []
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for model in ("skipgram", "cbow"):
            results.append(compare(None, model, planted, [], Path(folder), seeds=args.rounds))
            if getattr(args, "data", None):
                results.append(compare(args.data, model, None, similarity, Path(folder), seeds=args.rounds))
        metrics, vectors = run_ours(None, "nnlm", Path(folder) / "nnlm")
        words = (Path(folder) / "nnlm" / "vocab.tsv").read_text(encoding="utf-8").splitlines()[1:]
        nnlm = {"model": "nnlm", "corpus": "generated", "words_per_second": round(metrics["words_per_second"]),
                "seconds": metrics["seconds"],
                **quality(vectors, [line.split("\t")[0] for line in words], planted, [])}
    return {"settings": {**SETTINGS, "workers": WORKERS}, "results": results, "nnlm": nnlm}
