"""Loaders of every format on fixtures the tests write, good and bad."""

import json

import numpy as np
import pytest

from apps.detector import formats
from apps.detector.config import DetectorConfig
from apps.detector.data import load_data, load_files
from apps.detector.scenes import CLASS_NAMES, generate_scenes
from shared.errors import DataError, UsageError
from tests.detector.fixtures import boxes_close, truncate, write_coco, write_csv, write_voc


def test_scenes_are_deterministic_with_exact_boxes():
    images, boxes, classes = generate_scenes(6, 64, seed=5)
    again = generate_scenes(6, 64, seed=5)
    np.testing.assert_array_equal(images, again[0])
    assert all(1 <= len(b) <= 6 and len(b) == len(c) for b, c in zip(boxes, classes))
    for box in np.concatenate(boxes):
        assert 0 <= box[0] < box[2] <= 64 and 0 <= box[1] < box[3] <= 64
    assert not np.array_equal(images, generate_scenes(6, 64, seed=6)[0])


def test_default_data_splits_and_sizes():
    data = load_data(DetectorConfig(num_scenes=40, max_train_samples=10))
    assert len(data.train) == 10 and len(data.validation) + len(data.test) == 14
    assert data.image_size == 64 and data.class_names == CLASS_NAMES
    assert data.train.images.shape == (10, 64, 64, 3)


def test_box_formats_convert_in_one_place():
    assert formats.to_xyxy([1, 1, 10, 10], "voc") == [0, 0, 10, 10]
    assert formats.to_xyxy([2, 3, 4, 5], "coco") == [2, 3, 6, 8]
    assert formats.to_xyxy([2, 3, 4, 5], "corners") == [2, 3, 4, 5]


@pytest.mark.parametrize("writer", ["voc", "voc-flat", "coco", "csv"])
def test_each_format_loads_boxes_scaled_to_the_image_size(writer, tmp_path):
    if writer == "coco":
        path, boxes, names = write_coco(tmp_path)
    elif writer == "csv":
        path, boxes, names = write_csv(tmp_path)
    else:
        path, boxes, names = write_voc(tmp_path, layout="pascal" if writer == "voc" else "flat")
    assert formats.detect_format(path) == writer.split("-")[0]
    examples, class_names, skipped = load_files(path, 96)
    assert skipped == 0 and len(examples) == 4
    assert class_names == sorted({n for image_names in names for n in image_names})
    assert examples.images.shape == (4, 96, 96, 3)
    assert boxes_close(examples.boxes[0], boxes[0], scale=2.0)  # 48 -> 96 px
    assert [class_names[c] for c in examples.classes[0]] == names[0]


def test_truncated_image_fails_naming_it_or_is_skipped(tmp_path):
    root, _, _ = write_voc(tmp_path)
    truncate(root / "JPEGImages" / "img01.jpg")
    with pytest.raises(DataError, match="img01.jpg: unreadable image"):
        load_files(root, 64)
    examples, _, skipped = load_files(root, 64, skip_bad=True)
    assert skipped == 1 and len(examples) == 3


def test_missing_image_names_the_annotation(tmp_path):
    root, _, _ = write_voc(tmp_path)
    (root / "JPEGImages" / "img02.jpg").unlink()
    with pytest.raises(DataError, match=r"Annotations/img02.xml: image .*img02.jpg not found"):
        load_files(root, 64)


def test_box_outside_image_and_zero_size_box_fail_with_the_csv_line(tmp_path):
    csv_path, _, _ = write_csv(tmp_path)
    lines = csv_path.read_text().splitlines()
    lines.append("img03.jpg,48,48,ellipse,10,10,60,20")
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"labels.csv:\d+: img03.jpg: box .* outside the 48x48 image"):
        load_files(csv_path, 64)
    lines[-1] = "img03.jpg,48,48,ellipse,10,10,10,20"
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="zero or negative size"):
        load_files(csv_path, 64)


def test_unknown_class_name_and_bad_row(tmp_path):
    csv_path, _, _ = write_csv(tmp_path)
    with pytest.raises(DataError, match="unknown class name"):
        load_files(csv_path, 64, class_names=["ellipse"])
    csv_path.write_text(csv_path.read_text() + "img00.jpg,48,48,ellipse,1,2,three,4\n")
    with pytest.raises(DataError, match=r"labels.csv:\d+: cannot read the row"):
        load_files(csv_path, 64)
    examples, _, skipped = load_files(csv_path, 64, skip_bad=True)
    assert skipped == 1 and len(examples) == 4


def test_coco_unknown_category_and_bad_xml(tmp_path):
    json_path, _, _ = write_coco(tmp_path / "coco")
    document = json.loads(json_path.read_text())
    document["annotations"][0]["category_id"] = 99
    json_path.write_text(json.dumps(document))
    with pytest.raises(DataError, match="instances_train.json: annotation 1 .*unknown 99"):
        load_files(json_path.parent.parent, 64)
    root, _, _ = write_voc(tmp_path / "voc")
    (root / "Annotations" / "img00.xml").write_text("<annotation><filename>")
    with pytest.raises(DataError, match="img00.xml: not valid XML"):
        load_files(root, 64)


def test_no_detection_data_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no detection data"):
        formats.detect_format(tmp_path)
