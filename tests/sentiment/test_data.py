"""The sentiment loaders on fixtures written in the real formats, good and bad."""

import importlib.util

import numpy as np
import pytest

from apps.sentiment import formats, main
from apps.sentiment.config import SentimentConfig
from apps.sentiment.data import load_data
from apps.sentiment.generate import generate_reviews, split_templates, templates
from apps.sentiment.model import embedding_matrix, read_word_vectors
from shared.cli import run
from shared.errors import DataError, UsageError


def config_for(path, **overrides):
    return SentimentConfig(data=str(path), **overrides)


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def tsv(rows, header="sentence\tlabel"):
    return header + "\n" + "".join(f"{text}\t{label}\n" for text, label in rows)


ROWS = [(f"a {'fine' if i % 2 else 'dull'} film number {i} .", i % 2) for i in range(40)]


def test_default_data_is_deterministic_balanced_and_template_disjoint():
    first, second = generate_reviews(2000, seed=3), generate_reviews(2000, seed=3)
    np.testing.assert_array_equal(first[2][0], second[2][0])
    (x_train, y_train), _, (x_test, y_test) = first
    assert not set(x_train) & set(x_test)
    assert 0.4 < y_train.mean() < 0.6 and 0.4 < y_test.mean() < 0.6
    contrast, _ = templates()
    train, validation, test = split_templates(contrast, np.random.default_rng(0))
    assert not set(train) & set(test) and not set(validation) & set(test)
    assert len(train) + len(validation) + len(test) == len(contrast)


def test_a_bag_of_words_cannot_read_the_default_labels():
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    (x_train, y_train), _, (x_test, y_test) = generate_reviews(6000, seed=0)
    vectorizer = CountVectorizer(ngram_range=(1, 1)).fit(x_train)
    model = LogisticRegression(max_iter=2000).fit(vectorizer.transform(x_train), y_train)
    assert model.score(vectorizer.transform(x_test), y_test) < 0.7


def test_sst2_folder_uses_its_splits_and_readable_names(tmp_path):
    for name, count in (("train", 40), ("dev", 10), ("test", 12)):
        write(tmp_path / "sst2" / f"{name}.tsv", tsv(ROWS[:count]))
    data = load_data(config_for(tmp_path / "sst2"))
    assert data.class_names == ["negative", "positive"] and data.labels == ["0", "1"]
    assert (len(data.y_train), len(data.y_val), len(data.y_test)) == (40, 10, 12)
    assert data.x_train[1] == "a fine film number 1 ." and data.y_train[1] == 1


def test_single_csv_with_named_columns_is_split(tmp_path):
    body = "id,review,stars\n" + "".join(f'{i},"good, {i} times",{"pos" if i % 2 else "neg"}\n' for i in range(50))
    path = write(tmp_path / "reviews.csv", body)
    data = load_data(config_for(path, text_column="review", label_column="stars"))
    assert data.class_names == ["neg", "pos"]
    assert len(data.y_train) + len(data.y_val) + len(data.y_test) == 50
    assert "good, 3 times" in set(data.x_train) | set(data.x_val) | set(data.x_test)


def test_missing_label_column_names_the_file_and_header(tmp_path):
    path = write(tmp_path / "train.tsv", "sentence\tscore\nfine\t1\n")
    with pytest.raises(DataError, match=r"train.tsv:1: no label column .*header: sentence, score"):
        load_data(config_for(path))


def test_non_utf8_line_fails_or_is_skipped(tmp_path):
    body = tsv(ROWS[:20]).encode() + b"caf\xe9 au lait\t1\n" + tsv(ROWS[20:], header="").lstrip().encode()
    path = write(tmp_path / "train.tsv", body)
    with pytest.raises(DataError, match=r"train.tsv:22: not valid utf-8 text \(byte 0xe9\)"):
        load_data(config_for(path))
    data = load_data(config_for(path, skip_bad=True))
    assert data.skipped == 1 and len(data.y_train) + len(data.y_val) + len(data.y_test) == 40
    latin = load_data(config_for(path, encoding="latin-1"))
    assert "café au lait" in set(latin.x_train) | set(latin.x_val) | set(latin.x_test)


def test_empty_text_and_undeclared_label_name_their_line(tmp_path):
    path = write(tmp_path / "train.tsv", tsv(ROWS[:5] + [("   ", 1)] + ROWS[5:]))
    with pytest.raises(DataError, match=r"train.tsv:7: empty text"):
        load_data(config_for(path))
    path = write(tmp_path / "labels.tsv", tsv(ROWS[:8] + [("so so", 2)] + ROWS[8:]))
    with pytest.raises(DataError, match=r"labels.tsv:10: label '2' is not one of the declared labels 0, 1"):
        load_data(config_for(path, labels="0,1"))
    assert load_data(config_for(path, labels="0,1", skip_bad=True)).skipped == 1


