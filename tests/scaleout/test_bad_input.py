"""Every row of the bad-input table, through the command line of its app.

Exit code 2, one line on stderr naming the file, no traceback, no run
folder; with --skip-bad (where a row can be skipped) the run completes and
metrics.json counts the skipped input.
"""

import importlib
import json

import pytest

from shared.cli import run
from tests.scaleout.bad_inputs import ROWS


def app_main(app):
    return importlib.import_module(f"apps.{app}.train").main


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_bad_input_is_one_line_exit_2_and_no_run_folder(row, tmp_path, capsys):
    _, app, verb, make, _ = row
    data, named, words = make(tmp_path)
    run_dir = tmp_path / "run"
    code = run(app_main(app), [*verb, "--data", str(data), "--run-dir", str(run_dir)], prog=app)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert named in lines[0] and words in lines[0], lines[0]
    assert not run_dir.exists()


SKIPPABLE = [row for row in ROWS if row[4] is not None]


@pytest.mark.parametrize("row", SKIPPABLE, ids=[row[0] for row in SKIPPABLE])
def test_skip_bad_completes_and_counts(row, tmp_path, capsys):
    _, app, verb, make, tiny = row
    data, _, _ = make(tmp_path)
    run_dir = tmp_path / "run"
    code = run(app_main(app), [*verb, "--data", str(data), "--run-dir", str(run_dir), "--skip-bad",
                               *tiny], prog=app)
    assert code == 0, capsys.readouterr().err[-3000:]
    assert json.loads((run_dir / "metrics.json").read_text())["skipped"] == 1
