"""Analogy and similarity evaluators on hand-made vectors; vector files round trip."""

import numpy as np
import pytest

from apps.word2vec import evaluation
from apps.word2vec.vectors import metadata_path, read_word2vec, write_vectors
from shared.errors import DataError

# man->woman and king->queen differ by the same offset; apple is far away.
WORDS = ["man", "woman", "king", "queen", "apple", "prince"]
VECTORS = np.array([[1, 0, 0], [1, 1, 0], [3, 0, 0.2], [3, 1, 0.2], [0, 0, 5], [3, -0.5, 0.3]], dtype="float32")


def test_analogy_3cosadd_sections_and_oov():
    sections = evaluation.parse_questions(
        ": gender\nman woman king queen\nMAN WOMAN king prince\n: other\nman woman zebra apple\n")
    result = evaluation.analogy_accuracy(VECTORS, WORDS, sections)
    assert result["sections"]["gender"] == {"accuracy": 0.5, "questions": 2, "oov": 0}
    assert result["sections"]["other"]["oov"] == 1 and result["oov"] == 1
    assert result["accuracy"] == 0.5 and result["questions"] == 2


def test_answer_never_returns_a_question_word():
    ids = np.array([[0, 0, 0]])
    assert evaluation.answer(evaluation.unit(VECTORS), ids)[0] != 0


def test_bad_question_line_names_the_line():
    with pytest.raises(DataError, match="questions:3: expected 4 words"):
        evaluation.parse_questions(": a\nman woman king queen\nman woman\n")


def test_similarity_spearman_on_known_ranking(tmp_path):
    path = tmp_path / "ws.tsv"
    path.write_text("# comment\n# Word 1\tWord 2\tHuman\nman\twoman\t5\nman\tking\t9\nman\tapple\t1\n"
                    "man\tunknownword\t3\n", encoding="utf-8")
    scores = evaluation.similarity_correlation(VECTORS, WORDS, evaluation.read_similarity(path))
    assert scores == {"spearman": pytest.approx(1.0), "pairs": 3, "oov": 1}


def test_simlex_header_selects_its_column(tmp_path):
    path = tmp_path / "SimLex-999.txt"
    path.write_text("word1\tword2\tPOS\tSimLex999\tconc(w1)\nman\twoman\tN\t1.5\t4.0\nman\tapple\tN\t8.0\t1.0\n"
                    "king\tqueen\tN\t2.0\t9.0\n", encoding="utf-8")
    assert evaluation.read_similarity(path) == [("man", "woman", 1.5), ("man", "apple", 8.0), ("king", "queen", 2.0)]
    path.write_text("word1\tword2\tPOS\tSimLex999\nman\twoman\tN\tlots\n", encoding="utf-8")
    with pytest.raises(DataError, match="SimLex-999.txt:2: expected word1, word2 and a numeric score"):
        evaluation.read_similarity(path)


def test_nearest_neighbours_by_cosine():
    found = evaluation.nearest(VECTORS, VECTORS[2], k=2, exclude=[2])
    assert [WORDS[i] for i, _ in found] == ["man", "prince"]


@pytest.mark.parametrize("fmt", ["word2vec-text", "word2vec-binary"])
def test_word2vec_files_round_trip(tmp_path, fmt):
    path = tmp_path / "v.out"
    write_vectors(path, WORDS, VECTORS, fmt)
    words, vectors = read_word2vec(path)
    assert words == WORDS
    np.testing.assert_array_equal(vectors, VECTORS)


@pytest.mark.parametrize("fmt", ["word2vec-text", "word2vec-binary"])
def test_gensim_reads_our_files(tmp_path, fmt):
    gensim = pytest.importorskip("gensim", reason="gensim is not installed (pip install -e .[dev] adds it)")
    path = tmp_path / "v.out"
    write_vectors(path, WORDS, VECTORS, fmt)
    loaded = gensim.models.KeyedVectors.load_word2vec_format(str(path), binary=fmt == "word2vec-binary")
    assert loaded.index_to_key == WORDS
    np.testing.assert_allclose(loaded.vectors, VECTORS, rtol=1e-7)


def test_tsv_files_for_the_projector(tmp_path):
    files = write_vectors(tmp_path / "vectors.tsv", WORDS, VECTORS, "tsv")
    assert files[1] == str(metadata_path(tmp_path / "vectors.tsv")) == str(tmp_path / "metadata.tsv")
    np.testing.assert_allclose(np.loadtxt(tmp_path / "vectors.tsv", delimiter="\t"), VECTORS)
    assert (tmp_path / "metadata.tsv").read_text(encoding="utf-8").split("\n")[:-1] == WORDS
