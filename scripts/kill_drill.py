"""Kill training runs with SIGKILL at random moments, rerun them, compare.

    python -m scripts.kill_drill                       # every app, 5 kills each
    python -m scripts.kill_drill classifier gan --kills 3 --seed 1

For each app: one uninterrupted run of a small budget, then one run
started again and again with the same command, each try killed (SIGKILL,
no clean-up) at a random moment of a random epoch (see `kill_many`):
the middle of an epoch, a checkpoint being written, the
final evaluation. After the kills, the same command runs to the end.
Prints a markdown table: the epoch each kill found backed up,
the final metric of both runs and whether they agree within the app's
tolerance (a restart draws another data order, so not bit-equal), and
whether history.csv has each epoch exactly once. The kill/resume test
(tests/scaleout/test_kill_resume.py) uses the same commands.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

# app -> (tiny train arguments, metric key in metrics.json["test"], tolerance)
APPS = {
    "classifier": (["--backbone", "lenet5", "--epochs", "4", "--max-train-samples", "400",
                    "--patience", "0", "--batch-size", "32"], "accuracy", 0.1),
    "segmenter": (["--scenes", "60", "--image-size", "32", "--base-filters", "4", "--depth", "2",
                   "--epochs", "4", "--patience", "0", "--batch-size", "8"], "mean_iou", 0.15),
    "detector": (["--num-scenes", "120", "--epochs", "4", "--batch-size", "8", "--width", "4",
                  "--fpn-filters", "8", "--map-images", "8", "--score-threshold", "0.001",
                  "--max-detections", "10", "--patience", "0"], "map50", 0.15),
    "sentiment": (["--examples", "1500", "--max-train-samples", "400", "--epochs", "3", "--units", "8",
                   "--embedding-dim", "8", "--patience", "0", "--batch-size", "32"], "accuracy", 0.15),
    "translator": (["--num-examples", "400", "--epochs", "3", "--units", "16", "--embedding-dim", "16",
                    "--batch-size", "32", "--bleu-samples", "16", "--patience", "0"], "bleu", 15.0),
    "chatbot": (["--epochs", "3", "--dialogues", "200", "--embedding-dim", "8", "--units", "16",
                 "--attention-units", "8", "--turns", "2", "--utterance-length", "10",
                 "--response-length", "12", "--patience", "0", "--batch-size", "32"], "bleu", 15.0),
    "gan": (["--epochs", "4", "--width", "4", "--max-train-samples", "256", "--batch-size", "32",
             "--feature-epochs", "1", "--fid-samples", "64", "--latent-dim", "8"], "fid", 0.02),
    "foundations": (["--epochs", "4", "--xor-epochs", "3", "--patience", "0"], "accuracy", 0.1),
    "word2vec": (["--epochs", "3", "--dim", "32"], "analogy_accuracy", 0.25),
}
TIMEOUT = 600


def command(app, run_dir):
    return [sys.executable, "-m", f"apps.{app}", "train", "--run-dir", str(run_dir), *APPS[app][0]]


def backed_up_epoch(run_dir):
    """The highest epoch any phase's backup of this run has saved (0: none)."""
    epochs = [json.loads(p.read_text())["epoch"] for p in Path(run_dir).rglob("state.json")
              if p.stat().st_size]
    done = [json.loads(p.read_text())["epochs"] for p in Path(run_dir).rglob("*.done.json")]
    return max(epochs + done, default=0)


