"""The JSON records of a run (config.json, metrics.json, phase markers) and
the library versions a result is recorded with."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import keras
import numpy
import tensorflow as tf

from shared.safe_files import fsync_folder


def library_versions():
    """Versions of the libraries a result depends on."""
    versions = {"python": platform.python_version(), "tensorflow": tf.__version__,
                "keras": keras.__version__, "numpy": numpy.__version__}
    try:
        import keras_hub  # deferred: heavy, and only its version is read here

        versions["keras_hub"] = keras_hub.__version__
    except ImportError:  # pragma: no cover - keras-hub is a pinned dependency
        pass
    return versions


def replace_atomically(write, path):
    """The one atomic writer: `write(tmp_path)`, fsync, then rename onto `path`.

    A kill (or a power cut) at any moment leaves either the previous
    complete file or the new one, never half a file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(path.suffixes) or ".tmp"
    tmp = path.with_name(f".{path.name.removesuffix(suffix)}.partial{suffix}")
    write(str(tmp))
    if tmp.is_file():
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_folder(path.parent)  # the rename itself reaches the disk with the folder's entry


def write_json(path, payload):
    """Write JSON atomically (a kill never leaves half a file)."""
    text = json.dumps(payload, indent=2, default=str) + "\n"
    replace_atomically(lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), path)


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))
