"""What the classifier resolves beyond the profile rules: values kept from an
earlier run of the same folder (resume), and the rate of `--lr-find`."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import keras

from shared.lr_find import lr_find

LR_FIND_STEPS = 100


def saved_resolution(run_dir, app, given):
    """{option: {value, reason}} an earlier run of `run_dir` resolved, minus the options now given.

    A resumed run reuses them as they were (even if the rules have changed
    since), so it trains on with the options it started with.
    """
    record = Path(run_dir or "") / "config.json"
    if not run_dir or not record.is_file():
        return {}
    try:
        saved = json.loads(record.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(saved, dict) or saved.get("app") != app or not isinstance(saved.get("resolved"), dict):
        return {}
    return {name: dict(entry) for name, entry in saved["resolved"].items()
            if name not in given and isinstance(entry, dict) and "value" in entry}


def apply_entries(config, entries):
    """`config` with each entry's value; unknown options are left out."""
    known = {field.name for field in dataclasses.fields(config)}
    values = {name: entry["value"] for name, entry in entries.items() if name in known}
    return dataclasses.replace(config, **values) if values else config


def find_rate(app, config, data):
    """Run the range test on a fresh task; returns (RateCurve, {value, reason} or None)."""
    keras.utils.set_random_seed(config.seed)
    task = app.build_task(config, data)
    phase = app.phases(config, data, task)[0]
    if phase.prepare is not None:
        phase.prepare(task)
    app.compile(task, phase, config, steps=None)
    train, _ = app.datasets(config, data)
    curve = lr_find(task, train, steps=LR_FIND_STEPS)
    if curve.suggestion is None:
        return curve, None
    return curve, {"value": float(curve.suggestion),
                   "reason": f"--lr-find: a tenth of {curve.minimum:.2e}, the rate of the lowest smoothed loss"}
