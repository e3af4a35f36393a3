"""Verbs that start from a run folder: evaluate, similar, analogy, predict, exports."""

from __future__ import annotations

import dataclasses
import logging
import sys
from pathlib import Path

import numpy as np

from apps.word2vec import evaluation
from apps.word2vec.config import Word2VecConfig
from apps.word2vec.model import word_vectors
from apps.word2vec.train import QUESTIONS_FILE, VOCAB_FILE
from apps.word2vec.vectors import FORMATS, SUFFIXES, write_vectors
from shared.errors import UsageError
from shared.export import export_saved_model
from shared.records import write_json
from shared.training import load_best_model, load_run

log = logging.getLogger("annsuite")


@dataclasses.dataclass
class TrainedVectors:
    """A finished run's folder, config, vocabulary and vectors."""

    path: Path
    config: Word2VecConfig
    words: list
    vectors: np.ndarray

    def index(self, word):
        ids = {w: i for i, w in enumerate(self.words)}
        if word.lower() not in ids:
            raise UsageError(f"{word!r} is not in the vocabulary of {self.path}")
        return ids[word.lower()]


def open_run(run_dir):
    saved = load_run(run_dir)["config"]
    path = Path(run_dir)
    lines = (path / VOCAB_FILE).read_text(encoding="utf-8").splitlines()[1:]
    words = [line.split("\t")[0] for line in lines]
    return TrainedVectors(path, Word2VecConfig(**saved), words, word_vectors(load_best_model(path)))


def add_run_argument(parser):
    parser.add_argument("--run", required=True, metavar="DIR", help="a run folder written by train")


def evaluate_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--questions", help="analogy file (questions-words.txt format); default: the run's")
    parser.add_argument("--similarity", action="append", default=[], metavar="FILE",
                        help="WordSim-353 / SimLex-999 file (repeatable)")


def evaluate(args):
    """Analogy accuracy (per section, OOV counted) and Spearman correlations."""
    trained = open_run(args.run)
    questions = args.questions or trained.config.questions
    if questions:
        sections = evaluation.read_questions(questions)
    elif (trained.path / QUESTIONS_FILE).is_file():
        sections = evaluation.read_questions(trained.path / QUESTIONS_FILE)
    else:
        sections = None
    similarity = args.similarity or [p for p in (trained.config.similarity or "").split(",") if p]
    test, details = evaluation.evaluate_vectors(trained.vectors, trained.words, sections, similarity)
    result = {"test": test, **details}
    write_json(trained.path / "evaluation.json", result)
    log.info("evaluation: %s", test)
    return result


def similar_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("word", help="the query word")
    parser.add_argument("--k", type=int, default=10, help="neighbours shown")


def show(rows):
    for word, score in rows:
        sys.stdout.write(f"{word}\t{score:.4f}\n")
    return rows


def similar(args):
    """The k nearest words by cosine."""
    trained = open_run(args.run)
    query = trained.index(args.word)
    found = evaluation.nearest(trained.vectors, trained.vectors[query], args.k, exclude=[query])
    return {"word": args.word, "neighbours": show([(trained.words[i], s) for i, s in found])}


def analogy_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("words", nargs=3, metavar="WORD", help="A B C: A is to B as C is to ?")
    parser.add_argument("--k", type=int, default=5, help="answers shown")


def analogy(args):
    """3CosAdd: the words nearest to unit(B) - unit(A) + unit(C)."""
    trained = open_run(args.run)
    a, b, c = (trained.index(word) for word in args.words)
    unit = evaluation.unit(trained.vectors)
    found = evaluation.nearest(unit, unit[b] - unit[a] + unit[c], args.k, exclude=[a, b, c])
    return {"question": args.words, "answers": show([(trained.words[i], s) for i, s in found])}


def predict_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("words", nargs="+", metavar="WORD", help="words to look up")


def lookup(trained, words):
    """Vectors of words (lower-cased; zeros when unknown) and whether known."""
    ids = {w: i for i, w in enumerate(trained.words)}
    known = np.array([word.lower() in ids for word in words])
    vectors = np.zeros((len(words), trained.vectors.shape[1]), dtype="float32")
    for row, word in enumerate(words):
        if known[row]:
            vectors[row] = trained.vectors[ids[word.lower()]]
    return vectors, known


def predict(args):
    """TSV lines `word<TAB>known<TAB>v1<TAB>v2...` on stdout."""
    trained = open_run(args.run)
    vectors, known = lookup(trained, args.words)
    for word, flag, vector in zip(args.words, known, vectors):
        sys.stdout.write("\t".join([word, str(bool(flag)).lower(), *(f"{v:.6g}" for v in vector)]) + "\n")
    return {"words": args.words, "known": known.tolist(), "vectors": vectors.tolist()}


def export_vectors_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--format", choices=FORMATS, default="word2vec-text", help="file format")
    parser.add_argument("--out", help="output file (default: <run>/vectors.txt|.bin|.tsv)")


def export_vectors(args):
    trained = open_run(args.run)
    out = Path(args.out) if args.out else trained.path / f"vectors{SUFFIXES[args.format]}"
    files = write_vectors(out, trained.words, trained.vectors, args.format)
    log.info("%d vectors written: %s", len(trained.words), ", ".join(files))
    return {"files": files, "words": len(trained.words), "dim": int(trained.vectors.shape[1])}


def export_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--out", help="SavedModel folder (default: <run>/saved_model)")


def lookup_model(words, vectors):
    """Keras model: word strings -> vectors (unknown words: zeros)."""
    import keras

    strings = keras.Input((), dtype="string", name="words")
    ids = keras.layers.StringLookup(vocabulary=list(words), num_oov_indices=1, name="word_ids")(strings)
    table = np.concatenate([np.zeros((1, vectors.shape[1]), "float32"), vectors.astype("float32")])
    embedding = keras.layers.Embedding(len(words) + 1, vectors.shape[1], name="vectors")
    model = keras.Model(strings, embedding(ids), name="word_vectors")
    embedding.set_weights([table])
    return model


def export(args):
    """SavedModel: `words` (strings, lower-cased in-graph) -> `vector`, `known`."""
    import tensorflow as tf

    trained = open_run(args.run)
    model = lookup_model(trained.words, trained.vectors)
    lookup_layer = model.get_layer("word_ids")

    def serve(words):
        lowered = tf.strings.lower(words, encoding="utf-8")
        return {"vector": model(lowered), "known": lookup_layer(lowered) > 0}

    examples = [*trained.words[:6], trained.words[-1].upper(), "no-such-word-here"]
    vectors, known = lookup(trained, examples)
    return export_saved_model(
        [model], serve, [tf.TensorSpec([None], tf.string, name="words")],
        Path(args.out) if args.out else trained.path / "saved_model",
        examples={"words": np.array(examples, dtype=object)}, expected={"vector": vectors, "known": known})
