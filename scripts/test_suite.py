"""`make test`: the test suite, one pytest process per test folder.

Each folder (tests/<app>/, tests/shared/, tests/scaleout/, ...) and the
top-level test files run in a process of their own, two at a time on a
machine with two or more cores (`ANNSUITE_TEST_JOBS` sets how many; the
longest folders start first, so the two queues end together): an app's
TensorFlow state (kernels, lookup tables, tokenizer resources)
never meets another app's. TensorFlow clears its kernel cache whenever a
run is seeded, and with the text apps' tokenizer kernels and the image
apps' runs in one process that has crashed the interpreter
(`TFE_ContextClearCaches`, seen here on TensorFlow 2.21). The totals of
every process are printed at the end as one line: `N passed, N failed`.

    python scripts/test_suite.py [PYTEST ARGS...]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Seconds of each folder on an idle 2-core machine, one process at a time (2026-12-02): the longest start first.
SECONDS = {"tests/translator": 314, "tests/chatbot": 143, "tests/scaleout": 130, "tests/classifier": 102,
           "tests/sentiment": 99, "tests/gan": 88, "tests/segmenter": 86, "tests/foundations": 76,
           "tests/shared": 70, "tests/detector": 61, "tests/word2vec": 122}
COUNTED = ("passed", "failed", "errors", "error", "skipped", "deselected", "xfailed", "xpassed")


def groups():
    """The test folders, then the top-level test files (as one group)."""
    tests = ROOT / "tests"
    folders = sorted(str(p.relative_to(ROOT)) for p in tests.iterdir()
                     if p.is_dir() and (p / "__init__.py").exists() and any(p.glob("test_*.py")))
    files = sorted(str(p.relative_to(ROOT)) for p in tests.glob("test_*.py"))
    return [[folder] for folder in folders] + ([files] if files else [])


def counts(output):
    """{word: number} from pytest's closing line."""
    found = {}
    lines = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed|error|deselected)", line)]
    for number, word in re.findall(r"(\d+) (\w+)", lines[-1] if lines else ""):
        if word in COUNTED:
            word = "errors" if word == "error" else word
            found[word] = found.get(word, 0) + int(number)
    return found


def run_group(paths, argv):
    """One pytest process over `paths`: (paths, completed process, seconds)."""
    started = time.time()
    done = subprocess.run([sys.executable, "-m", "pytest", *paths, *argv], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    return paths, done, time.time() - started


def jobs():
    """Pytest processes at a time: ANNSUITE_TEST_JOBS, else 2 with two or more cores, else 1."""
    given = os.environ.get("ANNSUITE_TEST_JOBS", "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    return 2 if len(os.sched_getaffinity(0)) >= 2 else 1


def report(paths, done, seconds, totals, failures):
    """Print one process's result and add its counts to the totals."""
    tail = done.stdout[-6000:] if done.returncode else "\n".join(done.stdout.splitlines()[-1:]) + "\n"
    sys.stdout.write(f"[{' '.join(paths) if len(paths) == 1 else 'tests/test_*.py'}, {seconds:.0f} s] {tail}")
    sys.stderr.write(done.stderr[-3000:] if done.returncode not in (0, 5) else "")
    sys.stdout.flush()
    if done.returncode not in (0, 5):  # 5: nothing collected there
        failures.append(f"{' '.join(paths)} (exit {done.returncode})")
    for word, number in counts(done.stdout).items():
        totals[word] = totals.get(word, 0) + number


def main(argv):
    totals, failures, started = {}, [], time.time()
    ordered = sorted(groups(), key=lambda paths: -SECONDS.get(paths[0], 30))
    with ThreadPoolExecutor(jobs()) as pool:
        for paths, done, seconds in pool.map(lambda paths: run_group(paths, argv), ordered):
            report(paths, done, seconds, totals, failures)
    minutes = (time.time() - started) / 60
    extra = "".join(f", {totals[w]} {w}" for w in ("skipped", "deselected") if totals.get(w))
    print(f"\n{len(ordered)} pytest processes ({jobs()} at a time), {minutes:.1f} min{extra}; " +
          (f"failed: {', '.join(failures)}" if failures else "all passed"))
    failed = totals.get("failed", 0) + totals.get("errors", 0) + (1 if failures and not totals.get("failed") else 0)
    print(f"{totals.get('passed', 0)} passed, {failed} failed")  # the closing line CI reads
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
