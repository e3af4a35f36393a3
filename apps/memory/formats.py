"""User data: binary sequences in a CSV or an `.npz` file, checked before training.

The layout is the generated tasks' own (apps.memory.tasks):

- `.npz`: `inputs` (S, T, W) and `targets` (S, T, B) of 0/1 values, and an
  optional `weights` (S, T) of 0/1, 1 where a target is scored (absent:
  every step is scored). Sequences shorter than T are padded at the end
  with weight 0.
- CSV (UTF-8, a header `sequence,input,target`): one row per time step, the
  rows of a sequence consecutive; `input` is a string of W characters 0/1,
  `target` a string of B characters 0/1, or empty where the step has no
  target (weight 0).

A sequence's length (the unit of the per-length metrics) is its number of
scored steps. Every sequence needs at least one scored step.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from apps.memory.tasks import Sequences, pad
from shared import limits
from shared.data import csv_rows, utf8_text
from shared.errors import DataError

HEADER = ["sequence", "input", "target"]


def bit_string(text, path, line, column):
    if not text or set(text) - {"0", "1"}:
        raise DataError(path, f"{column} {text!r} is not a string of 0/1 characters", line)
    return np.array([float(c) for c in text], "float32")


def csv_steps(path):
    """[(sequence id, line, input bits, target bits or None)] of a CSV file."""
    rows = csv_rows(utf8_text(path), path)
    first = next(rows, None)
    if first is None:
        raise DataError(path, "empty file")
    if [cell.strip().lower() for cell in first[1]] != HEADER:
        raise DataError(path, f"the header must be {','.join(HEADER)}, got {','.join(first[1])!r}", first[0])
    steps = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            raise DataError(path, f"expected 3 columns (sequence,input,target), got {len(row)}", line)
        sequence, inputs, target = (cell.strip() for cell in row)
        if not sequence:
            raise DataError(path, "empty sequence id", line)
        steps.append((sequence, line, bit_string(inputs, path, line, "input"),
                      bit_string(target, path, line, "target") if target else None))
    if not steps:
        raise DataError(path, "no sequences (only the header)")
    return steps


def read_csv(path):
    """Sequences of a CSV file in the documented layout."""
    steps = csv_steps(path)
    width, bits = len(steps[0][2]), next((len(t) for *_, t in steps if t is not None), None)
    if bits is None:
        raise DataError(path, "no step has a target")
    groups, seen = [], set()
    for sequence, line, inputs, target in steps:
        if len(inputs) != width:
            raise DataError(path, f"input has {len(inputs)} bits, the first row {width}", line)
        if target is not None and len(target) != bits:
            raise DataError(path, f"target has {len(target)} bits, the first target {bits}", line)
        if not groups or groups[-1][0] != sequence:
            if sequence in seen:
                raise DataError(path, f"the rows of sequence {sequence!r} are not consecutive", line)
            seen.add(sequence)
            groups.append((sequence, line, []))
        groups[-1][2].append((inputs, target))
    examples = []
    for sequence, line, rows in groups:
        scored = np.array([target is not None for _, target in rows], "float32")
        if not scored.any():
            raise DataError(path, f"sequence {sequence!r} has no step with a target", line)
        targets = np.stack([t if t is not None else np.zeros(bits, "float32") for _, t in rows])
        examples.append((np.stack([x for x, _ in rows]), targets, scored))
    return pad(examples, [int(w.sum()) for *_, w in examples], width, bits)


def binary_array(values, name, path):
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise DataError(path, f"{name} must be numeric, got dtype {array.dtype}")
    if not np.isin(array, (0, 1)).all():
        raise DataError(path, f"{name} must hold only 0 and 1")
    return array.astype("float32")


def read_npz(path):
    """Sequences of an .npz file in the documented layout."""
    arrays = limits.load_npz(path)
    for name in ("inputs", "targets"):
        if name not in arrays:
            raise DataError(path, f"no {name!r} array (has: {', '.join(sorted(arrays)) or 'none'})")
    inputs, targets = binary_array(arrays["inputs"], "inputs", path), binary_array(arrays["targets"], "targets", path)
    if inputs.ndim != 3 or targets.ndim != 3 or inputs.shape[:2] != targets.shape[:2]:
        raise DataError(path, f"inputs must be (S, T, W) and targets (S, T, B) with the same S and T, "
                              f"got {inputs.shape} and {targets.shape}")
    weights = np.ones(inputs.shape[:2], "float32")
    if "weights" in arrays:
        weights = binary_array(arrays["weights"], "weights", path)
        if weights.shape != inputs.shape[:2]:
            raise DataError(path, f"weights must be (S, T) = {inputs.shape[:2]}, got {weights.shape}")
    if len(inputs) == 0 or inputs.shape[-1] == 0 or targets.shape[-1] == 0:
        raise DataError(path, "no sequences (or zero-width vectors)")
    empty = np.flatnonzero(weights.sum(axis=1) == 0)
    if len(empty):
        raise DataError(path, f"sequence {int(empty[0])} has no scored step (weights all 0)")
    return Sequences(inputs, targets, weights, weights.sum(axis=1).astype("int32"))


def read_sequences(spec):
    """The Sequences of a .csv or .npz file (DataError on anything else)."""
    path = Path(spec)
    if not path.exists():
        raise DataError(path, "no such file")
    if path.is_dir():
        raise DataError(path, "a folder; the memory app reads one .csv or .npz file of sequences")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return read_npz(path)
    if suffix == ".csv":
        return read_csv(path)
    raise DataError(path, f"unknown format {suffix or '(no extension)'!r}: give a .csv or .npz of sequences")
