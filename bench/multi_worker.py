"""Wall time of one worker against two local workers (MultiWorkerMirroredStrategy).

`python -m bench multi_worker`: the classifier's default `train` on the
default digits, run once as a single process and once as two worker
processes on this machine (`scripts/local_workers.py`, TF_CONFIG on free
localhost ports), with the same GLOBAL batch: each of the two workers takes
half of the one worker's batch (read from its config.json), so both runs
make the same number of optimizer steps on the same batches' worth of data
(with the same per-worker batch, the two workers made half the steps, and
BatchNorm's moving statistics, momentum 0.99, had not caught up by the end:
0.869 test accuracy against 0.992). BatchNorm is synchronized across the
workers (shared.distribute.synchronize_batch_norm), so the statistics of a
step are those of the global batch in both runs. Reported:
wall time of both (process start to exit), their ratio (two / one; < 1
means the two workers finished sooner), and the test accuracy of both.
Two workers on one 2-core machine share the same cores, so this measures
the cost of the collective all-reduce more than a speed-up; on separate
hosts each worker brings its own cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.local_workers import launch

APP = "classifier"
ARGS = ["train", "--patience", "0"]


def timed(function):
    started = time.time()
    function()
    return round(time.time() - started, 1)


def test_accuracy(run_dir):
    return json.loads((run_dir / "metrics.json").read_text())["test"]["accuracy"]


def run(args):
    root = Path(tempfile.mkdtemp(prefix="bench-multi-worker-"))
    one, two = root / "one", root / "two"
    seconds_one = timed(lambda: subprocess.run(
        [sys.executable, "-m", f"apps.{APP}", *ARGS, "--run-dir", str(one)], check=True,
        capture_output=True))
    batch = json.loads((one / "config.json").read_text())["config"]["batch_size"]
    codes = []
    seconds_two = timed(lambda: codes.extend(launch(
        2, APP, [*ARGS, "--batch-size", str(max(1, batch // 2)), "--run-dir", str(two)])))
    if codes != [0, 0]:
        raise RuntimeError(f"workers exited with {codes}; see {root}/two.worker*.log")
    return {"app": APP, "command": " ".join(ARGS), "global_batch": batch,
            "one_worker": {"seconds": seconds_one, "accuracy": test_accuracy(one)},
            "two_workers": {"seconds": seconds_two, "accuracy": test_accuracy(two)},
            "wall_time_ratio": round(seconds_two / seconds_one, 3)}
