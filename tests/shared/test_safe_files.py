"""Nothing lost: exports never delete a folder, run folders are recognised and locked."""

import json
import os
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from shared.config import TrainConfig
from shared.errors import UsageError
from shared.export import export_saved_model
from shared.safe_files import EXPORT_MARKER, RunLock, private_folder, publish_folder
from shared.training import finish_run, start_run


def export_small(out):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    x = np.ones((2, 3), "float32")
    return export_saved_model([model], lambda values: {"y": model(values)},
                              [tf.TensorSpec([None, 3], tf.float32, name="values")], out,
                              {"values": x}, {"y": model.predict(x, verbose=0)})


def test_export_refuses_a_users_folder_and_deletes_nothing(tmp_path):
    users = tmp_path / "photos"
    users.mkdir()
    (users / "holiday.jpg").write_bytes(b"precious")
    with pytest.raises(UsageError, match="not an annsuite export"):
        export_small(users)
    assert [p.name for p in users.iterdir()] == ["holiday.jpg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos"]  # no temporary left behind


def test_export_to_the_working_folder_is_refused_with_one_line(tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="not an annsuite export"):
        export_small(".")
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_exporting_again_keeps_the_previous_export(tmp_path):
    export_small(tmp_path / "sm")
    assert (tmp_path / "sm" / EXPORT_MARKER).is_file()
    export_small(tmp_path / "sm")
    previous = [p for p in tmp_path.iterdir() if p.name.startswith("sm.previous-")]
    assert len(previous) == 1 and (previous[0] / "saved_model.pb").is_file()
    unrelated = tmp_path / "sm.partial"
    unrelated.mkdir()
    export_small(tmp_path / "sm")
    assert unrelated.is_dir()  # a folder of that name is not ours to remove


def test_publish_refuses_a_plain_file(tmp_path):
    (tmp_path / "out").write_text("x")
    (tmp_path / "tmp").mkdir()
    with pytest.raises(UsageError, match="not an annsuite export"):
        publish_folder(tmp_path / "tmp", tmp_path / "out")
    assert (tmp_path / "out").read_text() == "x"


def test_run_dir_on_a_foreign_folder_stops_before_touching_it(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "history.csv").write_text("not yours\n")
    with pytest.raises(UsageError, match="not an annsuite run folder"):
        start_run("demo", TrainConfig(run_dir=str(folder)))
    assert [p.name for p in folder.iterdir()] == ["history.csv"]


def test_run_dir_of_another_app_is_refused(tmp_path):
    run = start_run("other", TrainConfig(run_dir=str(tmp_path / "run")))
    finish_run(run, {"x": 1.0}, 0)
    with pytest.raises(UsageError, match="a other run folder, not a demo one"):
        start_run("demo", TrainConfig(run_dir=str(tmp_path / "run")))


def test_a_finished_run_keeps_its_records(tmp_path):
    config = TrainConfig(run_dir=str(tmp_path / "run"))
    finish_run(start_run("demo", config), {"x": 1.0}, 0)
    before = {name: (tmp_path / "run" / name).read_bytes() for name in ("config.json", "metrics.json")}
    again = start_run("demo", config)
    assert again.finished
    again.release()
    assert {name: (tmp_path / "run" / name).read_bytes() for name in before} == before


def test_a_second_process_on_a_locked_run_folder_stops_naming_the_holder(tmp_path):
    folder = tmp_path / "run"
    code = ("import sys, time; from shared.safe_files import RunLock; "
            "RunLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True,
                              cwd=os.getcwd())
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(UsageError, match=f"in use by another command \\(process {holder.pid}\\)"):
            start_run("demo", TrainConfig(run_dir=str(folder)))
    finally:
        holder.kill()
        holder.wait()
    deadline = time.time() + 10
    while time.time() < deadline:  # the lock goes with the process
        try:
            RunLock(folder).acquire().release()
            break
        except UsageError:
            time.sleep(0.1)
    else:
        pytest.fail("the lock outlived its process")


def test_the_lock_is_reentrant_within_one_process(tmp_path):
    first = RunLock(tmp_path).acquire()
    second = RunLock(tmp_path).acquire()
    second.release()
    first.release()
    RunLock(tmp_path).acquire().release()


def test_private_folder_refuses_a_planted_link_and_open_permissions(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "planted").symlink_to(target)
    with pytest.raises(UsageError, match="not a private folder"):
        private_folder(tmp_path / "planted")
    opened = tmp_path / "open"
    opened.mkdir(mode=0o777)
    os.chmod(opened, 0o777)
    with pytest.raises(UsageError, match="not a private folder"):
        private_folder(opened)
    assert oct(os.stat(private_folder(tmp_path / "mine")).st_mode & 0o777) == "0o700"


def test_a_backup_naming_a_file_outside_its_folder_is_refused(tmp_path):
    from shared.callbacks.checkpoints import AtomicBackupAndRestore  # the callback under test

    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "state.json").write_text(json.dumps({"epoch": 1, "weights": "../../etc/passwd"}))
    callback = AtomicBackupAndRestore(str(backup))
    callback.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    with pytest.raises(ValueError, match="not a file name in the backup folder"):
        callback.on_train_begin()
