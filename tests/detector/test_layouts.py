"""Annotations and images found wherever users keep them (fixtures written here)."""

import shutil

import numpy as np
import pytest
from PIL import Image

from apps.detector import formats, layouts
from apps.detector.data import load_files
from shared.data import resize_images
from tests.detector.fixtures import boxes_close, write_csv, write_voc


def move_voc(root, notes, images):
    """write_voc's Annotations/ and JPEGImages/ renamed to `notes` and `images` (any depth)."""
    (root / notes).parent.mkdir(parents=True, exist_ok=True)
    (root / images).parent.mkdir(parents=True, exist_ok=True)
    shutil.move(root / "Annotations", root / notes)
    shutil.move(root / "JPEGImages", root / images)


@pytest.mark.parametrize("notes, images", [
    ("annotations", "images"), ("XML", "img"), ("annots", "Images"), ("labels", "photos"),
    ("VOC2012/Annotations", "VOC2012/JPEGImages"), ("Annotations", "any-name"),
])
def test_each_voc_layout_is_found_with_its_images(notes, images, tmp_path):
    root, boxes, names = write_voc(tmp_path / "set")
    move_voc(root, notes, images)
    assert formats.detect_format(root) == "voc"
    examples, class_names, skipped = load_files(root, 48)
    assert skipped == 0 and len(examples) == 4
    assert boxes_close(examples.boxes[0], boxes[0])
    assert [class_names[c] for c in examples.classes[0]] == names[0]


def test_images_match_by_name_in_any_case_or_by_stem(tmp_path):
    root, boxes, _ = write_voc(tmp_path / "set")
    xml = root / "Annotations" / "img00.xml"
    xml.write_text(xml.read_text().replace("<filename>img00.jpg</filename>", "<filename>IMG00.JPG</filename>"))
    xml = root / "Annotations" / "img01.xml"
    xml.write_text(xml.read_text().replace("<filename>img01.jpg</filename>", "<filename>img01</filename>"))
    xml = root / "Annotations" / "img02.xml"
    xml.write_text(xml.read_text().replace("<filename>img02.jpg</filename>", ""))  # named like the XML
    examples, _, skipped = load_files(root, 48)
    assert skipped == 0 and [name.rsplit("/", 1)[-1] for name in examples.names] == [
        "img00.jpg", "img01.jpg", "img02.jpg", "img03.jpg"]
    assert boxes_close(examples.boxes[1], boxes[1])


def test_a_csv_names_images_relative_to_a_sibling_images_folder(tmp_path):
    root = tmp_path / "set"
    csv_path, boxes, names = write_csv(root / "images")
    (root / "data").mkdir()
    moved = shutil.move(csv_path, root / "data" / "train_labels.csv")
    by_file, class_names, _ = load_files(moved, 48)
    assert len(by_file) == 4 and boxes_close(by_file.boxes[2], boxes[2])
    assert formats.detect_format(root) == "csv"  # a folder of CSV files (one level down)
    by_folder, _, _ = load_files(root, 48)
    np.testing.assert_array_equal(by_folder.images, by_file.images)
    assert [class_names[c] for c in by_file.classes[0]] == names[0]


def test_voc_folder_and_its_csv_load_identically(tmp_path):
    """images/ + annotations/*.xml + data/labels.csv (names relative to images/): one data set."""
    root, _, _ = write_voc(tmp_path / "set")
    move_voc(root, "annotations", "images")
    lines = ["filename,width,height,class,xmin,ymin,xmax,ymax"]
    for xml in sorted((root / "annotations").glob("*.xml")):
        record = formats.read_voc(xml, None)
        for box, name in zip(record.boxes, record.names):
            lines.append(",".join([record.image.name, "48", "48", name, *(f"{v:g}" for v in box)]))
    (root / "data").mkdir()
    (root / "data" / "labels.csv").write_text("\n".join(lines) + "\n")
    from_xml, from_csv = load_files(root, 48), load_files(root / "data" / "labels.csv", 48)
    np.testing.assert_array_equal(from_xml[0].images, from_csv[0].images)
    assert from_xml[1] == from_csv[1]
    for a, b in zip(from_xml[0].boxes, from_csv[0].boxes):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_a_jpg_that_is_a_png_and_xml_sizes_of_zero_load(tmp_path):
    root, boxes, _ = write_voc(tmp_path / "set")
    image = root / "JPEGImages" / "img00.jpg"
    pixels = np.asarray(Image.open(image))
    Image.fromarray(pixels).save(image, format="PNG")  # the extension lies
    assert image.read_bytes()[:4] == b"\x89PNG"
    for xml in (root / "Annotations").glob("*.xml"):
        xml.write_text(xml.read_text().replace("<width>48</width><height>48</height>",
                                               "<width>0</width><height>0</height>"))
    examples, _, skipped = load_files(root, 96)
    assert skipped == 0 and len(examples) == 4
    np.testing.assert_array_equal(examples.images[0], resize_images(pixels, 96))  # the PNG's own pixels
    assert boxes_close(examples.boxes[0], boxes[0], scale=2.0)  # sizes read from the image (48 px)


def test_xml_is_found_only_at_the_shallowest_level_holding_it(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.xml").write_text("<annotation/>")
    (tmp_path / "b" / "c").mkdir(parents=True)
    (tmp_path / "b" / "c" / "y.xml").write_text("<annotation/>")
    assert [p.name for p in layouts.voc_files(tmp_path)] == ["x.xml"]
    assert [p.name for p in layouts.voc_files(tmp_path / "b")] == ["y.xml"]
    assert layouts.voc_files(tmp_path / "a" / "x.xml") == []
