"""Cases of `python -m bench real_data`: one module per app, each with CASES.

A case is a dict:
    name:    row name in the table, e.g. "classifier flowers5"
    app:     the app (`python -m apps.<app>`)
    data:    path relative to the shared data folder (../shared/data)
    argv:    extra arguments after `train --data PATH` (the bars use none)
    metric:  dotted key into metrics.json, e.g. "test.accuracy"
    bar:     (">=", 0.80) the quality bar, or None
    minutes: the time bar in minutes, or None
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path


def all_cases():
    cases = []
    for module in sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])):
        cases.extend(importlib.import_module(f"bench._real.{module}").CASES)
    return cases
