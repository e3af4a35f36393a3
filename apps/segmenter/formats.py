"""Reading segmentation data sets in the formats users have.

Layouts, detected from the folder (`detect_layout`):
- `pairs`: `images/` + `masks/` with matching file stems. Masks are PNGs of
  class ids (optionally named by `classes.csv`/`classes.json`/`classes.txt`),
  or RGB colour PNGs when the classes file gives a colour per class
  (`name,r,g,b`, `name,#rrggbb`, or JSON `{"name": [r, g, b]}`).
- `pet`: the Oxford-IIIT Pet layout, `images/*.jpg` and
  `annotations/trimaps/*.png` with values 1 (pet), 2 (background),
  3 (border).
- `camvid`: the SegNet CamVid layout, `val/` + `valannot/` (and `train/`,
  `test/` likewise) or a list file of `image mask` pairs whose absolute
  prefixes are rewritten; class 11 is void.

`list_pairs` returns (image path, mask path) pairs, checking that every
image has a mask and every mask an image; `read_pair` reads and checks one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from shared import limits
from shared.data import csv_rows, is_image_file, read_image, utf8_text
from shared.errors import DataError, UsageError

CAMVID_CLASSES = ["sky", "building", "pole", "road", "pavement", "tree", "sign_symbol", "fence",
                  "car", "pedestrian", "bicyclist"]
PET_CLASSES = ["pet", "background", "border"]
CLASS_FILES = ("classes.csv", "classes.json", "classes.txt")
CAMVID_SPLITS = {"train": "train", "val": "validation", "test": "test"}


@dataclass
class Layout:
    """How a folder's pairs are found and its masks read."""

    kind: str  # pairs, pet or camvid
    class_names: list | None  # None: inferred from the masks (0..max)
    palette: np.ndarray | None = None  # (classes, 3) colours of RGB masks
    offset: int = 0  # subtracted from mask values (trimaps: 1..3 -> 0..2)
    ignore_index: int | None = None  # the layout's void value


def detect_layout(root):
    """The `Layout` of a data folder (raises UsageError when unknown)."""
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"--data {root}: no such folder")
    if (root / "images").is_dir() and (root / "annotations" / "trimaps").is_dir():
        return Layout("pet", PET_CLASSES, offset=1)
    if any((root / f"{split}annot").is_dir() for split in CAMVID_SPLITS):
        return Layout("camvid", CAMVID_CLASSES, ignore_index=11)
    if (root / "images").is_dir() and (root / "masks").is_dir():
        names, palette = read_classes(root)
        return Layout("pairs", names, palette)
    raise UsageError(f"--data {root}: expected images/ + masks/, images/ + annotations/trimaps/ "
                     "(Oxford-IIIT Pet) or val/ + valannot/ (SegNet CamVid)")


def parse_colour(text, path, line):
    text = text.strip()
    try:
        if text.startswith("#") and len(text) == 7:
            return [int(text[i:i + 2], 16) for i in (1, 3, 5)]
        values = [int(v) for v in text.replace(";", " ").replace(",", " ").split()]
    except ValueError:
        values = []
    if len(values) != 3 or not all(0 <= v <= 255 for v in values):
        raise DataError(path, f"bad colour {text!r} (expected #rrggbb or r g b)", line)
    return values


def read_classes(root):
    """(class names or None, palette or None) from the folder's classes file."""
    path = next((Path(root) / name for name in CLASS_FILES if (Path(root) / name).is_file()), None)
    if path is None:
        return None, None
    text = utf8_text(path)
    if path.suffix == ".txt":
        return [line.strip() for line in text.splitlines() if line.strip()], None
    if path.suffix == ".json":
        try:
            entries = limits.load_json(text, path)
        except DataError as error:
            raise DataError(path, f"not JSON: {error.problem}") from None
        if isinstance(entries, dict):
            entries = [{"name": k, "color": v} for k, v in entries.items()]
        if not isinstance(entries, list) or not all(isinstance(e, (str, dict)) for e in entries):
            raise DataError(path, "expected a list of class names or {\"name\": ..., \"color\": [r, g, b]} "
                                  "entries, or a mapping of names to colours")
        rows = [(e, None) if isinstance(e, str) else (e.get("name"), e.get("color", e.get("colour")))
                for e in entries]
    else:
        table = [(line, row) for line, row in csv_rows(text, path) if any(cell.strip() for cell in row)]
        header = [h.strip().lower() for h in table[0][1]] if table else []
        if "name" not in header:
            raise DataError(path, "expected a header with a 'name' column", 1)
        rows = []
        for line, row in table[1:]:  # blank lines skipped, line numbers kept
            record = dict(zip(header, row, strict=False))
            if len(row) != len(header):
                raise DataError(path, f"{len(row)} cell(s) for the {len(header)} columns of the header", line)
            colour = (" ".join(record[c] for c in "rgb") if {"r", "g", "b"} <= set(record)
                      else record.get("color", record.get("colour")))
            rows.append((record["name"], (colour, line) if colour else None))
    return palette_rows(path, rows)


