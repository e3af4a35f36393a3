"""The local launcher: --run-dir anywhere, supervision, a loopback-only network namespace."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.local_workers import isolation_prefix, main, run_dir_of, supervise


def test_run_dir_is_found_anywhere_in_the_arguments():
    assert run_dir_of(["train", "--run-dir", "runs/a", "--epochs", "1"]) == Path("runs/a")
    assert run_dir_of(["train", "--epochs", "1", "--run-dir=runs/b"]) == Path("runs/b")
    for missing in (["train", "--epochs", "1"], ["train", "--run-dir"], ["train", "--run-dir", "--epochs"]):
        with pytest.raises(SystemExit, match="pass --run-dir DIR"):
            run_dir_of(missing)
    with pytest.raises(SystemExit, match="pass --run-dir DIR"):
        main(["2", "classifier", "train", "--run-dir"])  # last: one line, no IndexError


def test_one_failing_worker_stops_the_others_and_gives_its_status():
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    failing = subprocess.Popen([sys.executable, "-c", "import sys, time; time.sleep(0.5); sys.exit(3)"])
    started = time.monotonic()
    codes = supervise([sleeper, failing])
    assert codes[1] == 3 and codes[0] != 0       # the sleeper was stopped, not waited for
    assert time.monotonic() - started < 30
    assert supervise([subprocess.Popen([sys.executable, "-c", "pass"])]) == [0]


@pytest.mark.skipif(isolation_prefix() is None, reason="no user/network namespaces on this machine (unshare)")
def test_the_namespace_has_loopback_only_and_it_works():
    script = ("import socket; names = sorted(name for _, name in socket.if_nameindex());"
              "s = socket.socket(); s.bind(('0.0.0.0', 0)); s.listen(); c = socket.create_connection("
              "('127.0.0.1', s.getsockname()[1])); print(names)")
    done = subprocess.run([*isolation_prefix(), sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['lo']"