def test_short_row_is_reported(tmp_path):
    path = write(tmp_path / "train.tsv", tsv(ROWS[:3]) + "no label here\n")
    with pytest.raises(DataError, match=r"train.tsv:5: 1 field\(s\)"):
        load_data(config_for(path))


def write_imdb(root, per_class=6):
    for split in ("train", "test"):
        for label, word in (("pos", "wonderful"), ("neg", "awful")):
            for index in range(per_class):
                write(root / split / label / f"{index}_7.txt", f"A {word} film.<br /><br />Truly {word} {index}.")
    return root


def test_aclimdb_layout_keeps_its_test_split(tmp_path):
    root = write_imdb(tmp_path / "aclImdb", per_class=10)
    data = load_data(config_for(root))
    assert data.class_names == ["negative", "positive"]
    assert len(data.y_test) == 20 and len(data.y_train) + len(data.y_val) == 20
    assert "<br />" not in " ".join(data.x_test)


def test_aclimdb_bad_bytes_name_the_review_file(tmp_path):
    root = write_imdb(tmp_path / "aclImdb")
    write(root / "train" / "neg" / "9_1.txt", b"fine first line\nbad \xff byte")
    with pytest.raises(DataError, match=r"9_1.txt:2: not valid utf-8"):
        load_data(config_for(root))
    assert load_data(config_for(root, skip_bad=True)).skipped == 1


def test_sentence_polarity_files(tmp_path):
    write(tmp_path / "rt" / "rt-polarity.pos", "".join(f"a gem , part {i} .\n" for i in range(15)))
    write(tmp_path / "rt" / "rt-polarity.neg", "".join(f"a mess , part {i} .\n" for i in range(15)))
    for spec in (tmp_path / "rt", tmp_path / "rt" / "rt-polarity.neg"):
        data = load_data(config_for(spec))
        texts = np.concatenate([data.x_train, data.x_val, data.x_test])
        labels = np.concatenate([data.y_train, data.y_val, data.y_test])
        assert data.class_names == ["negative", "positive"] and len(texts) == 30
        assert all(("gem" in t) == bool(y) for t, y in zip(texts, labels))


def test_tfds_without_the_package_is_a_clear_usage_error(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(formats.importlib.util, "find_spec",
                        lambda name, *a: None if name == "tensorflow_datasets" else real(name, *a))
    with pytest.raises(UsageError, match="tfds:imdb_reviews needs TensorFlow Datasets: pip install tensorflow-datasets"):
        load_data(SentimentConfig(data="tfds:imdb_reviews"))


def test_unknown_folder_layout(tmp_path):
    write(tmp_path / "odd" / "notes.md", "hello")
    with pytest.raises(DataError, match="no known layout"):
        load_data(config_for(tmp_path / "odd"))


def test_bad_input_exits_2_with_one_line_and_no_run_folder(tmp_path, capsys):
    path = write(tmp_path / "train.tsv", tsv(ROWS[:3] + [("", 1)]))
    code = run(main, ["train", "--data", str(path), "--run-dir", str(tmp_path / "run")], prog="sentiment")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == [f"sentiment: error: {path}:5: empty text"]
    assert not (tmp_path / "run").exists()


def test_word2vec_text_vectors_fill_the_embedding(tmp_path):
    path = write(tmp_path / "v.txt", "2 3\nfine 1 2 3\ndull -1 0 0.5\n")
    vectors = read_word_vectors(path)
    matrix, found = embedding_matrix(["", "[UNK]", "fine", "plot", "dull"], vectors, seed=0)
    assert found == 2 and matrix.shape == (5, 3)
    np.testing.assert_array_equal(matrix[2], [1, 2, 3])
    np.testing.assert_array_equal(matrix[0], 0)
    write(tmp_path / "bad.txt", "2 3\nfine 1 2 3\ndull 1 2\n")
    with pytest.raises(DataError, match=r"bad.txt:3: 2 numbers, expected 3"):
        read_word_vectors(tmp_path / "bad.txt")


@pytest.mark.parametrize("values, message", [
    ({"model": "bow", "attention": True}, "attention applies to the recurrent models"),
    ({"dropout": 1.0}, "dropout must be in"),
    ({"model": "cnn"}, "model must be one of"),
])
def test_config_rejects_bad_values(values, message):
    with pytest.raises(ValueError, match=message):
        SentimentConfig(**values)


def test_sample_caps_are_deterministic(tmp_path):
    for name, count in (("train", 40), ("dev", 30), ("test", 12)):
        write(tmp_path / "sst2" / f"{name}.tsv", tsv(ROWS[:count]))
    first = load_data(config_for(tmp_path / "sst2", max_train_samples=10, max_validation_samples=5))
    second = load_data(config_for(tmp_path / "sst2", max_train_samples=10, max_validation_samples=5))
    assert (len(first.y_train), len(first.y_val), len(first.y_test)) == (10, 5, 12)
    assert first.x_val.tolist() == second.x_val.tolist() and set(first.x_train) <= {t for t, _ in ROWS}
