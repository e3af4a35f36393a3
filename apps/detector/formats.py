"""Annotation formats: Pascal VOC XML, COCO JSON and the flat CSV.

Each reader returns `Record`s: one image file with its boxes in `xyxy`
pixels (continuous coordinates) and class names. Box formats are
converted in one place, `to_xyxy`. Structural problems (unparsable files,
missing fields, boxes of zero size) are reported with the annotation file
(and line) through `BadInputs`; image checks happen in `data.py`.

Detection from the path (`detect_format`):
- a `.csv` file: `filename,width,height,class,xmin,ymin,xmax,ymax`;
- a `.json` file, or a folder with `instances_*.json` (or
  `annotations/instances_*.json`): COCO;
- a folder with `*.xml` (itself or sub-folders of any name, see
  `layouts.py`): Pascal VOC;
- a folder with `.csv` files and no XML or COCO file: the flat CSV.
Images are found by `layouts.find_image` (the usual sibling folders).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from apps.detector import layouts
from shared.data import csv_rows, utf8_text
from shared.errors import DataError, UsageError

CSV_COLUMNS = ["filename", "width", "height", "class", "xmin", "ymin", "xmax", "ymax"]


@dataclass
class Record:
    """One annotated image; `source` (and `line`) locate its annotation."""

    image: Path
    source: Path
    boxes: list = field(default_factory=list)
    names: list = field(default_factory=list)
    line: int | None = None


def to_xyxy(values, box_format):
    """The one conversion to xyxy pixels: voc (1-based inclusive corners),
    coco (x, y, width, height) or corners (xmin, ymin, xmax, ymax)."""
    a, b, c, d = (float(v) for v in values)
    if not np.all(np.isfinite([a, b, c, d])):
        raise ValueError(f"a box coordinate is not a finite number ({', '.join(map(str, values))})")
    if box_format == "voc":
        return [a - 1.0, b - 1.0, c, d]
    if box_format == "coco":
        return [a, b, a + c, b + d]
    return [a, b, c, d]


def detect_format(path):
    path = Path(path)
    if not path.exists():
        raise UsageError(f"--data {path}: no such file or folder")
    if path.suffix.lower() == ".csv":
        return "csv"
    if path.suffix.lower() == ".json" or coco_files(path):
        return "coco"
    if voc_files(path):
        return "voc"
    if layouts.csv_files(path):
        return "csv"
    raise UsageError(f"--data {path}: no detection data found (expected a .csv file, a COCO "
                     "instances_*.json, or Pascal VOC *.xml files in the folder or its sub-folders)")


def coco_files(path):
    if path.is_file():
        return [path]
    return sorted(path.glob("instances_*.json")) + sorted(path.glob("annotations/instances_*.json"))


def voc_files(path):
    return layouts.voc_files(path)


def read_records(path, bad):
    """All records of the data set at `path` (format detected)."""
    kind = detect_format(path)
    path = Path(path)
    layouts.forget()
    if kind == "csv":
        files = [path] if path.is_file() else layouts.csv_files(path)
        return unique_images([record for file in files for record in read_csv(file, bad)])
    if kind == "coco":
        return [record for file in coco_files(path) for record in read_coco(file, bad)]
    return [record for record in (read_voc(file, bad) for file in voc_files(path)) if record]


def unique_images(records):
    """The first record of each image file (CSV files of one folder may repeat an image)."""
    first = {}
    for record in records:
        first.setdefault(record.image, record)
    return list(first.values())


def voc_image(xml_path, filename):
    """The image of an XML file: its <filename>, else the image named like the XML file."""
    image = layouts.find_image(xml_path.parent, filename) if filename else None
    if image is None or not layouts.is_file(image):
        fallback = layouts.find_image(xml_path.parent, xml_path.stem)
        image = fallback if layouts.is_file(fallback) or image is None else image
    return image


def read_voc(xml_path, bad):
    """One Pascal VOC XML file -> Record (None when reported bad)."""
    try:
        root = ElementTree.parse(xml_path).getroot()
        record = Record(voc_image(xml_path, (root.findtext("filename") or "").strip()), xml_path)
        for index, obj in enumerate(root.iter("object"), start=1):
            box = obj.find("bndbox")
            if box is None:
                raise DataError(xml_path, f"object {index} has no <bndbox>")
            values = [box.findtext(tag) for tag in ("xmin", "ymin", "xmax", "ymax")]
            record.boxes.append(to_xyxy(values, "voc"))
            record.names.append((obj.findtext("name") or "").strip())
    except ElementTree.ParseError as error:
        bad.report(DataError(xml_path, f"not valid XML: {error}"))
        return None
    except (TypeError, ValueError):
        bad.report(DataError(xml_path, "a box coordinate is missing or not a number"))
        return None
    except DataError as error:
        bad.report(error)
        return None
    return record


def read_coco(json_path, bad):
    """A COCO instances JSON -> Records (images in a folder beside it)."""
    try:
        document = json.loads(json_path.read_text(encoding="utf-8"))
        categories = {c["id"]: c["name"] for c in document["categories"]}
        images = {image["id"]: image for image in document["images"]}
        missing = next((image for image in images.values() if not isinstance(image.get("file_name"), str)), None)
        if missing is not None:
            raise DataError(json_path, f"image {missing.get('id')!r} has no 'file_name'")
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        raise DataError(json_path, f"not a COCO instances file ({type(error).__name__}: {error})") from None
    folder = coco_image_folder(json_path)
    records = {key: Record(folder / image["file_name"], json_path) for key, image in images.items()}
    failed = set()
    for index, annotation in enumerate(document.get("annotations", []), start=1):
        try:
            record = records[annotation["image_id"]]
            name = categories[annotation["category_id"]]
            record.boxes.append(to_xyxy(annotation["bbox"], "coco"))
            record.names.append(name)
        except (KeyError, TypeError, ValueError) as error:
            what = f"unknown {error.args[0]}" if isinstance(error, KeyError) else "bad bbox"
            bad.report(DataError(json_path, f"annotation {index} (id {annotation.get('id')}): {what}"))
            failed.add(annotation.get("image_id"))
    return [record for key, record in records.items() if key not in failed]


def coco_image_folder(json_path):
    stem = json_path.stem.removeprefix("instances_")
    for folder in (json_path.parent / stem, json_path.parent.parent / stem,
                   json_path.parent / "images", json_path.parent.parent / "images"):
        if folder.is_dir():
            return folder
    return json_path.parent


def read_csv(csv_path, bad):
    """The flat CSV (one row per box; a row with an empty class: no objects)."""
    records = {}
    rows = csv_rows(utf8_text(csv_path), csv_path)
    header = [column.strip().lower() for column in next(rows, (1, []))[1]]
    if not header:
        raise DataError(csv_path, f"empty file (expected the header {','.join(CSV_COLUMNS)})", line=1)
    if header != CSV_COLUMNS:
        raise DataError(csv_path, f"header must be {','.join(CSV_COLUMNS)}, got {','.join(header)}", line=1)
    for line, row in rows:
        if not row:
            continue
        try:
            if len(row) != len(CSV_COLUMNS):
                raise ValueError(f"{len(row)} fields instead of {len(CSV_COLUMNS)}")
            filename, name = row[0].strip(), row[3].strip()
            check_declared_size(row[1], row[2])
            box = to_xyxy(row[4:], "corners") if name else None
        except ValueError as error:
            bad.report(DataError(csv_path, f"cannot read the row: {error}", line=line))
            continue
        image = layouts.find_image(csv_path.parent, filename)
        record = records.setdefault(filename, Record(image, csv_path, line=line))
        if box is not None:
            record.boxes.append(box)
            record.names.append(name)
    return list(records.values())


def check_declared_size(width, height):
    """The CSV's width and height must be positive integers (boxes are checked
    against the image file's own size)."""
    if int(width) <= 0 or int(height) <= 0:
        raise ValueError(f"image size {width}x{height} is not positive")


def check_boxes(record, width, height):
    """Raise DataError for a box outside the image or of zero/negative size."""
    where = dict(line=record.line)
    for index, (box, name) in enumerate(zip(record.boxes, record.names), start=1):
        x0, y0, x1, y1 = box
        if not name:
            raise DataError(record.source, f"{record.image.name}: box {index} has no class name", **where)
        if x1 <= x0 or y1 <= y0:
            raise DataError(record.source, f"{record.image.name}: box {index} {box} has zero or negative size", **where)
        if x0 < -0.5 or y0 < -0.5 or x1 > width + 0.5 or y1 > height + 0.5:
            raise DataError(record.source, f"{record.image.name}: box {index} {box} lies outside the "
                            f"{width}x{height} image", **where)
    return np.clip(np.asarray(record.boxes, "float32").reshape(-1, 4), 0, [width, height, width, height])
