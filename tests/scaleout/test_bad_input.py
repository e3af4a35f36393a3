"""Every row of the bad-input table, through the command line of its app.

Exit code 2, one line on stderr naming the file, no traceback, no run
folder; with --skip-bad (where a row can be skipped) the run completes and
metrics.json counts the skipped input. The table of docs/bad-input.md lists every row.
"""

import json
import logging
import re
import sys
from pathlib import Path

import pytest

from shared.cli import run
from tests.scaleout.bad_inputs import ROWS, app_main, row_argv

BAD_INPUT_DOC = Path(__file__).resolve().parents[2] / "docs" / "bad-input.md"
FAST_SKIPS = {  # the --skip-bad runs not marked slow: the quickest apps (CI stays under 20 minutes)
    "classifier-truncated", "segmenter-missing-mask", "sentiment-encoding", "gan-corrupt", "word2vec-encoding"}
LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING) ")


class StderrNow(logging.StreamHandler):
    """A log handler writing to whatever sys.stderr is when it emits (capsys swaps it)."""

    stream = property(lambda self: sys.stderr, lambda self, value: None)


@pytest.fixture(autouse=True)
def log_to_this_tests_stderr():
    """The app's own handler keeps the stderr of the first test that ran it: use StderrNow."""
    log = logging.getLogger("annsuite")
    saved, propagate = log.handlers[:], log.propagate
    handler = StderrNow()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    log.handlers[:] = [handler]
    log.propagate = False
    yield
    log.handlers[:], log.propagate = saved, propagate


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_bad_input_is_one_line_exit_2_and_no_run_folder(row, tmp_path, capsys):
    data, named, words = row.make(tmp_path)
    run_dir = tmp_path / "run"
    code = run(app_main(row.app), row_argv(row, tmp_path, data, run_dir), prog=row.app)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip() and not LOG_LINE.match(line)]
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err  # progress log lines may come before it
    assert lines[0].startswith(f"{row.app}: error: "), lines[0]
    assert named in lines[0] and words in lines[0], lines[0]
    assert not run_dir.exists()


SKIPPABLE = [row for row in ROWS if row.skip is not None]


def skip_params():
    return [pytest.param(row, id=row.id, marks=[] if row.id in FAST_SKIPS else [pytest.mark.slow])
            for row in SKIPPABLE]


@pytest.mark.parametrize("row", skip_params())
def test_skip_bad_completes_and_counts(row, tmp_path, capsys):
    data, _, _ = row.make(tmp_path)
    run_dir = tmp_path / "run"
    code = run(app_main(row.app), row_argv(row, tmp_path, data, run_dir, skip=True), prog=row.app)
    err = capsys.readouterr().err
    assert code == 0, err[-3000:]
    assert json.loads((run_dir / "metrics.json").read_text())["skipped"] == 1
    assert "--skip-bad: 1 bad input(s) skipped" in err, err[-3000:]


UNSKIPPABLE = [row for row in ROWS if row.skip is None]


@pytest.mark.parametrize("row", UNSKIPPABLE, ids=[row.id for row in UNSKIPPABLE])
def test_unskippable_input_stops_even_with_skip_bad(row, tmp_path, capsys):
    data, named, words = row.make(tmp_path)
    run_dir = tmp_path / "run"
    code = run(app_main(row.app), row_argv(row, tmp_path, data, run_dir, skip=True), prog=row.app)
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    assert named in err and words in err, err
    assert not run_dir.exists()


def test_the_bad_input_doc_lists_every_row():
    section = BAD_INPUT_DOC.read_text(encoding="utf-8")
    rows = {tuple(cell.strip() for cell in line.strip("|").split("|")[:2])
            for line in section.splitlines() if re.match(r"\|\s*\w", line)}
    missing = [row.id for row in ROWS if (row.app, row.what) not in rows]
    assert not missing, f"rows missing from the table of docs/bad-input.md: {missing}"
