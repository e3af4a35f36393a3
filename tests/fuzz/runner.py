"""The fuzzer: seeded cases per format, run in a supervised worker with a time and memory cap.

    cases = make_cases(FORMATS, per_format=200, seed=0, root=tmp)
    results = run_cases(cases, timeout=20, memory_mb=2048)
    summary(results)   # {format: {outcome: count}}

A case is a valid data set of one format with one file mutated (see
`mutations.py`). Outcomes: `accepted` and `error` (with `named`: the
message names the file or its folder) are the two allowed ends (exit 0 or
2); `traceback`, `timeout` (the worker's alarm), `hang` (no answer: the
worker is killed), `memory` (the worker's resident memory grew past the cap
over its baseline: killed) and `crash` (the worker died) are failures.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from tests.fuzz.mutations import mutate
from tests.fuzz.worker import PREFIX

ROOT = Path(__file__).resolve().parents[2]
FAILURES = ("traceback", "timeout", "hang", "memory", "crash", "unnamed")


def case_seed(seed, name, index):
    return zlib.crc32(f"{seed}/{name}/{index}".encode())


def make_case(fmt, index, seed, root, timeout):
    """Write the format's valid data under root/<format>/<index>, mutate one file; the case dict."""
    folder = Path(root) / fmt.name / str(index)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    data = fmt.write(folder)
    rng = np.random.default_rng(case_seed(seed, fmt.name, index))
    targets = fmt.targets(folder)
    target = targets[int(rng.integers(len(targets)))]
    mutation, content = mutate(target.read_bytes(), rng, fmt.text)
    target.write_bytes(content)
    return {"id": f"{fmt.name}/{index}", "format": fmt.name, "mutation": mutation, "app": fmt.app,
            "data": str(data), "options": fmt.options, "timeout": timeout,
            "names": sorted({target.name, target.parent.name, Path(data).name}),
            "target": str(target.relative_to(folder))}


def make_cases(formats, per_format, seed, root, timeout=20):
    return [make_case(fmt, index, seed, root, timeout) for fmt in formats for index in range(per_format)]


class Worker:
    """One worker process, restarted after a kill."""

    def __init__(self):
        self.process = None

    def start(self):
        env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
        self.process = subprocess.Popen([sys.executable, "-m", "tests.fuzz.worker"], cwd=ROOT, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.answer(timeout=300)  # imports: TensorFlow, Keras
        self.baseline = self.rss_mb()

    def rss_mb(self):
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return 0.0
        line = next((ln for ln in status.splitlines() if ln.startswith("VmRSS:")), "VmRSS: 0 kB")
        return int(line.split()[1]) / 1024

    def answer(self, timeout, memory_mb=None):
        """The worker's next answer (a dict), or {"outcome": hang|memory|crash}."""
        deadline = time.monotonic() + timeout
        stream = self.process.stdout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([stream], [], [], 0.05)
            if ready:
                line = stream.readline()
                if not line:
                    return {"outcome": "crash", "message": f"worker exit status {self.process.poll()}"}
                if line.startswith(PREFIX):
                    return json.loads(line[len(PREFIX):])
            elif memory_mb is not None and self.rss_mb() - self.baseline > memory_mb:
                return {"outcome": "memory"}
        return {"outcome": "hang"}

    def run(self, case, memory_mb):
        if self.process is None or self.process.poll() is not None:
            self.start()
        self.process.stdin.write(json.dumps(case) + "\n")
        self.process.stdin.flush()
        result = self.answer(case["timeout"] + 15, memory_mb)
        if result["outcome"] in ("hang", "memory", "crash"):
            self.stop()
        return result

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


def run_cases(cases, memory_mb=2048, progress=None):
    """Every case's result: the case's fields plus outcome (and message, named)."""
    worker, results = Worker(), []
    try:
        for case in cases:
            started = time.monotonic()
            result = {**case, **worker.run(case, memory_mb), "seconds": round(time.monotonic() - started, 2)}
            if result["outcome"] == "error" and not result.get("named"):
                result["outcome"] = "unnamed"
            results.append(result)
            if progress:
                progress(result)
    finally:
        worker.stop()
    return results


def summary(results):
    """{format: Counter(outcome)}."""
    table = defaultdict(Counter)
    for result in results:
        table[result["format"]][result["outcome"]] += 1
    return table


def failures(results, kinds=FAILURES):
    return [result for result in results if result["outcome"] in kinds]
