"""Where users keep detection annotations and their images.

Pascal VOC XML is found wherever it lies under `--data`: the folder itself,
or the shallowest sub-folders (up to three levels down, any name or case:
`Annotations/`, `annots/`, `annotations/`, `xml/`, `labels/` ...) that hold
`*.xml` files. A CSV given as `--data` (or the CSV files of a folder without
XML or COCO files, in it or in a sub-folder) is read the same way.

An annotation's image (the XML's `<filename>`, the CSV's `filename`) is
looked for, in order, as a path relative to the annotation's folder, then
by name in: that folder, its image-like sub-folders, the image-like
sibling folders (`images/`, `JPEGImages/`, `img/` ... any case), the other
sibling folders, and the parent folder. A name matches case-insensitively,
and a name without an extension (or with another one) matches by its stem.
"""

from __future__ import annotations

import functools
from pathlib import Path

MAX_DEPTH = 3
IMAGE_FOLDER_NAMES = ("images", "jpegimages", "image", "imgs", "img", "pictures", "photos", "frames")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def sub_folders(folder):
    """Visible sub-folders of `folder`, sorted by name."""
    try:
        return sorted(p for p in Path(folder).iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def files_with(folder, suffix):
    """Visible files of `folder` whose suffix is `suffix` (any case), sorted."""
    try:
        return sorted(p for p in Path(folder).iterdir()
                      if p.suffix.lower() == suffix and p.is_file() and not p.name.startswith("."))
    except OSError:
        return []


def shallowest(path, suffix, depth=MAX_DEPTH):
    """The `suffix` files of the shallowest level of folders under `path` that has any."""
    level = [Path(path)]
    for _ in range(depth + 1):
        found = [file for folder in level for file in files_with(folder, suffix)]
        if found:
            return found
        level = [child for folder in level for child in sub_folders(folder)]
    return []


def voc_files(path):
    """Every Pascal VOC XML file of the data set at `path` (a folder)."""
    return shallowest(path, ".xml") if Path(path).is_dir() else []


def csv_files(path):
    """The CSV files of a folder (itself or the shallowest sub-folders that hold one)."""
    return shallowest(path, ".csv", depth=1) if Path(path).is_dir() else []


def image_like(folder):
    return folder.name.lower() in IMAGE_FOLDER_NAMES


def search_folders(folder):
    """The folders an annotation in `folder` may find its images in, in order."""
    folder = Path(folder)
    siblings = [f for f in sub_folders(folder.parent) if f != folder]
    ordered = [folder, *[f for f in sub_folders(folder) if image_like(f)],
               *[f for f in siblings if image_like(f)], *[f for f in siblings if not image_like(f)],
               folder.parent]
    return list(dict.fromkeys(ordered))


@functools.lru_cache(maxsize=256)
def folder_index(folder):
    """{lower-case name: path} and {lower-case stem: path} of a folder's image files."""
    names, stems = {}, {}
    try:
        entries = sorted(Path(folder).iterdir())
    except OSError:
        entries = []
    for entry in entries:
        if entry.suffix.lower() in IMAGE_SUFFIXES and not entry.name.startswith("."):
            names.setdefault(entry.name.lower(), entry)
            stems.setdefault(entry.stem.lower(), entry)
    return names, stems


def is_file(path):
    """Path.is_file() that is False for a name the system refuses (too long, a NUL byte)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


def find_image(folder, filename):
    """The image file `filename` names for an annotation in `folder` (or the
    first place looked, which does not exist, for the error message)."""
    folder = Path(folder)
    relative = folder / filename
    if filename and is_file(relative):
        return relative
    name = Path(filename.replace("\\", "/")).name
    stem = Path(name).stem.lower() if Path(name).suffix.lower() in IMAGE_SUFFIXES else name.lower()
    places = search_folders(folder)
    for place in places:
        names, _ = folder_index(str(place))
        if name.lower() in names:
            return names[name.lower()]
    for place in places:
        _, stems = folder_index(str(place))
        if stem in stems:
            return stems[stem]
    return relative


def forget():
    """Drop the cached folder listings (a data set changed on disk)."""
    folder_index.cache_clear()
