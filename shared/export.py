"""SavedModel export with a serving signature on raw inputs, checked at once.

`export_saved_model` writes the archive into a private temporary folder
next to the destination, reloads it with `tf.saved_model.load`, compares its
outputs on real examples with the Keras model's, and only then renames it
into place: an interrupted or failed export never leaves a half-written
SavedModel where a good one is expected. An existing destination is never
deleted: an earlier annsuite export (it holds `annsuite_export.json`) is
kept as `<out>.previous-<time>`, and any other folder is refused.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from shared.errors import AnnsuiteError, UsageError
from shared.records import write_json
from shared.safe_files import EXPORT_MARKER, private_temp_dir, publish_folder

log = logging.getLogger("annsuite")

TOLERANCE = 1e-4


class ExportError(AnnsuiteError):
    """The reloaded SavedModel disagrees with the Keras model."""


def max_difference(expected, actual):
    """Largest absolute difference over the numeric outputs both have.

    String outputs must match exactly (else the difference is infinite).
    """
    def utf8(array):  # str -> UTF-8 bytes (astype(bytes) is ASCII only), bytes kept
        return np.vectorize(lambda v: v.encode("utf-8") if isinstance(v, str) else bytes(v), otypes=[object])(array)

    worst = 0.0
    for name, value in expected.items():
        got = np.asarray(actual[name])
        value = np.asarray(value)
        if value.dtype.kind in "OSU":
            same = np.array_equal(utf8(value), utf8(got))
            worst = max(worst, 0.0 if same else float("inf"))
        else:
            worst = max(worst, float(np.max(np.abs(value.astype("float64") - got.astype("float64")))))
    return worst


def export_saved_model(resources, serve, input_signature, out_dir, examples, expected,
                       tolerance=TOLERANCE):
    """Write, reload, verify and publish a SavedModel.

    Args:
        resources: the Keras models (or layers) whose variables `serve` uses.
        serve: the serving function: takes the raw inputs, returns a dict of
            named outputs.
        input_signature: list of `tf.TensorSpec` of `serve`'s arguments.
        out_dir: where the SavedModel ends up.
        examples: dict of real inputs for the check, keyed by argument name.
        expected: dict of outputs the Keras model gives on them.
        tolerance: the largest absolute difference accepted.

    Returns:
        dict with `path` and `max_abs_difference`.

    Raises:
        ExportError: above `tolerance`; nothing is published then.
    """
    out_dir = Path(out_dir).resolve()
    check_destination(out_dir)
    tmp = private_temp_dir(out_dir)  # ours alone: removed on failure, renamed on success
    try:
        difference = write_and_check(resources, serve, input_signature, tmp, examples, expected, tolerance)
        write_json(tmp / EXPORT_MARKER, {"format": "annsuite SavedModel export",
                                         "max_abs_difference": difference})
        publish_folder(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("SavedModel written to %s (max abs difference %.3g on %d examples)",
             out_dir, difference, len(next(iter(examples.values()))))
    return {"path": str(out_dir), "max_abs_difference": difference}


def check_destination(out_dir):
    """Refuse, before any work, an --out that is a user's folder (nothing is deleted)."""
    if out_dir.exists() and not (out_dir.is_dir() and (out_dir / EXPORT_MARKER).is_file()):
        raise UsageError(f"--out {out_dir}: exists and is not an annsuite export; it is left as it is: "
                         "choose a new folder")


def write_and_check(resources, serve, input_signature, tmp, examples, expected, tolerance):
    """Write the archive into `tmp`, reload it, return the largest difference."""
    archive = keras.export.ExportArchive()
    for resource in resources:
        archive.track(resource)
    archive.add_endpoint("serving_default", serve, input_signature=input_signature)
    archive.write_out(str(tmp), verbose=False)
    reloaded = tf.saved_model.load(str(tmp)).signatures["serving_default"]
    outputs = {k: v.numpy() for k, v in reloaded(**{k: tf.constant(v) for k, v in examples.items()}).items()}
    difference = max_difference(expected, outputs)
    if not difference <= tolerance:
        raise ExportError(f"export check failed: reloaded SavedModel differs from the Keras model "
                          f"by {difference:.3g} (> {tolerance:g})")
    return difference