def palette_rows(path, rows):
    names = [str(name) for name, _ in rows]
    colours = [colour for _, colour in rows]
    if not names:
        raise DataError(path, "no classes listed")
    if all(c is None for c in colours):
        return names, None
    palette = []
    for index, colour in enumerate(colours):
        if isinstance(colour, tuple):
            text, line = colour
        else:
            text, line = (colour if isinstance(colour, str) else " ".join(map(str, colour or []))), index + 1
        palette.append(parse_colour(text, path, line))
    return names, np.asarray(palette, "int64")


def by_stem(folder):
    return {p.stem: p for p in sorted(Path(folder).iterdir()) if p.is_file() and not p.name.startswith(".")}


def match_folders(images_dir, masks_dir, bad):
    """Pairs of files with the same stem; a lone image or mask is bad input."""
    images, masks = by_stem(images_dir), by_stem(masks_dir)
    pairs = []
    for stem, image in images.items():
        if not is_image_file(image):
            bad.report(DataError(image, f"not an image file (extension {image.suffix or 'none'!r})"))
        elif stem not in masks:
            bad.report(DataError(image, f"no mask for this image (expected {Path(masks_dir).name}/{stem}.png)"))
        else:
            pairs.append((image, masks[stem]))
    for stem, mask in masks.items():
        if stem not in images:
            bad.report(DataError(mask, f"no image for this mask (expected {Path(images_dir).name}/{stem}.*)"))
    return pairs


def camvid_list(root, list_file, bad):
    """Pairs of a SegNet list file, absolute prefixes rewritten to `root`."""
    pairs = []
    for line, text in enumerate(list_file.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        fields = text.split()
        if len(fields) != 2:
            raise DataError(list_file, f"expected 'image mask', got {text.strip()!r}", line)
        image, mask = (root / Path(f).parent.name / Path(f).name for f in fields)
        missing = next((p for p in (image, mask) if not p.is_file()), None)
        if missing is not None:
            bad.report(DataError(list_file, f"listed file {missing} does not exist", line))
            continue
        pairs.append((image, mask))
    return pairs


def list_pairs(root, layout, bad):
    """{split: [(image, mask), ...]}; one split "all" unless the data has splits."""
    root = Path(root)
    if layout.kind == "pet":
        return {"all": match_folders(root / "images", root / "annotations" / "trimaps", bad)}
    if layout.kind == "pairs":
        return {"all": match_folders(root / "images", root / "masks", bad)}
    splits = {}
    for folder, split in CAMVID_SPLITS.items():
        list_file = root / f"{folder}.txt"
        if list_file.is_file():
            splits[split] = camvid_list(root, list_file, bad)
        elif (root / folder).is_dir() and (root / f"{folder}annot").is_dir():
            splits[split] = match_folders(root / folder, root / f"{folder}annot", bad)
    return splits if "train" in splits else {"all": [p for pairs in splits.values() for p in pairs]}


def read_mask(path, palette=None):
    """A mask file as an int64 array (H, W) of raw class values."""
    try:
        if path.stat().st_size == 0:
            raise DataError(path, "empty file (0 bytes)")
        with Image.open(path) as image:
            image.load()
            if palette is not None:
                return colours_to_ids(path, np.asarray(image.convert("RGB")), palette)
            array = np.asarray(image)
    except UnidentifiedImageError:
        raise DataError(path, "not an image (unknown or damaged format)") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise DataError(path, f"unreadable mask: {str(error).splitlines()[0] if str(error) else error!r}") from None
    if array.ndim == 3:
        if not (array[..., :3] == array[..., :1]).all():
            raise DataError(path, "colour mask but no palette (add classes.csv with name,r,g,b)")
        array = array[..., 0]
    return array.astype("int64")


def colours_to_ids(path, rgb, palette):
    codes = (rgb[..., 0].astype("int64") << 16) | (rgb[..., 1].astype("int64") << 8) | rgb[..., 2]
    keys = (palette[:, 0] << 16) | (palette[:, 1] << 8) | palette[:, 2]
    order = np.argsort(keys)
    found = np.searchsorted(keys[order], codes).clip(0, len(keys) - 1)
    known = keys[order][found] == codes
    if not known.all():
        colour = rgb[~known][0]
        raise DataError(path, f"mask colour {tuple(int(c) for c in colour)} is not in the palette")
    return order[found]


def read_pair(image_path, mask_path, layout):
    """(image uint8 HxWx3, mask int64 HxW) of one pair, sizes checked."""
    image = read_image(image_path, 3)
    mask = read_mask(mask_path, layout.palette) - layout.offset
    if mask.shape != image.shape[:2]:
        raise DataError(mask_path, f"mask is {mask.shape[1]}x{mask.shape[0]} but its image "
                                   f"{image_path.name} is {image.shape[1]}x{image.shape[0]}")
    return image, mask