def start(app, run_dir):
    return subprocess.Popen(command(app, run_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=os.environ.copy())


def kill(process):
    """SIGKILL `process` if it still runs; True when the kill landed."""
    alive = process.poll() is None
    if alive:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return alive and process.returncode == -signal.SIGKILL


def kill_when(app, run_dir, ready):
    """Start a run and SIGKILL it as soon as `ready(elapsed_seconds)` is true."""
    process, started = start(app, run_dir), time.time()
    while process.poll() is None and time.time() - started < TIMEOUT:
        if ready(time.time() - started):
            break
        time.sleep(0.05)
    return kill(process), process


def kill_after_first_epoch(app, run_dir):
    """Start a run and SIGKILL it once its first epoch is backed up."""
    landed, process = kill_when(app, run_dir, lambda _: Path(run_dir).exists() and backed_up_epoch(run_dir) >= 1)
    assert landed, process.stderr.read().decode()[-2000:]


def finish(app, run_dir):
    """Run the command to the end; its metrics.json."""
    result = subprocess.run(command(app, run_dir), capture_output=True, text=True, timeout=TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError(f"{app}: exit {result.returncode}: {result.stderr[-3000:]}")
    return json.loads((Path(run_dir) / "metrics.json").read_text())


def longest_history(run_dir):
    """history.csv of the run (an experiment with sub-runs: the longest one)."""
    return max((pd.read_csv(path) for path in Path(run_dir).rglob("history.csv")), key=len)


def starts(run_dir):
    """How many processes have opened this run folder (lines of train.log)."""
    log = Path(run_dir) / "train.log"
    return log.read_text().count(" run folder: ") if log.exists() else 0


def timed_run(app, run_dir):
    """Run to the end; (metrics.json, seconds to start_run, seconds in all)."""
    process, started, opened = start(app, run_dir), time.time(), None
    while process.poll() is None:
        if opened is None and starts(run_dir):
            opened = time.time() - started
        time.sleep(0.05)
    if process.returncode != 0:
        raise RuntimeError(f"{app}: exit {process.returncode}: {process.stderr.read().decode()[-3000:]}")
    metrics = json.loads((Path(run_dir) / "metrics.json").read_text())
    return metrics, opened or 0.0, time.time() - started


def kill_many(app, run_dir, kills, epochs, work, rng):
    """`kills` tries of one run, each SIGKILLed at a random moment.

    The moments: `kills` epochs drawn at random (sorted) from the run's
    `epochs`, and in each a random point: the try is killed a delay
    uniform in (0, half of one epoch's share of `work`) after it has backed up the
    epoch before (`work`: the time the uninterrupted run spent after
    opening its run folder). A kill can so land in the middle of an epoch,
    while a checkpoint is written, or in the final test and figures. A
    try that finishes first ends the drill early ("done"). Returns, per
    kill, the backed-up epoch it found.
    """
    found = []
    for target in sorted(rng.randrange(epochs) for _ in range(kills)):
        before, delay, reached = starts(run_dir), rng.uniform(0.0, 0.5 * work / epochs), []

        def ready(elapsed, before=before, delay=delay, reached=reached, target=target):
            if not reached and starts(run_dir) > before and backed_up_epoch(run_dir) >= target:
                reached.append(elapsed)
            return bool(reached) and elapsed - reached[0] >= delay

        landed, process = kill_when(app, run_dir, ready)
        if not landed and process.returncode != 0:
            raise RuntimeError(f"{app}: exit {process.returncode}: {process.stderr.read().decode()[-3000:]}")
        found.append(backed_up_epoch(run_dir) if landed else "done")
        if not landed:
            break
    return found


def drill(app, workdir, kills, rng):
    """One app's row of the table."""
    key, tolerance = APPS[app][1], APPS[app][2]
    whole, opened, seconds = timed_run(app, workdir / "whole")
    epochs = len(longest_history(workdir / "whole"))
    found = kill_many(app, workdir / "killed", kills, epochs, seconds - opened, rng)
    resumed = finish(app, workdir / "killed")
    epochs = list(longest_history(workdir / "killed")["epoch"])
    difference = abs(resumed["test"][key] - whole["test"][key])
    return {"app": app, "seconds": round(seconds, 1), "kills": found, "metric": key,
            "whole": round(whole["test"][key], 4), "killed": round(resumed["test"][key], 4),
            "tolerance": tolerance, "agree": difference <= tolerance,
            "epochs_once": epochs == list(range(1, len(epochs) + 1)) and len(epochs) == len(
                longest_history(workdir / "whole"))}


def table(rows):
    lines = ["| app | uninterrupted run (s) | backed-up epoch found by each kill | metric | "
             "uninterrupted | killed, then rerun | tolerance | agree | each epoch once |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['app']} | {row['seconds']} | {', '.join(map(str, row['kills']))} | {row['metric']} | "
                     f"{row['whole']} | {row['killed']} | {row['tolerance']} | {row['agree']} | {row['epochs_once']} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("apps", nargs="*", default=sorted(APPS), help="apps to drill (default: all)")
    parser.add_argument("--kills", type=int, default=5, help="kills per app before the final rerun")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    parser.add_argument("--out", default="bench/results/kill_drill.json", help="JSON of the rows")
    options = parser.parse_args(argv)
    rng, rows = random.Random(options.seed), []
    with tempfile.TemporaryDirectory(prefix="kill-drill-") as folder:
        for app in options.apps:
            try:
                rows.append(drill(app, Path(folder) / app, options.kills, rng))
            except (RuntimeError, KeyError, subprocess.TimeoutExpired) as error:
                rows.append({"app": app, "seconds": "", "kills": [f"error: {error}"[:300]], "metric": "",
                             "whole": "", "killed": "", "tolerance": "", "agree": False, "epochs_once": False})
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    Path(options.out).parent.mkdir(parents=True, exist_ok=True)
    Path(options.out).write_text(json.dumps(rows, indent=2) + "\n")
    print(table(rows))
    return 0 if all(row["agree"] and row["epochs_once"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
