"""The fuzzer's worker process: reads cases (JSON lines) on stdin, checks each input, answers.

For each case it runs the app's data stage exactly as `train` does before a
run folder exists (`App.prepare`: the scan, the profile defaults, the
loading and checking of every file) under an alarm, and answers one line
`FUZZRESULT {...}` on stdout: `accepted` (train would go on: exit 0),
`error` with the one-line message (exit 2), `timeout`, or `traceback`.
"""

from __future__ import annotations

import importlib
import json
import logging
import signal
import sys
import traceback

import shared  # noqa: F401 - Keras backend and quiet logs
from shared import limits
from shared.cli import build_config
from shared.errors import AnnsuiteError

PREFIX = "FUZZRESULT "


class CaseTimeout(BaseException):
    """Raised by the alarm: the case ran past its time."""


def on_alarm(signum, frame):
    raise CaseTimeout()


def app_object(spec):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def check(case):
    """The outcome of one case (a dict)."""
    limits.configure()
    signal.alarm(int(case.get("timeout", 20)))
    try:
        app = app_object(case["app"])
        config = build_config(app.config_class, {"data": case["data"], **case.get("options", {})})
        app.prepare(config)
        return {"outcome": "accepted"}
    except AnnsuiteError as error:
        message = " ".join(str(error).split())
        return {"outcome": "error", "message": message, "named": any(n in message for n in case["names"])}
    except CaseTimeout:
        return {"outcome": "timeout"}
    except Exception as error:  # noqa: BLE001 - what the fuzzer looks for
        frames = traceback.format_exception(type(error), error, error.__traceback__)
        return {"outcome": "traceback", "message": "".join(frames[-3:])[-1500:]}
    finally:
        signal.alarm(0)


def main():
    signal.signal(signal.SIGALRM, on_alarm)
    logging.getLogger("annsuite").setLevel(logging.ERROR)
    out = sys.stdout
    sys.stdout = sys.stderr  # whatever the apps print stays off the answer channel
    print(PREFIX + json.dumps({"ready": True}), file=out, flush=True)
    for line in sys.stdin:
        case = json.loads(line)
        print(PREFIX + json.dumps({"id": case["id"], **check(case)}), file=out, flush=True)


if __name__ == "__main__":
    main()
