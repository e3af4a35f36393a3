"""Generators are reproducible; the CSV reader names the file and line of a bad row."""

import numpy as np
import pytest

from apps.foundations import data
from apps.foundations.config import MLPConfig
from shared.errors import DataError


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_generators_are_seeded_and_labelled():
    for make in (lambda s: data.two_spirals(100, 0.1, s), lambda s: data.two_moons(100, 0.1, s),
                 lambda s: data.separable_blobs(100, s)):
        x, y = make(3)
        again, _ = make(3)
        other, _ = make(4)
        np.testing.assert_array_equal(x, again)
        assert not np.array_equal(x, other)
        assert x.dtype == np.float32 and x.shape == (100, 2) and set(np.unique(y)) == {0.0, 1.0}


def test_separable_blobs_are_linearly_separable():
    from sklearn.svm import LinearSVC

    x, y = data.separable_blobs(200, 0)
    assert LinearSVC(C=100.0).fit(x, y).score(x, y) == 1.0


def test_split_is_deterministic_and_disjoint():
    x, y = data.two_moons(200, 0.1, 0)
    config = MLPConfig()
    first, second = data.split(x, y, config), data.split(x, y, config)
    np.testing.assert_array_equal(first.x_test, second.x_test)
    sizes = (len(first.y_train), len(first.y_val), len(first.y_test))
    assert sum(sizes) == 200 and sizes[2] == 40
    rows = {tuple(row) for row in first.x_train}
    assert not rows & {tuple(row) for row in first.x_test}


def test_read_csv_with_header_and_minus_one_labels(tmp_path):
    rows = "\n".join(f"{i},{-i},{1 if i % 2 else -1}" for i in range(12))
    x, y = data.read_csv(write(tmp_path / "points.csv", "x1,x2,label\n" + rows + "\n"))
    assert x.shape == (12, 2) and y.tolist() == [float(i % 2) for i in range(12)]


@pytest.mark.parametrize("text, problem", [
    ("1,2,0\n1,x,1\n", ":2: not a number"),
    ("1,2,0\n1,2,3,1\n", ":2: expected 3 columns"),
    ("1,2,0\n1,2,7\n", ":2: label must be 0/1 or -1/1"),
    ("1,2,0\n" * 12, "both classes"),
])
def test_read_csv_names_the_bad_line(tmp_path, text, problem):
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(DataError, match=problem) as error:
        data.read_csv(path)
    assert str(path) in str(error.value)


def test_read_csv_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        data.read_csv(tmp_path / "absent.csv")


def test_mle_generators_follow_their_parameters():
    x, y = data.linear_gaussian(20000, [2.0, -1.0], 0.5, 0.1, 0)
    design = np.hstack([x, np.ones((len(x), 1))])
    np.testing.assert_allclose(np.linalg.lstsq(design, y, rcond=None)[0], [2.0, -1.0, 0.5], atol=0.01)
    x, y = data.logistic_bernoulli(20000, [0.0], 0.0, 0)
    assert abs(y.mean() - 0.5) < 0.02
