"""Annotation and class files of the wrong shape: one line naming the file, never a traceback."""

import json

import pytest

from apps.detector.formats import read_coco
from apps.segmenter.formats import read_classes
from shared.data import BadInputs
from shared.errors import DataError


@pytest.mark.parametrize("name, text, words", [
    ("classes.json", "5", "expected a list of class names"),
    ("classes.json", "[1, 2]", "expected a list of class names"),
    ("classes.json", "[" * 200 + "]" * 200, "nested deeper than 64"),
    ("classes.csv", "name,r,g,b\nbg,0,0\n", r"classes.csv:2: 3 cell\(s\) for the 4 columns"),
])
def test_segmenter_class_files_of_the_wrong_shape(tmp_path, name, text, words):
    (tmp_path / name).write_text(text)
    with pytest.raises(DataError, match=words):
        read_classes(tmp_path)


def test_blank_lines_in_classes_csv_are_skipped_and_lines_kept(tmp_path):
    (tmp_path / "classes.csv").write_text("name,r,g,b\n\nbg,0,0,0\n\ncat,1,2,3\n")
    names, palette = read_classes(tmp_path)
    assert names == ["bg", "cat"] and palette.tolist() == [[0, 0, 0], [1, 2, 3]]


@pytest.mark.parametrize("document, words", [
    ({"images": [{"id": 1}], "categories": [], "annotations": []}, "image 1 has no 'file_name'"),
    ({"images": [{"id": 1, "file_name": 3}], "categories": [], "annotations": []}, "image 1 has no 'file_name'"),
    ({"images": "x", "categories": [], "annotations": []}, "not a COCO instances file"),
])
def test_coco_files_of_the_wrong_shape(tmp_path, document, words):
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(document))
    with pytest.raises(DataError, match=words):
        read_coco(path, BadInputs(False))


def test_deeply_nested_coco_json_is_one_line(tmp_path):
    path = tmp_path / "instances.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataError, match="not a COCO instances file"):
        read_coco(path, BadInputs(False))
