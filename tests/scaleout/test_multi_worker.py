"""Two real worker processes on localhost train with MultiWorkerMirroredStrategy.

Every app's smoke run, on a tiny budget: both workers finish, their
trainable weights are identical after every phase (the sha1 each worker
logs), only the chief's run folder holds artefacts, the other worker's
temporary folder is gone, and the loss falls. The classifier runs in
`make test`; the other apps are `slow` (`make test-all`).
"""

import re
import sys

import pandas as pd
import pytest

from scripts.local_workers import launch
from shared.distribute import keras_is_affected
from shared.records import read_json

# Tiny budgets: the point is agreement between the workers, not quality.
APPS = {
    "classifier": ["train", "--backbone", "lenet5", "--epochs", "3", "--max-train-samples", "256",
                   "--batch-size", "32", "--patience", "0"],
    "segmenter": ["train", "--scenes", "60", "--image-size", "32", "--base-filters", "4", "--depth", "2",
                  "--epochs", "3", "--patience", "0", "--batch-size", "8"],
    "detector": ["train", "--num-scenes", "40", "--epochs", "3", "--batch-size", "8", "--width", "4",
                 "--fpn-filters", "8", "--map-images", "4", "--score-threshold", "0.001",
                 "--max-detections", "10", "--patience", "0"],
    "sentiment": ["train", "--examples", "1000", "--max-train-samples", "256", "--epochs", "3",
                  "--units", "8", "--embedding-dim", "8", "--patience", "0", "--batch-size", "32"],
    "translator": ["train", "--num-examples", "400", "--epochs", "3", "--units", "16", "--embedding-dim", "16",
                   "--batch-size", "32", "--bleu-samples", "16", "--patience", "0"],
    "chatbot": ["train", "--epochs", "3", "--dialogues", "160", "--embedding-dim", "8", "--units", "16",
                "--attention-units", "8", "--turns", "2", "--utterance-length", "10",
                "--response-length", "12", "--patience", "0", "--batch-size", "32"],
    "gan": ["train", "--epochs", "3", "--width", "4", "--max-train-samples", "128", "--batch-size", "32",
            "--feature-epochs", "1", "--fid-samples", "64", "--latent-dim", "8"],
    "foundations": ["train", "--epochs", "3", "--xor-epochs", "2", "--patience", "0"],
    # skip-gram and CBOW train on one device (sparse updates); the nnlm model distributes
    "word2vec": ["train", "--model", "nnlm", "--epochs", "3", "--dim", "16", "--hidden", "16"],
}
DIGEST = re.compile(r"weights sha1 ([0-9a-f]{40})")




def falling_loss(app, run_dir):
    """The loss of the last epoch of the longest history is below its first.

    Not asked of the GAN: its two losses are a game, not a descent.
    """
    history = max((pd.read_csv(path) for path in run_dir.rglob("history.csv")), key=len)
    assert list(history["epoch"]) == list(range(1, len(history) + 1))
    return app == "gan" or history["loss"].iloc[-1] < history["loss"].iloc[0]


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
    assert read_json(run_dir / "metrics.json")["epochs"] >= 3
    assert falling_loss(app, run_dir)
    worker_folder = re.search(r"run folder: (\S+)", logs[1]).group(1)
    assert "annsuite-worker1-" in worker_folder
    assert not (tmp_path / worker_folder).exists()  # removed at the end
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run.worker0.log", "run.worker1.log"]


def test_patch_is_for_the_affected_versions_only():
    assert keras_is_affected("3.15.1") and keras_is_affected("3.6.0")
    assert not keras_is_affected("3.16.0") and not keras_is_affected("2.15.0")
