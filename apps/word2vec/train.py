"""Training of word vectors: skip-gram, CBOW or the NNLM baseline.

The held-out split: a fraction of the sentences (`--validation-fraction`)
gives the validation loss that picks the best checkpoint; the test is
intrinsic and never trains: analogy questions (the planted ones of the
generated corpus, or `--questions`) and similarity files (`--similarity`).
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from apps.word2vec import evaluation, native, pipeline
from apps.word2vec.data import load_corpus
from apps.word2vec.model import build_model, word_vectors
from apps.word2vec.tensorboard import (
    NeighbourTable,
    WordsPerSecond,
    default_probes,
    write_projector,
)
from shared.errors import UsageError
from shared.training import finish_run, fit_phase, get_strategy, load_best_model, start_run

log = logging.getLogger("annsuite")

APP = "word2vec"
QUESTIONS_FILE = "questions-words.txt"
VOCAB_FILE = "vocab.tsv"


def check_strategy(config):
    """Sparse in-place updates of skip-gram/CBOW run on one device, with a kernel that is there."""
    strategy = get_strategy(config.strategy if config.model == "nnlm" else "default")
    if config.model != "nnlm" and config.strategy in ("mirrored", "multi-worker"):
        raise UsageError(f"--strategy {config.strategy}: skipgram and cbow train on one device "
                         "(word2vec's sparse updates); use --model nnlm or --strategy auto")
    if config.kernel == "native" and not native.available():
        raise UsageError("--kernel native: the op is not built; build it with `python -m apps.word2vec.native` "
                         "(needs a C++ compiler) or use --kernel tf")
    return strategy


def load_tests(config, corpus):
    """Analogy sections and similarity files, checked before the run folder exists."""
    if config.questions:
        sections = evaluation.read_questions(config.questions)
    elif corpus.questions:
        sections = evaluation.parse_questions(corpus.questions, "generated questions")
    else:
        sections = None
    similarity = [path for path in (config.similarity or "").split(",") if path]
    for path in similarity:
        evaluation.read_similarity(path)
    return sections, similarity


def write_run_files(run, corpus):
    lines = "".join(f"{word}\t{count}\n" for word, count in zip(corpus.words, corpus.counts))
    (run.path / VOCAB_FILE).write_text("word\tcount\n" + lines, encoding="utf-8")
    if corpus.questions:
        (run.path / QUESTIONS_FILE).write_text(corpus.questions, encoding="utf-8")


def has_validation(corpus, config):
    """Whether the held-out sentences give at least one training example."""
    if not len(corpus.val_ids):
        return False
    return config.model == "nnlm" or bool(np.any(np.bincount(corpus.val_sentences) >= 2))


def fit(run, corpus):
    """Build the model and fit it with the standard callbacks; returns epochs."""
    config = run.config
    with run.strategy.scope():
        model = build_model(config, corpus.vocab_size, config.epochs * len(corpus.train_ids))
    if config.model != "nnlm":
        log.info("training kernel: %s (--kernel)", config.kernel)
        model.set_noise(pipeline.noise_table(corpus.counts))
        model.set_subsampling(pipeline.keep_probabilities(corpus.counts, config.sample))
    train = pipeline.make_dataset(corpus.train_ids, corpus.train_sentences, corpus.counts, config, config.seed)
    validation = None
    if has_validation(corpus, config):
        validation = pipeline.make_dataset(corpus.val_ids, corpus.val_sentences, corpus.counts, config,
                                           config.seed + 1, training=False)
    else:
        log.warning("the held-out sentences give no examples: the best checkpoint follows the training loss")
    probes = default_probes(corpus.words, config.probe_words)
    callbacks = [WordsPerSecond(len(corpus.train_ids)), NeighbourTable(run.path, corpus.words, probes)]
    with warnings.catch_warnings():  # epoch sizes vary with subsampling: Keras learns them as it goes
        warnings.filterwarnings("ignore", message="Your input ran out of data")
        done = fit_phase(run, model, train, validation, epochs=config.epochs, callbacks=callbacks,
                         monitor="val_loss" if validation is not None else "loss")
    return done["epochs"]


def run_speed(history):
    """Words/second of the whole training: all epochs' words over all their seconds (None: unknown).

    Not the mean of the epochs' rates, which would weigh a fast epoch as
    much as a slow one (the first, which traces the training function)."""
    if not history.exists():
        return None
    import pandas as pd

    rates = pd.read_csv(history).get("words_per_second")
    if rates is None or not len(rates):
        return None
    return float(len(rates) / np.sum(1.0 / rates.to_numpy()))


def train(config, argv=()):
    """`train`: fit, write projector files, score the vectors, write metrics.json."""
    strategy = check_strategy(config)
    corpus = load_corpus(config)  # every file read and checked before a run folder exists
    sections, similarity = load_tests(config, corpus)
    run = start_run(APP, config, argv, strategy=strategy)
    write_run_files(run, corpus)
    epochs = fit(run, corpus)
    vectors = word_vectors(load_best_model(run.path))
    write_projector(run.path / "projector", corpus.words, vectors)
    test, details = evaluation.evaluate_vectors(vectors, corpus.words, sections, similarity)
    return finish_run(run, test, epochs, words_per_second=run_speed(run.path / "history.csv"),
                      vocab_size=corpus.vocab_size,
                      train_tokens=int(len(corpus.train_ids)), skipped=corpus.skipped, **details)


def verbs():
    from apps.word2vec import serving
    from apps.word2vec.config import Word2VecConfig
    from shared.cli import Verb

    return [
        Verb("train", "learn word vectors (default data: a generated corpus with planted analogies)",
             lambda args: train(args.config, args.argv), config_cls=Word2VecConfig),
        Verb("evaluate", "analogy accuracy and similarity correlations of a run's vectors",
             serving.evaluate, serving.evaluate_arguments),
        Verb("similar", "nearest neighbours of a word", serving.similar, serving.similar_arguments),
        Verb("analogy", "A is to B as C is to ? (3CosAdd)", serving.analogy, serving.analogy_arguments),
        Verb("predict", "vectors of words, as TSV (unknown words: zeros)", serving.predict,
             serving.predict_arguments),
        Verb("export-vectors", "vectors as word2vec text/binary or projector TSV files",
             serving.export_vectors, serving.export_vectors_arguments),
        Verb("export", "SavedModel mapping word strings to vectors", serving.export, serving.export_arguments),
    ]


def main(argv=None):
    """`python -m apps.word2vec VERB ...`; returns the verb's result dict."""
    from shared.cli import dispatch

    return dispatch("python -m apps.word2vec", "Word vectors: skip-gram, CBOW and the NNLM baseline.",
                    verbs(), argv)
