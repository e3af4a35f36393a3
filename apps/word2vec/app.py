"""The word2vec App declaration: its hooks on the shared lifecycle.

The held-out split: a fraction of the sentences (`--validation-fraction`)
gives the validation loss that picks the best checkpoint; the test is
intrinsic and never trains: analogy questions (the planted ones of the
generated corpus, or `--questions`) and similarity files (`--similarity`).
Besides the shared verbs: `similar`, `analogy` and `export-vectors`.

A trained run's verbs read the vocabulary and the vectors from
`RUN/model.keras` (`layers`: word strings -> vectors, the vocabulary inside);
`vocab.tsv` is written for people and the projector, never read back.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from apps.word2vec import evaluation, hierarchical, native, pipeline
from apps.word2vec.config import Word2VecConfig
from apps.word2vec.data import Corpus, has_validation, load_corpus
from apps.word2vec.layers import inference_model, vocabulary_of, word_ids
from apps.word2vec.model import build_model, compile_model, word_vectors
from apps.word2vec.serving import export_model
from apps.word2vec.tensorboard import (
    NeighbourTable,
    WordsPerSecond,
    default_probes,
    run_speed,
    write_projector,
)
from apps.word2vec.vectors import FORMATS, SUFFIXES, write_vectors
from shared import training
from shared.app import App, steps_per_epoch
from shared.cli import Verb, add_run_argument
from shared.errors import UsageError
from shared.records import write_json

log = logging.getLogger("annsuite")

QUESTIONS_FILE = "questions-words.txt"
VOCAB_FILE = "vocab.tsv"
VERB_ORDER = ("train", "evaluate", "similar", "analogy", "predict", "export-vectors", "export")


@dataclass
class TrainingData:
    """The corpus and the intrinsic tests, all read and checked before the run folder exists."""

    corpus: Corpus
    sections: list | None
    similarity: list
    details: dict = field(default_factory=dict)  # the test's per-section results, for metrics.json


def write_run_files(path, corpus):
    """vocab.tsv (word, count; for people, never read back) and the generated corpus's questions-words.txt."""
    lines = "".join(f"{word}\t{count}\n" for word, count in zip(corpus.words, corpus.counts))
    (path / VOCAB_FILE).write_text("word\tcount\n" + lines, encoding="utf-8")
    if corpus.questions:
        (path / QUESTIONS_FILE).write_text(corpus.questions, encoding="utf-8")


def word_id(trained, word):
    """The id of `word` (looked up as model.keras does: lower-cased) in a trained run's vocabulary, or UsageError."""
    (found,) = word_ids(trained.model, [word])
    if found < 0:
        raise UsageError(f"{word!r} is not in the vocabulary of {trained.path}")
    return int(found)


def show(words, found):
    """Print `word<TAB>cosine` lines of [(id, cosine)]; returns [(word, cosine)]."""
    rows = [(words[i], score) for i, score in found]
    for word, score in rows:
        sys.stdout.write(f"{word}\t{score:.4f}\n")
    return rows


def evaluate_arguments(parser):
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("--questions", help="analogy file (questions-words.txt format); default: the run's")
    parser.add_argument("--similarity", action="append", default=[], metavar="FILE",
                        help="WordSim-353 / SimLex-999 file (repeatable)")


def similar_arguments(parser):
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("word", help="the query word")
    parser.add_argument("--k", type=int, default=10, help="neighbours shown")


def analogy_arguments(parser):
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("words", nargs=3, metavar="WORD", help="A B C: A is to B as C is to ?")
    parser.add_argument("--k", type=int, default=5, help="answers shown")


def export_vectors_arguments(parser):
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("--format", choices=FORMATS, default="word2vec-text", help="file format")
    parser.add_argument("--out", help="output file (default: <run>/vectors.txt|.bin|.tsv)")


