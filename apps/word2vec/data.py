"""word2vec data: text files streamed into token ids, vocabulary, splits.

Formats, detected from `--data` (absent: the generated corpus of `corpus.py`):
- a plain-text file, several (comma-separated), or a folder of them (every non-hidden file below it, in
  sorted order); one line is one sentence;
- the text8 layout (one long line): split into sentences of
  `max_sentence_length` tokens, like any longer line;
- gzip or bzip2 files (recognised by their first bytes, any name).

Files are read in 1 MiB blocks, never whole. Tokenisation: text is
lower-cased; a token is a run of letters or digits (any script), keeping
apostrophes inside a word (`don't`, `o'er`); all other characters
(punctuation, hyphens, underscores, symbols) separate tokens. Bytes that are
not UTF-8 raise a `DataError` naming the file and the byte offset (of the
decompressed text), or with `--skip-bad` are dropped and counted per file.
"""

from __future__ import annotations

import bz2
import gzip
import logging
import re
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from apps.word2vec import corpus
from shared import limits
from shared.data import BadInputs
from shared.errors import DataError, UsageError

log = logging.getLogger("annsuite")

TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
BLOCK_BYTES = 1 << 20
PROGRESS_BYTES = 64 << 20


def tokenize(text):
    """Lower-cased word tokens of `text` (see the module docstring)."""
    return TOKEN.findall(text.lower())


@dataclass
class Corpus:
    """Token ids of the training and validation sentences, and the vocabulary.

    `train_ids` / `val_ids` hold the in-vocabulary token ids of each split
    back to back (out-of-vocabulary tokens removed, as word2vec does);
    `train_sentences` / `val_sentences` give each token's sentence number.
    `words` are sorted by decreasing count.
    """

    words: list
    counts: np.ndarray
    train_ids: np.ndarray
    train_sentences: np.ndarray
    val_ids: np.ndarray
    val_sentences: np.ndarray
    source: str
    questions: str | None = None
    skipped: int = 0

    @property
    def vocab_size(self):
        return len(self.words)


def text_files(spec):
    """The files of `--data`: files (comma-separated), or every file below a folder."""
    if "," in str(spec) and not Path(spec).exists():
        return [file for part in str(spec).split(",") if part for file in text_files(part)]
    path = Path(spec)
    if not path.exists():
        raise UsageError(f"--data {spec}: no such file or folder")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(path).parts))
    if not files:
        raise DataError(path, "no text files in this folder")
    return files


def open_binary(path):
    """A binary stream of the file's text, decompressing gzip and bzip2."""
    with open(path, "rb") as probe:
        magic = probe.read(3)
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rb")
    if magic == b"BZh":
        return bz2.open(path, "rb")
    return open(path, "rb")


def cut_point(data):
    """Where to cut a block: after its last ASCII whitespace, else before its last UTF-8 character.

    Every block is cut, so no byte is carried over more than once: linear time
    on any text, whatever separates its words (a run of more than a block
    without ASCII whitespace is split into two tokens)."""
    last = max((data.rfind(space) for space in b" \t\n\r\v\f"), default=-1)
    if last >= 0:
        return last + 1
    cut = len(data) - 1
    while cut > 0 and 0x80 <= data[cut] < 0xC0:  # back off over UTF-8 continuation bytes
        cut -= 1
    return cut if cut > 0 else len(data)


def text_blocks(path):
    """(byte offset, bytes) blocks of the file's text, each cut after whitespace."""
    offset, pending = 0, b""
    with open_binary(path) as stream:
        while True:
            try:
                block = stream.read(BLOCK_BYTES)
            except (OSError, EOFError, zlib.error) as error:
                raise DataError(path, f"corrupt compressed file: {error}") from None
            data = pending + block
            if not block:
                if data:
                    yield offset, data
                return
            cut = cut_point(data)
            yield offset, data[:cut]
            offset, pending = offset + cut, data[cut:]


