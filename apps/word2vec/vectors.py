"""Word vectors in the files other tools read, and back.

- `word2vec-text`: a `"<words> <dim>"` header line, then `word v1 v2 ...`
  per line (gensim `KeyedVectors.load_word2vec_format(path)`);
- `word2vec-binary`: the same header, then per word its UTF-8 bytes, a
  space, `dim` little-endian float32 and a newline, as word2vec.c writes
  (`load_word2vec_format(path, binary=True)`);
- `tsv`: `vectors.tsv` (tab-separated numbers) beside `metadata.tsv` (one
  word per line), the two files projector.tensorflow.org loads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shared.errors import DataError

FORMATS = ("word2vec-text", "word2vec-binary", "tsv")
SUFFIXES = {"word2vec-text": ".txt", "word2vec-binary": ".bin", "tsv": ".tsv"}


def write_text(path, words, vectors):
    with open(path, "w", encoding="utf-8") as out:
        out.write(f"{len(words)} {vectors.shape[1]}\n")
        for word, vector in zip(words, vectors):
            out.write(word + " " + " ".join(f"{value:.9g}" for value in vector) + "\n")


def write_binary(path, words, vectors):
    with open(path, "wb") as out:
        out.write(f"{len(words)} {vectors.shape[1]}\n".encode())
        for word, vector in zip(words, vectors.astype("<f4")):
            out.write(word.encode("utf-8") + b" " + vector.tobytes() + b"\n")


def metadata_path(path):
    """The words file written next to a `tsv` vectors file."""
    path = Path(path)
    return path.with_name("metadata.tsv" if path.name == "vectors.tsv" else f"{path.stem}.metadata.tsv")


def write_tsv(path, words, vectors):
    np.savetxt(path, vectors, delimiter="\t", fmt="%.9g")
    metadata_path(path).write_text("".join(f"{word}\n" for word in words), encoding="utf-8")


def write_vectors(path, words, vectors, fmt):
    """Write `vectors` (one row per word) in `fmt`; returns the files written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    vectors = np.asarray(vectors, dtype="float32")
    {"word2vec-text": write_text, "word2vec-binary": write_binary, "tsv": write_tsv}[fmt](path, words, vectors)
    return [str(path), str(metadata_path(path))] if fmt == "tsv" else [str(path)]


def read_word2vec(path):
    """(words, vectors) of a word2vec text or binary file (format detected)."""
    path = Path(path)
    with open(path, "rb") as stream:
        header = stream.readline().split()
        if len(header) != 2 or not all(part.isdigit() for part in header):
            raise DataError(path, "expected a '<words> <dimensions>' header", line=1)
        count, dim = int(header[0]), int(header[1])
        body = stream.read()
    try:
        return read_text_body(body.decode("utf-8"), count, dim)
    except (UnicodeDecodeError, ValueError):
        return read_binary_body(path, body, count, dim)


def read_text_body(text, count, dim):
    lines = text.splitlines()
    if len(lines) != count:
        raise ValueError("not a text file")
    words, vectors = [], np.zeros((count, dim), dtype="float32")
    for row, line in enumerate(lines):
        word, *values = line.rstrip().split(" ")
        if len(values) != dim:
            raise ValueError("not a text file")
        words.append(word)
        vectors[row] = [float(value) for value in values]
    return words, vectors


def read_binary_body(path, body, count, dim):
    words, vectors, position = [], np.zeros((count, dim), dtype="float32"), 0
    for row in range(count):
        while position < len(body) and body[position:position + 1] in (b"\n", b" "):
            position += 1
        space = body.find(b" ", position)
        end = space + 1 + 4 * dim
        if space < 0 or end > len(body):
            raise DataError(path, f"truncated at word {row + 1} of {count}")
        words.append(body[position:space].decode("utf-8"))
        vectors[row] = np.frombuffer(body[space + 1:end], dtype="<f4")
        position = end
    return words, vectors