class Word2VecApp(App):
    name = "word2vec"
    description = "Word vectors: skip-gram, CBOW and the NNLM baseline."
    config_class = Word2VecConfig
    train_help = "learn word vectors (default data: a generated corpus with planted analogies)"
    predict_help = "vectors of words, as TSV (unknown words: zeros)"

    def scan(self, config):
        if config.kernel == "native" and not native.available():
            raise UsageError("--kernel native: the op is not built; build it with `python -m apps.word2vec.native` "
                             "(needs a C++ compiler) or use --kernel tf")
        return {}

    def load_data(self, config):
        corpus = load_corpus(config)
        sections, similarity = evaluation.load_tests(config.questions, corpus.questions, config.similarity)
        return TrainingData(corpus, sections, similarity)

    def on_run_start(self, run, data):
        if run.config.model != "nnlm":  # sparse in-place updates: one device, whatever --strategy auto finds
            run.strategy = training.get_strategy("default")
            log.info("training kernel: %s (--kernel)", run.config.kernel)
        write_run_files(run.path, data.corpus)

    def build_task(self, config, data):
        corpus = data.corpus
        model = build_model(config, corpus.vocab_size, config.epochs * len(corpus.train_ids))
        if config.model != "nnlm":
            model.set_noise(pipeline.noise_table(corpus.counts))
            model.set_subsampling(pipeline.keep_probabilities(corpus.counts, config.sample))
            if config.objective == "hierarchical":
                hierarchical.set_tree(model, corpus.counts)
        return model

    def datasets(self, config, data):
        corpus = data.corpus
        train = pipeline.make_dataset(corpus.train_ids, corpus.train_sentences, corpus.counts, config, config.seed)
        if not has_validation(corpus, config):
            log.warning("the held-out sentences give no examples: the best checkpoint follows the training loss")
            return train, None
        return train, pipeline.make_dataset(corpus.val_ids, corpus.val_sentences, corpus.counts, config,
                                            config.seed + 1, training=False)

    def callbacks(self, run, data, task):
        words = data.corpus.words
        return [WordsPerSecond(len(data.corpus.train_ids)),
                NeighbourTable(run.path, words, default_probes(words, run.config.probe_words))]

    def compile(self, task, phase, config, steps):
        compile_model(task, config)

    def fit(self, run, data, task):
        """The one phase; the monitored loss is the training loss when nothing is held out."""
        config = run.config
        train, validation = self.datasets(config, data)
        (phase,) = self.phases(config, data, task)
        with run.strategy.scope():
            self.compile(task, phase, config, steps_per_epoch(self.train_examples(data), config.batch_size))
        with warnings.catch_warnings():  # epoch sizes vary with subsampling: Keras learns them as it goes
            warnings.filterwarnings("ignore", message="Your input ran out of data")
            done = training.fit_phase(run, task, train, validation, phase=phase.name, epochs=phase.epochs,
                                      callbacks=self.callbacks(run, data, task),
                                      monitor="val_loss" if validation is not None else "loss")
        return done["epochs"]

    def train_examples(self, data):
        return len(data.corpus.train_ids)

    def test_metrics(self, model, data, config):
        test, data.details = evaluation.evaluate_vectors(word_vectors(model), data.corpus.words, data.sections,
                                                         data.similarity)
        return test

    def summary(self, run, data, model):
        """Writes the projector files of the best vectors; the corpus's sizes and the test's sections."""
        corpus = data.corpus
        write_projector(run.path / "projector", corpus.words, word_vectors(model))
        return {"words_per_second": run_speed(run.path / "history.csv"), "vocab_size": corpus.vocab_size,
                "train_tokens": int(len(corpus.train_ids)), "skipped": corpus.skipped, **data.details}

    # ---- a trained run: model.keras carries the vocabulary and the vectors ----
    def inference_model(self, network, data, config):
        """Word strings -> vector, known (the vocabulary inside; unknown words: zeros)."""
        return inference_model(data.corpus.words, word_vectors(network))

    def evaluate(self, trained, data=None, skip_bad=False, questions=None, similarity=None):
        """Analogy accuracy (per section, OOV counted) and Spearman correlations.

        `questions` (or `data`): a questions-words file; default the run's
        `--questions`, else the generated corpus's planted questions.
        `similarity`: files; default the run's `--similarity`.
        """
        questions = questions or data or trained.config.questions
        if not questions and (trained.path / QUESTIONS_FILE).is_file():
            questions = trained.path / QUESTIONS_FILE
        sections = evaluation.read_questions(questions) if questions else None
        files = evaluation.similarity_files(similarity or trained.config.similarity)
        words, vectors = vocabulary_of(trained.model)
        test, details = evaluation.evaluate_vectors(vectors, words, sections, files)
        result = {"test": test, **details}
        write_json(trained.path / "evaluation.json", result)
        log.info("evaluation: %s", test)
        return result

    def predict_rows(self, trained, inputs, **options):
        """word, known, vector (model.keras: lower-cased lookup; zeros when unknown) of each word."""
        if not inputs:
            return []
        outputs = trained.model.predict(np.array([str(word) for word in inputs], dtype=object), verbose=0)
        return [{"word": str(word), "known": bool(flag), "vector": vector.tolist()}
                for word, flag, vector in zip(inputs, outputs["known"], outputs["vector"])]

    def export(self, trained, out):
        return export_model(trained.model, out)

    # ---- command line ----
    def predict_arguments(self, parser):
        add_run_argument(parser, skip_bad=False)
        parser.add_argument("words", nargs="+", metavar="WORD", help="words to look up")

    def predict_options(self, args):
        return args.words, {}

    def write_predictions(self, trained, rows, args):
        """TSV lines `word<TAB>known<TAB>v1<TAB>v2...` on stdout."""
        for row in rows:
            values = (f"{value:.6g}" for value in row["vector"])
            sys.stdout.write("\t".join([row["word"], str(row["known"]).lower(), *values]) + "\n")
        return {"predictions": rows, "words": [row["word"] for row in rows],
                "known": [row["known"] for row in rows], "vectors": [row["vector"] for row in rows]}

    def verbs(self):
        """The shared verbs with word2vec's evaluate options and help, and its own verbs, in order."""
        verbs = {verb.name: verb for verb in super().verbs()}
        verbs["evaluate"] = Verb("evaluate", "analogy accuracy and similarity correlations of a run's vectors",
                                 self.evaluate_verb, evaluate_arguments)
        verbs["export"] = dataclasses.replace(verbs["export"], help="SavedModel mapping word strings to vectors")
        return [verbs[name] for name in VERB_ORDER]

    def extra_verbs(self):
        return [
            Verb("similar", "nearest neighbours of a word", self.similar_verb, similar_arguments),
            Verb("analogy", "A is to B as C is to ? (3CosAdd)", self.analogy_verb, analogy_arguments),
            Verb("export-vectors", "vectors as word2vec text/binary or projector TSV files",
                 self.export_vectors_verb, export_vectors_arguments),
        ]

    def evaluate_verb(self, args):
        return self.evaluate(self.load(args.run), questions=args.questions, similarity=args.similarity)

    def similar_verb(self, args):
        """The k nearest words by cosine."""
        trained = self.load(args.run)
        (words, vectors), query = vocabulary_of(trained.model), word_id(trained, args.word)
        found = evaluation.nearest(vectors, vectors[query], args.k, exclude=[query])
        return {"word": args.word, "neighbours": show(words, found)}

    def analogy_verb(self, args):
        """3CosAdd: the words nearest to unit(B) - unit(A) + unit(C)."""
        trained = self.load(args.run)
        a, b, c = (word_id(trained, word) for word in args.words)
        words, vectors = vocabulary_of(trained.model)
        unit = evaluation.unit(vectors)
        found = evaluation.nearest(unit, unit[b] - unit[a] + unit[c], args.k, exclude=[a, b, c])
        return {"question": args.words, "answers": show(words, found)}

    def export_vectors_verb(self, args):
        trained = self.load(args.run)
        words, vectors = vocabulary_of(trained.model)
        out = Path(args.out) if args.out else trained.path / f"vectors{SUFFIXES[args.format]}"
        files = write_vectors(out, words, vectors, args.format)
        log.info("%d vectors written: %s", len(words), ", ".join(files))
        return {"files": files, "words": len(words), "dim": int(vectors.shape[1])}


APP = Word2VecApp()
