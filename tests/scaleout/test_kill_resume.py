"""SIGKILL a training process after its first epoch, rerun it, compare.

For each app: one uninterrupted run, and one run killed (SIGKILL, no
clean-up) as soon as its first epoch is backed up, then rerun with the
same command. The rerun must continue from the backup (continuous epoch
numbers, no epoch trained twice beyond the interrupted one) and end within
a tolerance of the uninterrupted run (the data order after a restart is
not the one an unbroken process would have drawn, so not bit-equal).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

# app -> (tiny train arguments, metric key in metrics.json["test"], tolerance)
APPS = {
    "classifier": (["--backbone", "lenet5", "--epochs", "4", "--max-train-samples", "400",
                    "--patience", "0", "--batch-size", "32"], "accuracy", 0.1),
    "segmenter": (["--scenes", "60", "--image-size", "32", "--base-filters", "4", "--depth", "2",
                   "--epochs", "4", "--patience", "0", "--batch-size", "8"], "mean_iou", 0.15),
    "word2vec": (["--epochs", "3", "--dim", "32"], "analogy_accuracy", 0.25),
    "sentiment": (["--examples", "1500", "--max-train-samples", "400", "--epochs", "3", "--units", "8",
                   "--embedding-dim", "8", "--patience", "0", "--batch-size", "32"], "accuracy", 0.15),
    "translator": (["--num-examples", "400", "--epochs", "3", "--units", "16", "--embedding-dim", "16",
                    "--batch-size", "32", "--bleu-samples", "16", "--patience", "0"], "bleu", 15.0),
}
TIMEOUT = 300


def command(app, run_dir):
    return [sys.executable, "-m", f"apps.{app}", "train", "--run-dir", str(run_dir), *APPS[app][0]]


def backed_up_epoch(run_dir):
    """The highest epoch any phase's backup of this run has saved."""
    epochs = [json.loads(p.read_text())["epoch"] for p in Path(run_dir).rglob("state.json")
              if p.stat().st_size]
    done = [json.loads(p.read_text())["epochs"] for p in Path(run_dir).rglob("*.done.json")]
    return max(epochs + done, default=0)


def kill_after_first_epoch(app, run_dir):
    process = subprocess.Popen(command(app, run_dir), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=os.environ.copy())
    deadline = time.time() + TIMEOUT
    while time.time() < deadline and process.poll() is None:
        if run_dir.exists() and backed_up_epoch(run_dir) >= 1:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()[-2000:]


def finish(app, run_dir):
    result = subprocess.run(command(app, run_dir), capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((run_dir / "metrics.json").read_text())


SLOW = {"segmenter", "word2vec", "sentiment", "translator"}  # `make test-all` runs them too


@pytest.mark.parametrize("app", [pytest.param(app, marks=pytest.mark.slow) if app in SLOW else app
                                 for app in sorted(APPS)])
def test_killed_run_resumes_from_its_backup(app, tmp_path):
    key, tolerance = APPS[app][1], APPS[app][2]
    reference = finish(app, tmp_path / "whole")
    kill_after_first_epoch(app, tmp_path / "killed")
    killed_at = backed_up_epoch(tmp_path / "killed")
    resumed = finish(app, tmp_path / "killed")
    history = pd.read_csv(tmp_path / "killed" / "history.csv")
    whole = pd.read_csv(tmp_path / "whole" / "history.csv")
    assert list(history["epoch"]) == list(range(1, len(history) + 1))
    assert len(history) == len(whole) and resumed["epochs"] == reference["epochs"]
    assert killed_at >= 1
    log = (tmp_path / "killed" / "train.log").read_text()
    assert "resuming" in log
    assert abs(resumed["test"][key] - reference["test"][key]) <= tolerance, (resumed, reference)
