"""Print the README's bad-input table by running every row.

    python -m scripts.bad_input_table              # every app
    python -m scripts.bad_input_table gan word2vec

Each row of `tests/scaleout/bad_inputs.py` writes its bad data set into a
temporary folder and runs the app's command line on it (no training: the
data is checked before a run folder exists). The table shows the one line
the user sees after `python -m apps.<app>: error:`, with paths relative to
that folder. A row that does not exit with code 2 shows its exit code.
The --skip-bad column says what `--skip-bad` does; the test
`tests/scaleout/test_bad_input.py` runs those runs to completion.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
import tempfile
from pathlib import Path

SKIPS = "skipped and counted; trains on the rest"
STOPS = "exit 2 as well: the file or data set as a whole is unusable"


def message(row):
    """The one line a row's command prints, paths relative to its data folder."""
    from shared.cli import run
    from tests.scaleout.bad_inputs import app_main, row_argv

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder).resolve()
        data, _, _ = row.make(tmp)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = run(app_main(row.app), row_argv(row, tmp, data, tmp / "run"), prog=row.app)
        lines = [line for line in err.getvalue().splitlines() if line.strip()]
        text = lines[-1] if lines else ""
        text = text.removeprefix(f"{row.app}: error: ").replace(f"{tmp}/", "").replace(str(tmp), ".")
        if code != 2 or len(lines) != 1 or (tmp / "run").exists():
            text = f"exit {code}, {len(lines)} line(s): {text}"
    return text


def cell(text):
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def table(rows):
    """The markdown table of `rows`, one line each."""
    lines = ["| app | bad input | what the user sees | --skip-bad |", "|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row.app} | {row.what} | {cell(message(row))} | {SKIPS if row.skip else STOPS} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m scripts.bad_input_table", description=__doc__.splitlines()[0])
    parser.add_argument("apps", nargs="*", help="only these apps (default: every app)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.disable(logging.CRITICAL)
    from tests.scaleout.bad_inputs import ROWS

    rows = [row for row in ROWS if not args.apps or row.app in args.apps]
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
