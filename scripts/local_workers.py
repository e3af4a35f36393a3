"""Launch N local workers of one app's `train` with MultiWorkerMirroredStrategy.

    python scripts/local_workers.py 2 classifier train --run-dir runs/mw --epochs 3

Each worker is `python -m apps.<app> <args> --strategy multi-worker` with its
own TF_CONFIG (a cluster of N workers on free localhost ports, this one's
index). Worker 0 is the chief and writes the run folder; the others' output
goes to `<run-dir>.worker<i>.log` beside it. Exits with the first non-zero
exit status of a worker (0 when all succeed). On a real cluster run the
same command on every host with TF_CONFIG set by hand (see the README).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
from pathlib import Path


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(addresses, index):
    return json.dumps({"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}})


def launch(workers, app, args, python=sys.executable, timeout=None):
    """Start the workers, wait for all; returns their exit statuses."""
    if "--run-dir" not in args:
        raise SystemExit("local_workers: pass --run-dir (every worker must use the same folder)")
    run_dir = Path(args[args.index("--run-dir") + 1])
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    addresses = [f"127.0.0.1:{port}" for port in free_ports(workers)]
    processes, logs = [], []
    for index in range(workers):
        log = open(run_dir.parent / f"{run_dir.name}.worker{index}.log", "w", encoding="utf-8")
        logs.append(log)
        env = dict(os.environ, TF_CONFIG=tf_config(addresses, index))
        command = [python, "-m", f"apps.{app}", *args, "--strategy", "multi-worker"]
        processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
    try:
        return [process.wait(timeout=timeout) for process in processes]
    except subprocess.TimeoutExpired:
        for process in processes:
            process.kill()
        raise
    finally:
        for log in logs:
            log.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workers", type=int, help="number of local worker processes")
    parser.add_argument("app", help="app name, e.g. classifier")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the app's arguments (train ...)")
    options = parser.parse_args(argv)
    codes = launch(options.workers, options.app, options.args)
    print(f"workers finished with exit codes {codes}")
    return next((code for code in codes if code), 0)


if __name__ == "__main__":
    sys.exit(main())
