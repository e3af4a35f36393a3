"""Bad segmentation pairs and detection annotations for the bad-input table (see `bad_input_fixtures.py`)."""

from __future__ import annotations

import json

import numpy as np

from tests.detector.fixtures import write_coco, write_csv, write_voc
from tests.helpers import write_png
from tests.scaleout.bad_input_fixtures import corrupt_png
from tests.segmenter.fixtures import write_pairs

# segmentation pairs ---------------------------------------------------------

def segmenter_pairs(case):
    """images/ + masks/ (10 pairs, classes.txt) with one fault."""
    def make(tmp):
        root = write_pairs(tmp / "pairs", count=10, classes_file="names")
        mask, image = root / "masks" / "img03.png", root / "images" / "img03.png"
        if case == "wrong size":
            write_png(mask, np.zeros((10, 10), "uint8"))
            return root, "masks/img03.png", "mask is 10x10"
        if case == "out of range":
            write_png(mask, np.full((20, 24), 200, "uint8"))
            return root, "masks/img03.png", "outside the class set"
        if case == "no mask":
            (root / "masks" / "img05.png").unlink()
            return root, "images/img05.png", "no mask"
        if case == "no image":
            (root / "images" / "img05.png").unlink()
            return root, "masks/img05.png", "no image"
        if case == "colour mask":
            write_png(mask, np.stack([np.zeros((20, 24)), np.full((20, 24), 90), np.zeros((20, 24))], -1))
            return root, "masks/img03.png", "colour mask but no palette"
        target, content, words = {
            "zero-byte mask": (mask, b"", "empty file (0 bytes)"),
            "corrupt image": (image, corrupt_png(), "unreadable image"),
            "truncated image": (image, image.read_bytes()[:60], "unreadable image"),
            "text mask": (mask, b"just some text\n", "not an image"),
        }[case]
        target.write_bytes(content)
        return root, f"{target.parent.name}/{target.name}", words
    return make


def segmenter_classes(name, content, words):
    """Good pairs, and a bad classes file."""
    def make(tmp):
        root = write_pairs(tmp / "pairs", count=10)
        (root / name).write_bytes(content if isinstance(content, bytes) else content.encode())
        return root, name, words
    return make


def segmenter_empty(tmp):
    root = tmp / "pairs"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    return root, "pairs", "no image/mask pairs"


# detection annotations ------------------------------------------------------

def detector_csv(case):
    """labels.csv beside 6 generated scenes, with one fault."""
    def make(tmp):
        csv_path, _, _ = write_csv(tmp / "boxes", count=6)
        lines = csv_path.read_text().splitlines()
        fields = lines[1].split(",")
        image = csv_path.parent / fields[0]
        named = "labels.csv:2"
        if case in ("truncated", "zero-byte", "wrong-type", "corrupt"):
            content = {"truncated": image.read_bytes()[:200], "zero-byte": b"",
                       "wrong-type": b"just some text\n", "corrupt": corrupt_png()}[case]
            image.write_bytes(content)
            return csv_path, fields[0], {"zero-byte": "empty file", "wrong-type": "not an image"}.get(
                case, "unreadable image")
        edits = {
            "missing image": (lambda f: ["nope.jpg", *f[1:]], "not found"),
            "outside": (lambda f: [*f[:4], "10", "10", "60", "20"], "lies outside the 48x48 image"),
            "zero size": (lambda f: [*f[:4], "10", "10", "10", "20"], "zero or negative size"),
            "unknown class": (lambda f: [*f[:3], "zebra", *f[4:]], "unknown class name(s) zebra"),
            "not a number": (lambda f: [*f[:4], "three", *f[5:]], "could not convert string to float"),
            "missing column": (lambda f: f[:7], "7 fields instead of 8"),
        }
        edit, words = edits[case]
        lines[1] = ",".join(edit(fields))
        csv_path.write_text("\n".join(lines) + "\n")
        return csv_path, named, words
    return make


def detector_csv_file(content, words):
    """labels.csv (whole file replaced) beside 6 generated scenes."""
    def make(tmp):
        csv_path, _, _ = write_csv(tmp / "boxes", count=6)
        text = csv_path.read_bytes()
        csv_path.write_bytes(content(text))
        return csv_path, "labels.csv", words
    return make


def detector_coco(case):
    def make(tmp):
        path, _, _ = write_coco(tmp / "coco", count=6)
        if case == "malformed":
            path.write_text(path.read_text()[:-30])
            return path.parent.parent, "instances_train.json", "not a COCO instances file"
        document = json.loads(path.read_text())
        document["annotations"][1]["category_id"] = 99
        path.write_text(json.dumps(document))
        return path.parent.parent, "instances_train.json", "annotation 2 (id 2): unknown 99"
    return make


def detector_voc(case):
    def make(tmp):
        root, _, _ = write_voc(tmp / "voc", count=6)
        xml = root / "Annotations" / "img02.xml"
        text = xml.read_text()
        if case == "malformed":
            xml.write_text(text[:-20])
            return root, "Annotations/img02.xml", "not valid XML"
        xml.write_text(text.replace("<xmax>", "<xmax>x", 1))
        return root, "Annotations/img02.xml", "a box coordinate is missing or not a number"
    return make
