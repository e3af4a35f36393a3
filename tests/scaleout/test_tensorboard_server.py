"""The real TensorBoard server serves the runs, scalars and images of two apps.

Offline: the server is started by the test on a free 127.0.0.1 port and
every request goes to that loopback address only.
"""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from apps.classifier import main as classifier
from apps.segmenter import main as segmenter


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("tensorboard_logs")
    classifier(["train", "--run-dir", str(logdir / "classifier" / "smoke"), "--epochs", "1",
                "--backbone", "lenet5", "--max-train-samples", "128", "--patience", "0"])
    segmenter(["train", "--run-dir", str(logdir / "segmenter" / "smoke"), "--scenes", "40",
               "--image-size", "32", "--base-filters", "4", "--depth", "2", "--epochs", "1",
               "--patience", "0", "--batch-size", "8"])
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("tensorboard")), "--logdir", str(logdir),
         "--host", "127.0.0.1", "--port", str(port), "--load_fast", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while True:
            try:
                runs = get(port, "/data/runs")
                if any(run.startswith("segmenter") for run in runs):
                    break
            except OSError:
                pass
            assert time.time() < deadline and server.poll() is None, "TensorBoard did not start"
            time.sleep(0.5)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_runs_scalars_and_images_are_served(served):
    runs = get(served, "/data/runs")
    for app in ("classifier", "segmenter"):
        assert f"{app}/smoke/train" in runs and f"{app}/smoke/validation" in runs
    scalars = get(served, "/data/plugin/scalars/tags")
    assert {"epoch_loss", "epoch_accuracy"} <= set(scalars["classifier/smoke/train"])
    assert {"epoch_loss", "epoch_mean_iou"} <= set(scalars["segmenter/smoke/validation"])
    images = get(served, "/data/plugin/images/tags")
    for app in ("classifier", "segmenter"):
        tags = {tag for run, run_tags in images.items() if run.startswith(app) for tag in run_tags}
        assert tags, f"no image served for {app}"
