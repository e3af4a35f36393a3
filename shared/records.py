"""The JSON records of a run (config.json, metrics.json, phase markers) and
the library versions a result is recorded with."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path


def library_versions():
    """Versions of the libraries a result depends on."""
    import keras
    import numpy
    import tensorflow as tf

    versions = {"python": platform.python_version(), "tensorflow": tf.__version__,
                "keras": keras.__version__, "numpy": numpy.__version__}
    try:
        import keras_hub

        versions["keras_hub"] = keras_hub.__version__
    except ImportError:  # pragma: no cover - keras-hub is a pinned dependency
        pass
    return versions


def write_json(path, payload):
    """Write JSON atomically (a kill never leaves half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))