def decode(path, offset, data, bad, reported):
    """UTF-8 text of a block; a bad byte raises or (skip_bad) is dropped."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if not reported:
            bad.report(DataError(path, f"not UTF-8 text: invalid byte 0x{data[error.start]:02x} "
                                       f"at byte offset {offset + error.start}"))
            reported.append(path)
        return data.decode("utf-8", errors="ignore")


def file_sentences(path, bad, max_length):
    """Token lists of one file: one per line, long lines cut to max_length."""
    current, reported = [], []
    for offset, data in text_blocks(path):
        lines = decode(path, offset, data, bad, reported).split("\n")
        for index, line in enumerate(lines):
            current.extend(tokenize(line))
            start = 0
            while len(current) - start >= max_length:
                yield current[start:start + max_length]
                start += max_length
            current = current[start:] if start else current
            if index < len(lines) - 1 and current:
                yield current
                current = []
    if current:
        yield current


def read_sentences(spec, bad, max_length):
    """Token lists of every file of `--data`, in order (progress logged per 64 MiB)."""
    files = text_files(spec)
    total = sum(path.stat().st_size for path in files)
    done, next_report = 0, PROGRESS_BYTES
    for path in files:
        yield from file_sentences(path, bad, max_length)
        done += path.stat().st_size
        if done >= next_report:
            log.info("read %d of %d files (%.0f%% of %.0f MiB)", files.index(path) + 1, len(files),
                     100 * done / max(total, 1), total / 2**20)
            next_report = done + PROGRESS_BYTES


def encode(sentences, max_distinct=None):
    """Provisional ids, sentence lengths, and the word list.

    Distinct tokens are counted while reading; when there are more than
    `max_distinct` (the `distinct_tokens` limit), the rarest are pruned as
    gensim's `max_vocab_size` does (counts <= 1, then <= 2, ...): their
    occurrences get id -1 (out of vocabulary), so memory stays bounded on any corpus."""
    max_distinct = max_distinct or limits.get("distinct_tokens")
    index, ids, lengths, floor = {}, array("i"), array("i"), 0
    for tokens in sentences:
        ids.extend([index.setdefault(token, len(index)) for token in tokens])
        lengths.append(len(tokens))
        if len(index) > max_distinct:
            floor, index, ids = prune(index, ids, floor, max_distinct)
    return np.frombuffer(ids, dtype=np.int32), np.frombuffer(lengths, dtype=np.int32), list(index)


def prune(index, ids, floor, max_distinct):
    """Drop the rarest tokens until at most max_distinct remain; renumber the ids seen so far."""
    old = np.frombuffer(ids, dtype=np.int32)
    count_of = np.bincount(old[old >= 0], minlength=len(index))
    while True:
        floor += 1
        keep = count_of > floor
        if keep.sum() <= max_distinct:
            break
    log.info("more than %d distinct tokens: pruned those seen at most %d times so far", max_distinct, floor)
    new_id = np.full(len(count_of), -1, dtype=np.int32)
    new_id[keep] = np.arange(int(keep.sum()), dtype=np.int32)
    mapped = np.where(old >= 0, new_id[np.maximum(old, 0)], -1).astype(np.int32)
    index = {token: int(new_id[position]) for token, position in index.items() if keep[position]}
    return floor, index, array("i", mapped.tobytes())


def split_sentences(count, validation_fraction, seed, max_train):
    """Boolean mask of validation sentences, and of the training ones kept."""
    rng = np.random.default_rng(seed)
    validation = rng.random(count) < validation_fraction
    if count >= 2 and not validation.any():
        validation[rng.integers(count)] = True
    train = ~validation
    if max_train is not None:
        train &= np.cumsum(train) <= max_train
    return validation, train


def build_corpus(sentences, config, source, questions=None, skipped=0):
    """Vocabulary (from the training split only) and the id arrays of both splits."""
    ids, lengths, tokens = encode(sentences)
    if not len(ids):
        raise DataError(config.data or "default corpus", "no words in the text")
    sentence_of = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    validation, train = split_sentences(len(lengths), config.validation_fraction, config.seed,
                                        config.max_train_samples)
    in_train = train[sentence_of] & (ids >= 0)
    counts = np.bincount(ids[in_train], minlength=len(tokens))
    order = np.argsort(-counts, kind="stable")
    order = order[counts[order] >= config.min_count]
    if len(order) < 2:
        raise DataError(config.data or "default corpus",
                        f"fewer than 2 words occur at least --min-count {config.min_count} times")
    final = np.full(len(tokens) + 1, -1, dtype=np.int32)  # the last entry: pruned tokens (id -1)
    final[order] = np.arange(len(order), dtype=np.int32)
    mapped = final[ids]

    def split(mask):
        keep = mask & (mapped >= 0)
        return mapped[keep], sentence_of[keep]

    train_ids, train_sentences = split(in_train)
    val_ids, val_sentences = split(validation[sentence_of])
    log.info("corpus %s: %d sentences, %d training tokens, vocabulary %d (min count %d)",
             source, len(lengths), len(train_ids), len(order), config.min_count)
    return Corpus([tokens[i] for i in order], counts[order], train_ids, train_sentences,
                  val_ids, val_sentences, source, questions, skipped)


def load_corpus(config):
    """The corpus of `config.data` (default: generated), checked and split."""
    if not config.data:
        return build_corpus(corpus.generate(seed=config.seed), config, "generated",
                            questions=corpus.questions_text())
    bad = BadInputs(config.skip_bad)
    sentences = read_sentences(config.data, bad, config.max_sentence_length)
    built = build_corpus(sentences, config, str(config.data), skipped=0)
    built.skipped = bad.summary()
    return built


def has_validation(corpus, config):
    """Whether the held-out sentences give at least one training example."""
    if not len(corpus.val_ids):
        return False
    return config.model == "nnlm" or bool(np.any(np.bincount(corpus.val_sentences) >= 2))
