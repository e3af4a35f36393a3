"""Two real worker processes on localhost train with MultiWorkerMirroredStrategy."""

import re
import sys

import pandas as pd
import pytest

from scripts.local_workers import launch
from shared.distribute import keras_is_affected
from shared.training import read_json

# Tiny budgets: the point is agreement between the workers, not quality.
APPS = {
    "classifier": ["train", "--backbone", "lenet5", "--epochs", "3", "--max-train-samples", "256",
                   "--batch-size", "32", "--patience", "0"],
    "sentiment": ["train", "--examples", "1000", "--max-train-samples", "256", "--epochs", "3",
                  "--units", "8", "--embedding-dim", "8", "--patience", "0", "--batch-size", "32"],
}
DIGEST = re.compile(r"weights sha1 ([0-9a-f]{40})")


@pytest.mark.parametrize("app", [pytest.param(app, marks=pytest.mark.slow) if app != "classifier"
                                 else app for app in sorted(APPS)])
def test_two_workers_finish_in_step_and_only_the_chief_writes(app, tmp_path):
    run_dir = tmp_path / "run"
    codes = launch(2, app, [*APPS[app], "--run-dir", str(run_dir)], python=sys.executable,
                   timeout=600)
    logs = [(tmp_path / f"run.worker{i}.log").read_text() for i in range(2)]
    assert codes == [0, 0], logs[0][-2000:] + logs[1][-2000:]
    digests = [DIGEST.findall(text) for text in logs]
    assert digests[0] and digests[0] == digests[1]  # identical trainable weights
    chief = read_json(run_dir / "metrics.json")
    assert chief["epochs"] == 3
    history = pd.read_csv(run_dir / "history.csv")
    assert list(history["epoch"]) == [1, 2, 3]
    assert history["loss"].iloc[-1] < history["loss"].iloc[0]
    worker_folder = re.search(r"run folder: (\S+)", logs[1]).group(1)
    assert "annsuite-worker1-" in worker_folder
    assert not (tmp_path / worker_folder).exists()  # removed at the end
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run.worker0.log", "run.worker1.log"]


def test_patch_is_for_the_affected_versions_only():
    assert keras_is_affected("3.15.1") and keras_is_affected("3.6.0")
    assert not keras_is_affected("3.16.0") and not keras_is_affected("2.15.0")
