"""`make test`: the test suite, one pytest process per test folder.

Each folder (tests/<app>/, tests/shared/, tests/scaleout/, ...) and the
top-level test files run in a process of their own, one after the other:
an app's TensorFlow state (kernels, lookup tables, tokenizer resources)
never meets another app's. TensorFlow clears its kernel cache whenever a
run is seeded, and with the text apps' tokenizer kernels and the image
apps' runs in one process that has crashed the interpreter
(`TFE_ContextClearCaches`, seen here on TensorFlow 2.21). The totals of
every process are printed at the end as one line: `N passed, N failed`.

    python scripts/test_suite.py [PYTEST ARGS...]
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def main(argv):
    totals, failures, started = {}, [], time.time()
    for paths in groups():
        done = subprocess.run([sys.executable, "-m", "pytest", *paths, *argv], cwd=ROOT,
                              capture_output=True, text=True, check=False)
        sys.stdout.write(done.stdout[-6000:] if done.returncode else "\n".join(done.stdout.splitlines()[-3:]) + "\n")
        sys.stderr.write(done.stderr[-3000:] if done.returncode not in (0, 5) else "")
        sys.stdout.flush()
        if done.returncode not in (0, 5):  # 5: nothing collected there
            failures.append(f"{' '.join(paths)} (exit {done.returncode})")
        for word, number in counts(done.stdout).items():
            totals[word] = totals.get(word, 0) + number
    minutes = (time.time() - started) / 60
    extra = "".join(f", {totals[w]} {w}" for w in ("skipped", "deselected") if totals.get(w))
    print(f"\n{len(groups())} pytest processes, {minutes:.1f} min{extra}; " +
          (f"failed: {', '.join(failures)}" if failures else "all passed"))
    failed = totals.get("failed", 0) + totals.get("errors", 0) + (1 if failures and not totals.get("failed") else 0)
    print(f"{totals.get('passed', 0)} passed, {failed} failed")  # the closing line CI reads
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
