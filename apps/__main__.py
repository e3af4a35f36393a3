"""`python -m apps list | demo`: the suite at a glance."""

import argparse
import importlib
import sys
import time
from pathlib import Path

from apps import APPS
from shared.cli import run, setup_logging


def list_apps():
    rows = {}
    for name in APPS:
        rows[name] = importlib.import_module(f"apps.{name}").DESCRIPTION
        print(f"{name:12s} {rows[name]}")
    return rows


def demo(names, root):
    """Train every app briefly on its default data; print one summary table."""
    rows = []
    for name in names:
        package = importlib.import_module(f"apps.{name}")
        run_dir = Path(root) / name / time.strftime("%Y%m%d-%H%M%S-demo")
        started = time.time()
        metrics = package.main(["train", "--run-dir", str(run_dir), *package.DEMO_ARGS])
        value = metrics["test"][package.METRIC]
        rows.append((name, package.METRIC, value, time.time() - started, str(run_dir)))
    print(f"\n{'app':12s} {'metric':24s} {'value':>8s} {'seconds':>8s}  run folder")
    for name, metric, value, seconds, run_dir in rows:
        print(f"{name:12s} {metric:24s} {value:8.4f} {seconds:8.1f}  {run_dir}")
    print("\nSee them all: make tensorboard (or tensorboard --logdir tensorboard_logs)")
    return {name: {"metric": metric, "value": value, "seconds": seconds, "run_dir": run_dir}
            for name, metric, value, seconds, run_dir in rows}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m apps", description="The annsuite applications.")
    sub = parser.add_subparsers(dest="verb", required=True)
    sub.add_parser("list", help="one line per app")
    demo_parser = sub.add_parser("demo", help="every app on its default data, short budget, one table")
    demo_parser.add_argument("apps", nargs="*", default=[], metavar="APP",
                             help=f"apps to run (default: all of {', '.join(APPS)})")
    demo_parser.add_argument("--root", default="tensorboard_logs", help="root of the run folders")
    args = parser.parse_args(argv)
    unknown = [name for name in getattr(args, "apps", []) if name not in APPS]
    if unknown:
        parser.error(f"unknown app(s): {', '.join(unknown)}; known: {', '.join(APPS)}")
    setup_logging()
    if args.verb == "list":
        return list_apps()
    return demo(args.apps or list(APPS), args.root)


if __name__ == "__main__":
    sys.exit(run(main, prog="python -m apps"))
