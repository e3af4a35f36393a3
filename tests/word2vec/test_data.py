"""Tokenisation and the text loaders: files, folders, text8, gzip/bz2, bad bytes."""

import bz2
import gzip

import numpy as np
import pytest

from apps.word2vec import corpus, data
from apps.word2vec.config import Word2VecConfig
from apps.word2vec.data import load_corpus, read_sentences, tokenize
from shared.data import BadInputs
from shared.errors import DataError, UsageError


def sentences(path, skip_bad=False, max_length=1000):
    bad = BadInputs(skip_bad)
    return list(read_sentences(path, bad, max_length)), bad


def test_tokenize_lowercases_and_splits_punctuation():
    text = "Don't stop, O'er the well-known Café_bar -- 42 times!  Ελλάδα."
    assert tokenize(text) == ["don't", "stop", "o'er", "the", "well", "known", "café", "bar", "42", "times", "ελλάδα"]


def test_folder_is_read_in_sorted_order_one_sentence_per_line(tmp_path):
    (tmp_path / "b.txt").write_text("third line\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("First line.\n\nSecond, line\n", encoding="utf-8")
    (tmp_path / ".hidden").write_text("never read\n", encoding="utf-8")
    found, _ = sentences(tmp_path)
    assert found == [["first", "line"], ["second", "line"], ["third", "line"]]
    found, _ = sentences(f"{tmp_path / 'b.txt'},{tmp_path / 'a.txt'}")  # several files, in the order given
    assert found == [["third", "line"], ["first", "line"], ["second", "line"]]


def test_text8_layout_is_cut_into_sentences(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "BLOCK_BYTES", 16)  # many blocks, words cut only at spaces
    words = [f"w{i % 7}" for i in range(25)]
    (tmp_path / "text8").write_text(" " + " ".join(words), encoding="utf-8")
    found, _ = sentences(tmp_path / "text8", max_length=10)
    assert [len(s) for s in found] == [10, 10, 5]
    assert sum(found, []) == words


@pytest.mark.parametrize("opener", [gzip.open, bz2.open])
def test_compressed_files_are_detected_by_content(tmp_path, opener):
    path = tmp_path / "corpus.data"  # no telling suffix
    with opener(path, "wt", encoding="utf-8") as out:
        out.write("the cat sat\non the mat\n")
    assert sentences(path)[0] == [["the", "cat", "sat"], ["on", "the", "mat"]]


def test_bad_bytes_name_the_file_and_offset(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words\nmore \xff\xfe words\n")
    with pytest.raises(DataError) as error:
        sentences(path)
    assert str(error.value) == f"{path}: not UTF-8 text: invalid byte 0xff at byte offset 16"
    found, bad = sentences(path, skip_bad=True)
    assert found == [["good", "words"], ["more", "words"]] and bad.count == 1


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(UsageError, match="no such file or folder"):
        sentences(tmp_path / "nope")
    with pytest.raises(DataError, match="no text files"):
        sentences(tmp_path)


def test_corpus_vocabulary_and_splits(tmp_path):
    text = "".join(f"alpha beta gamma line{i % 3}\n" for i in range(200)) + "rare\n"
    (tmp_path / "c.txt").write_text(text, encoding="utf-8")
    config = Word2VecConfig(data=str(tmp_path / "c.txt"), min_count=5, validation_fraction=0.1)
    built = load_corpus(config)
    assert built.words[:3] == ["alpha", "beta", "gamma"] and "rare" not in built.words
    assert list(built.counts) == sorted(built.counts, reverse=True)
    assert set(built.train_sentences).isdisjoint(built.val_sentences)
    assert len(built.train_ids) + len(built.val_ids) == 800
    assert built.counts.sum() == len(built.train_ids)  # the vocabulary counts the training split only


def test_generated_corpus_plants_the_analogy_words():
    sentences = corpus.generate(sentences=2000, seed=3)
    assert sentences == corpus.generate(sentences=2000, seed=3)
    words = set(sum(sentences, []))
    rows = [row for _, section in corpus.questions() for row in section]
    assert len(rows) == 5 * 12 * 11
    assert {"paris", "france", "queen", "apples", "swam", "colder"} <= words
    lengths = np.array([len(s) for s in sentences])
    assert lengths.min() >= 7 and lengths.max() <= 11


@pytest.mark.parametrize("separator", ["\t", "\r", "\r\n", "\f"])
def test_any_ascii_whitespace_cuts_blocks_so_reading_is_linear(tmp_path, monkeypatch, separator):
    monkeypatch.setattr(data, "BLOCK_BYTES", 64)
    words = [f"wörd{i % 13}" for i in range(2000)]
    path = tmp_path / "tabbed.txt"
    path.write_bytes(separator.join(words).encode("utf-8"))
    carried = []
    original = data.cut_point
    monkeypatch.setattr(data, "cut_point", lambda block: carried.append(len(block)) or original(block))
    found, _ = sentences(path, max_length=10_000)
    assert sum(found, []) == words
    assert max(carried) < 64 + 16  # never more than one block plus one word: no growing buffer


def test_a_block_without_whitespace_is_cut_on_a_character_boundary(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "BLOCK_BYTES", 7)
    path = tmp_path / "one-word.txt"
    path.write_text("é" * 50, encoding="utf-8")  # 2-byte characters, no whitespace at all
    found, bad = sentences(path)
    assert "".join(sum(found, [])) == "é" * 50 and bad.summary() == 0


def test_distinct_tokens_are_pruned_while_counting():
    stream = [["a", "b", "a"], ["c", "d", "a", "b"], ["e", "f", "g"], ["a", "h"]]
    ids, lengths, words = data.encode(stream, max_distinct=4)
    assert words[:2] == ["a", "b"] and len(words) <= 4 + 1
    assert list(lengths) == [3, 4, 3, 2]
    decoded = [words[i] if i >= 0 else None for i in ids]
    assert decoded[:7] == ["a", "b", "a", None, None, "a", "b"]  # c and d pruned (seen once)
    assert decoded[-2:] == ["a", "h"]
    unpruned_ids, _, unpruned = data.encode(stream)
    assert len(unpruned) == 8 and (unpruned_ids >= 0).all()
