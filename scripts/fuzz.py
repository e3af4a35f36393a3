"""`python -m scripts.fuzz APP|all [--cases N] [--seed S]`: the seeded input fuzzer.

For every input format of the app (tests/fuzz/formats.py), N cases: a valid
data set with one file mutated (truncation, bit flips, header fields, huge
declared sizes, encodings, empty and duplicated entries, NaN and wrong
types, deep nesting, long lines, another file's content), each read by the
app's data stage (what `train` does before a run folder exists) in a
supervised worker with a time cap per case and a memory cap. Prints the
counts per format; `--doc` writes them to docs/bad-input.md. Exits 1 when
any case ended in a traceback, a timeout or hang, over the memory cap, a
crash, or an error message that does not name the file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from tests.fuzz.formats import FORMATS
from tests.fuzz.runner import FAILURES, failures, make_cases, run_cases, summary

DOC = Path(__file__).resolve().parents[1] / "docs" / "bad-input.md"
BEGIN, END = "<!-- fuzz:begin -->", "<!-- fuzz:end -->"
OUTCOMES = ("accepted", "error", *FAILURES)


def table(counts):
    lines = ["| format | cases | " + " | ".join(OUTCOMES) + " |", "|---" * (len(OUTCOMES) + 2) + "|"]
    for name, counter in counts.items():
        lines.append(f"| {name} | {sum(counter.values())} | " + " | ".join(str(counter[o]) for o in OUTCOMES) + " |")
    return "\n".join(lines)


def write_doc(text, command):
    doc = DOC.read_text(encoding="utf-8")
    block = f"{BEGIN}\nMeasured by `{command}`:\n\n{text}\n{END}"
    if BEGIN in doc:
        head, rest = doc.split(BEGIN, 1)
        doc = head + block + rest.split(END, 1)[1]
    else:
        doc = doc.rstrip("\n") + "\n\n## The fuzzer\n\n" + block + "\n"
    DOC.write_text(doc, encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m scripts.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("apps", nargs="+", help="apps whose formats to fuzz, or all")
    parser.add_argument("--cases", type=int, default=200, help="cases per format (default 200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=20, help="seconds per case")
    parser.add_argument("--memory-mb", type=int, default=2048, help="memory cap over the worker's baseline")
    parser.add_argument("--doc", action="store_true", help="write the counts to docs/bad-input.md")
    args = parser.parse_args(argv)
    formats = [f for f in FORMATS if "all" in args.apps or f.name.split("-")[0] in args.apps]
    if not formats:
        parser.error(f"no formats for {args.apps}")
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="annsuite-fuzz-") as root:
        cases = make_cases(formats, args.cases, args.seed, root, timeout=args.timeout)
        results = run_cases(cases, memory_mb=args.memory_mb)
    text = table(summary(results))
    print(text)
    bad = failures(results)
    for result in bad[:40]:
        print(f"{result['id']} ({result['mutation']} of {result['target']}): {result['outcome']}: "
              f"{(result.get('message') or '').strip()[-400:]}", file=sys.stderr)
    print(f"{len(results)} cases in {time.time() - started:.0f} s on {len(os.sched_getaffinity(0))} core(s); "
          f"{len(bad)} failures")
    if args.doc:
        write_doc(text + f"\n\n{len(results)} cases, seed {args.seed}, {time.time() - started:.0f} s.",
                  f"python -m scripts.fuzz {' '.join(args.apps)} --cases {args.cases} --seed {args.seed}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
