"""SIGKILL a training process after its first epoch, rerun it, compare.

For each app: one uninterrupted run, and one run killed (SIGKILL, no
clean-up) as soon as its first epoch is backed up, then rerun with the
same command. The rerun must continue from the backup (continuous epoch
numbers, no epoch trained twice beyond the interrupted one) and end within
a tolerance of the uninterrupted run (the data order after a restart is
not the one an unbroken process would have drawn, so not bit-equal).
The commands and tolerances are those of `scripts/kill_drill.py`, which
kills each app 5 times at random moments. The classifier runs in
`make test`; the other apps are `slow` (`make test-all`).
"""

import pytest

from scripts.kill_drill import (
    APPS,
    backed_up_epoch,
    finish,
    kill_after_first_epoch,
    longest_history,
)


@pytest.mark.parametrize("app", [pytest.param(app, marks=pytest.mark.slow) if app != "classifier" else app
                                 for app in sorted(APPS)])
def test_killed_run_resumes_from_its_backup(app, tmp_path):
    key, tolerance = APPS[app][1], APPS[app][2]
    reference = finish(app, tmp_path / "whole")
    kill_after_first_epoch(app, tmp_path / "killed")
    killed_at = backed_up_epoch(tmp_path / "killed")
    resumed = finish(app, tmp_path / "killed")
    history = longest_history(tmp_path / "killed")
    whole = longest_history(tmp_path / "whole")
    assert list(history["epoch"]) == list(range(1, len(history) + 1))
    assert len(history) == len(whole) and resumed["epochs"] == reference["epochs"]
    assert killed_at >= 1
    log = (tmp_path / "killed" / "train.log").read_text()
    assert "resuming" in log
    assert abs(resumed["test"][key] - reference["test"][key]) <= tolerance, (resumed, reference)
