"""Where a run lives, and whether a folder may hold it.

`new_run_path` names a new run folder; `check_run_folder` refuses a
`--run-dir` that holds anything but a run of the same app (a user's folder
is never touched); `check_same_config` refuses to resume a run folder with
other options.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
from pathlib import Path

from shared.errors import UsageError
from shared.records import read_json
from shared.safe_files import LOCK_FILE

LOG_ROOT_ENV = "ANNSUITE_LOGDIR"


def log_root():
    """Root folder of run folders: $ANNSUITE_LOGDIR or ./tensorboard_logs."""
    return Path(os.environ.get(LOG_ROOT_ENV, "tensorboard_logs"))


def new_run_path(app, config):
    """The run folder: config.run_dir, or <root>/<app>/<time>[-name]."""
    if getattr(config, "run_dir", None):
        return Path(config.run_dir)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"{stamp}-{config.name}" if getattr(config, "name", None) else stamp
    path = log_root() / app / name
    suffix = 1
    while path.exists():
        suffix += 1
        path = log_root() / app / f"{name}-{suffix}"
    return path


def check_run_folder(path, app):
    """Refuse a --run-dir that is not empty and not a run of this app (nothing is touched)."""
    if not path.exists():
        return
    if not path.is_dir():
        raise UsageError(f"--run-dir {path}: exists and is not a folder")
    record = path / "config.json"
    if record.is_file():
        try:
            owner = read_json(record).get("app")
        except (ValueError, UnicodeDecodeError, AttributeError):
            owner = None
        if owner not in (app, None):
            raise UsageError(f"--run-dir {path}: a {owner} run folder, not a {app} one; choose another --run-dir")
        if owner == app:
            return
    if any(entry.name != LOCK_FILE for entry in path.iterdir()):
        raise UsageError(f"--run-dir {path}: a folder with files that is not an annsuite run folder "
                         "(no config.json); it is left as it is: choose an empty or new folder")


def check_same_config(path, config, resolved=None):
    """Refuse to resume a run folder that holds a different configuration.

    An option that an earlier version left unset (None) and this one
    resolves from the data counts as the same.
    """
    saved = read_json(path / "config.json").get("config", {})
    current = json.loads(json.dumps(dataclasses.asdict(config), default=str))
    ignored = {"run_dir", "name", "strategy"}
    resolved = resolved or {}
    changed = sorted(k for k in current if k not in ignored and saved.get(k) != current[k]
                     and not (saved.get(k) is None and k in resolved))
    if changed:
        raise UsageError(f"{path} holds a run with other options ({', '.join(changed)}); "
                         "resume it with the same options or choose another --run-dir")
