"""A folder of class folders (`root/<class>/<image>`, any depth below a class): the usual image-classification layout.

Hidden files and folders are ignored; an empty class folder, a file that is
not an image and (given the training classes) a folder of an unknown class
are bad input (`BadInputs`: one line each, or skipped and counted with
--skip-bad). Used by the classifier and the foundations experiments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shared.data import is_image_file, read_images
from shared.errors import DataError


def class_folders(root, bad):
    """Class sub-folders of `root`, sorted; empty ones are bad input."""
    folders = sorted(p for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith("."))
    kept = []
    for folder in folders:
        if not any(p.is_file() and not p.name.startswith(".") for p in folder.iterdir()):
            bad.report(DataError(folder, "empty class folder (no files)"))
            continue
        kept.append(folder)
    return kept


def list_folder(root, bad, class_names=None):
    """(paths, labels, class names) of a folder of class folders."""
    folders = class_folders(root, bad)
    if not folders:
        raise DataError(root, "no class folders with files (expected root/<class>/<image>)")
    names = class_names or [f.name for f in folders]
    paths, labels = [], []
    for folder in folders:
        if folder.name not in names:
            bad.report(DataError(folder, f"unknown class {folder.name!r} (not in the training classes)"))
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
            if not is_image_file(path):
                bad.report(DataError(path, f"not an image file (extension {path.suffix or 'none'!r})"))
                continue
            paths.append(path)
            labels.append(names.index(folder.name))
    return paths, np.asarray(labels, "int32"), names


def read_folder(root, size, channels, bad, class_names=None):
    paths, labels, names = list_folder(root, bad, class_names)
    images, kept = read_images(paths, size, channels, bad)
    keep = {p: i for i, p in enumerate(paths)}
    return images, labels[[keep[p] for p in kept]], names
