"""Launch N local workers of one app's `train` with MultiWorkerMirroredStrategy.

    python scripts/local_workers.py 2 classifier train --run-dir runs/mw --epochs 3

Each worker is `python -m apps.<app> <args> --strategy multi-worker` with its
own TF_CONFIG (a cluster of N workers on free localhost ports, this one's
index). Worker 0 is the chief and writes the run folder; the others' output
goes to `<run-dir>.worker<i>.log` beside it.

Supervision: when one worker exits non-zero, the others are stopped and the
launcher exits with that worker's status (0 when all succeed); it never
waits forever on a cluster that lost a member.

Isolation: TensorFlow's gRPC servers have no authentication and listen on
every interface. Where `unshare` can make a private network namespace (Linux
user namespaces), the workers run in one with only a loopback interface:
nothing outside this machine, nor any other process on it, can reach them.
Elsewhere the launcher warns and binds the cluster to 127.0.0.1 ports (which
TensorFlow does not honour for its listening socket). `--no-isolate` skips
the namespace. On a real cluster run the same command on every host with
TF_CONFIG set by hand, on a private network only (see docs/scale-out.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
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


def run_dir_of(args):
    """The --run-dir value among the app's arguments (`--run-dir DIR` or `--run-dir=DIR`)."""
    for position, arg in enumerate(args):
        if arg.startswith("--run-dir="):
            return Path(arg.partition("=")[2])
        if arg == "--run-dir" and position + 1 < len(args) and not args[position + 1].startswith("-"):
            return Path(args[position + 1])
    raise SystemExit("local_workers: pass --run-dir DIR (every worker must use the same folder)")


def supervise(processes, timeout=None, poll=0.2):
    """Wait for every process; when one fails, stop the others. Returns the exit statuses."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        codes = [process.poll() for process in processes]
        failed = [code for code in codes if code not in (None, 0)]
        if failed or all(code is not None for code in codes):
            break
        if deadline is not None and time.monotonic() > deadline:
            stop(processes)
            raise subprocess.TimeoutExpired("local workers", timeout)
        time.sleep(poll)
    if failed:
        stop(processes)
    return [process.wait() for process in processes]


def stop(processes, grace=10):
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()


def launch(workers, app, args, python=sys.executable, timeout=None):
    """Start the workers, supervise them; returns their exit statuses."""
    run_dir = run_dir_of(args)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    addresses = [f"127.0.0.1:{port}" for port in free_ports(workers)]
    processes, logs = [], []
    try:
        for index in range(workers):
            log = open(run_dir.parent / f"{run_dir.name}.worker{index}.log", "w", encoding="utf-8")
            logs.append(log)
            env = dict(os.environ, TF_CONFIG=tf_config(addresses, index))
            command = [python, "-m", f"apps.{app}", *args, "--strategy", "multi-worker"]
            processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
        return supervise(processes, timeout=timeout)
    finally:
        stop(processes)
        for log in logs:
            log.close()


def isolation_prefix():
    """The command prefix of a private network namespace with loopback only, or None."""
    if not shutil.which("unshare") or not shutil.which("ip"):
        return None
    prefix = ["unshare", "--user", "--map-root-user", "--net", "--",
              "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def reexec_isolated(argv):
    """Run this launcher again inside a private network namespace; its exit status, or None."""
    prefix = isolation_prefix()
    if prefix is None:
        print("local_workers: warning: no private network namespace here (unshare); TensorFlow's gRPC "
              "servers listen on every interface without authentication: use a trusted network only",
              file=sys.stderr)
        return None
    env = dict(os.environ, ANNSUITE_ISOLATED="1")
    return subprocess.call([*prefix, sys.executable, str(Path(__file__).resolve()), *argv], env=env)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workers", type=int, help="number of local worker processes")
    parser.add_argument("app", help="app name, e.g. classifier")
    parser.add_argument("--no-isolate", action="store_true",
                        help="do not run the workers in a private loopback-only network namespace")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the app's arguments (train ...)")
    argv = sys.argv[1:] if argv is None else list(argv)
    options = parser.parse_args(argv)
    run_dir_of(options.args)  # a missing --run-dir stops before anything starts
    if not options.no_isolate and not os.environ.get("ANNSUITE_ISOLATED"):
        code = reexec_isolated(argv)
        if code is not None:
            return code
    codes = launch(options.workers, options.app, options.args)
    print(f"workers finished with exit codes {codes}")
    return next((code for code in codes if code), 0)


if __name__ == "__main__":
    sys.exit(main())
