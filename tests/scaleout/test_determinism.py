"""`--deterministic`: two runs with the same seed give identical results on CPU."""

import json
import subprocess
import sys

import pandas as pd
import pytest

APPS = {
    "classifier": ["--backbone", "lenet5", "--epochs", "2", "--max-train-samples", "200",
                   "--patience", "0", "--batch-size", "32"],
    "segmenter": ["--scenes", "40", "--image-size", "32", "--base-filters", "4", "--depth", "2",
                  "--epochs", "2", "--patience", "0", "--batch-size", "8"],
}


def train(app, run_dir):
    # A process each: op determinism is process-wide and must not leak into other tests.
    result = subprocess.run([sys.executable, "-m", f"apps.{app}", "train", "--run-dir",
                             str(run_dir), "--deterministic", *APPS[app]],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    history = pd.read_csv(run_dir / "history.csv").drop(columns=["phase"])
    return metrics, history


@pytest.mark.parametrize("app", [pytest.param(app, marks=pytest.mark.slow) if app != "classifier"
                                 else app for app in sorted(APPS)])
def test_same_seed_same_metrics(app, tmp_path):
    first, first_history = train(app, tmp_path / "a")
    second, second_history = train(app, tmp_path / "b")
    assert first["test"] == second["test"]
    pd.testing.assert_frame_equal(first_history, second_history, check_exact=True)
