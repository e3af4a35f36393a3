"""Real data, the default command: `python -m apps.<app> train --data PATH`.

`python -m bench real_data [--only NAME,...] [--shared-data DIR]` trains each
case of `bench/_real/` in its own process with only `--data` (the bars of the
real-data issues), times it, reads the held-out metric from `metrics.json`
and writes the table between the markers of `docs/benchmarks.md`. The cases
use `../shared/data` (not shipped to users); a case whose folder is absent
is reported as skipped. Each run is killed at twice its time bar.
With REAL_DATA_KEEP=DIR each case's run folder is kept in DIR/<case>.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._real import all_cases

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
DOCS = ROOT / "docs" / "benchmarks.md"
ROWS = ROOT / "bench" / "results" / "real_data_rows.json"
BEGIN, END = "<!-- real_data:begin -->", "<!-- real_data:end -->"


def lookup(metrics, dotted):
    value = metrics
    for key in dotted.split("."):
        value = value[key]
    return float(value)


def passes(value, bar):
    if bar is None:
        return None
    sign, threshold = bar
    return value >= threshold if sign == ">=" else value <= threshold


def run_case(case, shared_data):
    data = Path(shared_data) / case["data"]
    if not data.exists():
        return {"name": case["name"], "status": f"skipped: {data} not found"}
    keep = os.environ.get("REAL_DATA_KEEP")  # a folder: keep each case's run folder there (train.log...)
    with tempfile.TemporaryDirectory(prefix="annsuite-real-") as scratch:
        run_dir = Path(keep) / case["name"].replace(" ", "_") if keep else Path(scratch) / "run"
        if run_dir.exists():
            return {"name": case["name"], "status": f"skipped: {run_dir} exists (REAL_DATA_KEEP)"}
        argv = [sys.executable, "-m", f"apps.{case['app']}", "train", "--data", str(data),
                "--run-dir", str(run_dir), *case.get("argv", [])]
        limit = 120 * case["minutes"] if case.get("minutes") else None
        started = time.time()
        try:
            done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=limit,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)})
        except subprocess.TimeoutExpired:
            return {"name": case["name"], "status": f"killed after {limit} s"}
        seconds = time.time() - started
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
            return {"name": case["name"], "status": f"exit {done.returncode}: {tail[0]}"}
        metrics = json.loads((run_dir / "metrics.json").read_text())
        config = json.loads((run_dir / "config.json").read_text())
    value = lookup(metrics, case["metric"])
    in_time = None if not case.get("minutes") else seconds <= 60 * case["minutes"]
    return {"name": case["name"], "status": "ok", "metric": case["metric"], "value": round(value, 4),
            "bar": case.get("bar"), "minutes_bar": case.get("minutes"), "seconds": round(seconds, 1),
            "passes": passes(value, case.get("bar")) and in_time is not False,
            "resolved": {k: v.get("value") for k, v in config.get("resolved", {}).items()}}


def met(row):
    """yes/no, or "-" for a reference row without a bar (e.g. the FCN beside the U-Net)."""
    if row["bar"] is None:
        return "- (reference)" if row["passes"] is not False else "no (time)"
    return "yes" if row["passes"] else "no"


def table(rows):
    lines = ["| case | metric | value | bar | time | cores | bar met |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        if row["status"] != "ok":
            lines.append(f"| {row['name']} | | {row['status']} | | | | |")
            continue
        bar = f"{row['bar'][0]} {row['bar'][1]}" if row["bar"] else ""
        limit = f" (< {row['minutes_bar']} min)" if row["minutes_bar"] else ""
        lines.append(f"| {row['name']} | {row['metric']} | {row['value']} | {bar}{limit} | "
                     f"{row['seconds']:.0f} s | {row.get('cpus', '?').split()[0]} | {met(row)} |")
    return "\n".join(lines)


def write_docs(rows, cpus):
    text = DOCS.read_text()
    block = (f"{BEGIN}\nMeasured by `python -m bench real_data` (default command, only `--data`; {cpus}):\n\n"
             f"{table(rows)}\n\nTime is wall time of the whole `train` command; a run on one core (`cpus` in the row) is an\nupper bound of the 2-core time.\n{END}")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Real data, default command\n\n" + block + "\n"
    DOCS.write_text(text)


def run(args):
    only = set(filter(None, (getattr(args, "only", None) or os.environ.get("REAL_DATA_ONLY", "")).split(",")))
    shared_data = os.environ.get("ANNSUITE_SHARED_DATA", str(SHARED_DATA))
    rows = []
    for case in all_cases():
        if only and case["name"] not in only and case["app"] not in only:
            continue
        row = run_case(case, shared_data)
        print(json.dumps(row), flush=True)
        rows.append(row)
    cpus = f"{len(os.sched_getaffinity(0))} CPU core(s)"
    for row in rows:
        row["cpus"] = cpus
    write_docs(merge_rows(rows), "the core count is in each row's JSON in bench/results/real_data_rows.json")
    return {"cases": rows, "cpus": cpus}


def merge_rows(rows):
    """All cases measured so far (by name), the new rows replacing older ones, in case order.

    Several benches may finish at once: the read-modify-write is under a lock
    and the file is replaced atomically; an unreadable file starts afresh."""
    ROWS.parent.mkdir(parents=True, exist_ok=True)
    with open(ROWS.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            known = json.loads(ROWS.read_text()) if ROWS.exists() else {}
        except ValueError:
            known = {}
        known.update({row["name"]: row for row in rows})
        temporary = ROWS.with_suffix(f".tmp{os.getpid()}")
        temporary.write_text(json.dumps(known, indent=2) + "\n")
        os.replace(temporary, ROWS)
        order = [case["name"] for case in all_cases()]
        return [known[name] for name in order if name in known]
