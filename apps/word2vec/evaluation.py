"""Intrinsic evaluation of word vectors: analogies, similarity, neighbours.

- Analogies (`questions-words.txt` format: `: section` lines, then lines of
  four words `a b c d`, "a is to b as c is to d"): 3CosAdd, the answer is
  the word whose unit vector has the largest cosine with
  `unit(b) - unit(a) + unit(c)`, excluding a, b and c. Questions with a word
  out of the vocabulary are counted apart and not scored (as gensim does).
- Similarity (WordSim-353 TSV `word1<TAB>word2<TAB>score` with `#`
  comments, or SimLex-999 with its header row, whose `SimLex999` column is
  used): Spearman correlation of the human scores with the cosines of the
  pairs whose words are both known.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from shared.errors import DataError

BATCH = 256


def unit(vectors):
    """Rows scaled to length 1 (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype="float32")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def parse_questions(text, source="questions"):
    """[(section, [[a, b, c, d], ...])] of a questions-words text (lower-cased)."""
    sections = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith(":"):
            sections.append((line[1:].strip(), []))
            continue
        words = line.lower().split()
        if len(words) != 4:
            raise DataError(source, f"expected 4 words, got {len(words)}", line=number)
        if not sections:
            sections.append(("questions", []))
        sections[-1][1].append(words)
    if not any(rows for _, rows in sections):
        raise DataError(source, "no analogy questions")
    return sections


def similarity_files(spec):
    """The files of a comma-separated `--similarity` value (or a list of them)."""
    parts = spec.split(",") if isinstance(spec, str) else (spec or [])
    return [str(path) for path in parts if path]


def load_tests(questions=None, planted=None, similarity=None):
    """(analogy sections or None, similarity files), every file read and checked.

    `questions`: a questions-words file; else `planted`, the generated
    corpus's questions text; `similarity`: files (see `similarity_files`).
    A bad line raises DataError here, before any training.
    """
    if questions:
        sections = read_questions(questions)
    elif planted:
        sections = parse_questions(planted, "generated questions")
    else:
        sections = None
    files = similarity_files(similarity)
    for path in files:
        read_similarity(path)
    return sections, files


def read_questions(path):
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such analogy questions file")
    return parse_questions(path.read_text(encoding="utf-8", errors="replace"), path)


def answer(unit_vectors, question_ids):
    """3CosAdd answers (word ids) of an (n, 3) array of a, b, c ids."""
    answers = []
    for start in range(0, len(question_ids), BATCH):
        a, b, c = question_ids[start:start + BATCH].T
        scores = (unit_vectors[b] - unit_vectors[a] + unit_vectors[c]) @ unit_vectors.T
        rows = np.arange(len(a))
        for excluded in (a, b, c):
            scores[rows, excluded] = -np.inf
        answers.append(scores.argmax(axis=1))
    return np.concatenate(answers) if answers else np.zeros(0, dtype=int)


def analogy_accuracy(vectors, words, sections):
    """Accuracy overall and per section, and the out-of-vocabulary count."""
    index = {word: i for i, word in enumerate(words)}
    vectors = unit(vectors)
    result = {"sections": {}, "oov": 0, "questions": 0, "correct": 0}
    for name, rows in sections:
        known = [[index[w] for w in row] for row in rows if all(w in index for w in row)]
        result["oov"] += len(rows) - len(known)
        known = np.array(known, dtype=int).reshape(-1, 4)
        correct = int(np.sum(answer(vectors, known[:, :3]) == known[:, 3]))
        result["sections"][name] = {"accuracy": correct / len(known) if len(known) else float("nan"),
                                    "questions": len(known), "oov": len(rows) - len(known)}
        result["questions"] += len(known)
        result["correct"] += correct
    result["accuracy"] = result["correct"] / result["questions"] if result["questions"] else float("nan")
    return result


def is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_similarity(path):
    """[(word1, word2, score)] of a WordSim-353 or SimLex-999 file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such similarity file")
    pairs, column = [], None
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in (line.split("\t") if "\t" in line else line.split(","))]
        if column is None:
            column = fields.index("SimLex999") if "SimLex999" in fields else 2
            if len(fields) > column and not is_number(fields[column]):
                continue  # a header row
        if len(fields) <= column or not is_number(fields[column]):
            raise DataError(path, f"expected word1, word2 and a numeric score in column {column + 1}", line=number)
        pairs.append((fields[0].lower(), fields[1].lower(), float(fields[column])))
    if not pairs:
        raise DataError(path, "no word pairs")
    return pairs


def similarity_correlation(vectors, words, pairs):
    """Spearman rho of human scores and cosines, pairs used, pairs out of vocabulary."""
    index = {word: i for i, word in enumerate(words)}
    vectors = unit(vectors)
    known = [(index[a], index[b], score) for a, b, score in pairs if a in index and b in index]
    if len(known) < 2:
        return {"spearman": float("nan"), "pairs": len(known), "oov": len(pairs) - len(known)}
    first, second, scores = (np.array(column) for column in zip(*known))
    cosines = np.sum(vectors[first] * vectors[second], axis=1)
    rho = spearmanr(scores, cosines).statistic
    return {"spearman": float(rho), "pairs": len(known), "oov": len(pairs) - len(known)}


def nearest(vectors, query, k=10, exclude=()):
    """[(word id, cosine)] of the k nearest rows of `vectors` to `query`."""
    vectors = unit(vectors)
    query = np.asarray(query, dtype="float32")
    scores = vectors @ (query / max(float(np.linalg.norm(query)), 1e-12))
    scores[list(exclude)] = -np.inf
    top = np.argsort(-scores, kind="stable")[:k]
    return [(int(i), float(scores[i])) for i in top if np.isfinite(scores[i])]


def evaluate_vectors(vectors, words, sections=None, similarity=()):
    """The test metrics of a run: analogy accuracy (+ sections) and Spearman rhos."""
    test, details = {}, {}
    if sections:
        analogies = analogy_accuracy(vectors, words, sections)
        test.update(analogy_accuracy=analogies["accuracy"], analogy_questions=analogies["questions"],
                    analogy_oov=analogies["oov"])
        details["analogy_sections"] = analogies["sections"]
    else:
        test["analogy_accuracy"] = float("nan")
    for path in similarity:
        scores = similarity_correlation(vectors, words, read_similarity(path))
        name = Path(path).stem.replace("-", "_").lower()
        test[f"spearman_{name}"] = scores["spearman"]
        test[f"spearman_{name}_oov"] = scores["oov"]
    return test, details
