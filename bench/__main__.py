"""`python -m bench APP [APP ...] [--data PATH]`; `all` runs every benchmark."""

import argparse
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import shared  # noqa: F401 - Keras backend and quiet logs
from shared.cli import run, setup_logging

RESULTS = Path(__file__).parent / "results"


def available():
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("apps", nargs="+", help=f"benchmarks to run: all, or of {', '.join(available())}")
    parser.add_argument("--data", help="also measure on this real data set (the app's format)")
    parser.add_argument("--only", help="real_data: only these cases or apps (comma-separated)")
    parser.add_argument("--rounds", type=int, default=3, help="word2vec, word2vec_hs: seeds per comparison (42, 43, ...)")
    parser.add_argument("--out", default=str(RESULTS), help="folder of the JSON results")
    args = parser.parse_args(argv)
    setup_logging()
    names = available() if args.apps == ["all"] else args.apps
    results = {}
    for name in names:
        if name not in available():
            parser.error(f"unknown benchmark {name!r}")
        started = time.time()
        result = importlib.import_module(f"bench.{name}").run(args)
        result["bench_seconds"] = round(time.time() - started, 1)
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps({name: result}, indent=2))
        results[name] = result
    return results


if __name__ == "__main__":
    sys.exit(run(main, prog="python -m bench"))
