"""Sentence-pair files: Anki/Tatoeba TSV, two aligned files, CSV with named columns.

Every reader returns a list of (source, target, "file:line") and reports
each bad line to a `shared.data.BadInputs` (which raises `DataError` naming
the file and line, or with --skip-bad counts and skips it): bytes that are
not UTF-8, a TSV line without a tab, an empty side, parallel files with
different line counts. Blank lines are ignored.
"""

from __future__ import annotations

from pathlib import Path

from shared.data import csv_rows
from shared.errors import DataError, UsageError


def read_lines(path, bad):
    """(line number, text) of each line; undecodable lines are reported."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(path, f"cannot read: {error.strerror or error}") from None
    lines = []
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            lines.append((number, line.decode("utf-8").removeprefix("\ufeff")))
        except UnicodeDecodeError as error:
            bad.report(DataError(path, f"not UTF-8 text (byte 0x{line[error.start]:02x} "
                                       f"at column {error.start + 1})", number))
            lines.append((number, None))
    return lines


def check_pair(path, number, source, target, bad):
    """The stripped pair, or None (reported) when a side is empty."""
    source, target = source.strip(), target.strip()
    if not source or not target:
        side = "source" if not source else "target"
        bad.report(DataError(path, f"empty {side} sentence", number))
        return None
    return source, target


def read_tsv(path, bad):
    """`source<TAB>target[<TAB>attribution...]` per line (the Anki format)."""
    pairs = []
    for number, line in read_lines(path, bad):
        if line is None or not line.strip():
            continue
        if "\t" not in line:
            bad.report(DataError(path, "no tab: expected source<TAB>target[<TAB>attribution]", number))
            continue
        source, target = line.split("\t")[:2]
        pair = check_pair(path, number, source, target, bad)
        if pair:
            pairs.append((*pair, f"{path}:{number}"))
    return pairs


def read_parallel(source_path, target_path, bad):
    """Two files, one sentence per line, line i of one translating line i of the other."""
    sources, targets = read_lines(source_path, bad), read_lines(target_path, bad)
    if len(sources) != len(targets):
        short, long_ = (source_path, target_path) if len(sources) < len(targets) else (target_path, source_path)
        shorter = min(len(sources), len(targets))
        bad.report(DataError(short, f"misaligned: ends after {shorter} lines, {long_} has "
                                    f"{max(len(sources), len(targets))}", shorter + 1))
    pairs = []
    for (number, source), (_, target) in zip(sources, targets):
        if source is None or target is None or (not source.strip() and not target.strip()):
            continue
        path = source_path if not source.strip() else target_path
        pair = check_pair(path, number, source, target, bad)
        if pair:
            pairs.append((*pair, f"{source_path}:{number}"))
    return pairs


def read_csv(path, bad, source_column=None, target_column=None):
    """CSV with a header row; the named columns (default: the first two)."""
    lines = read_lines(path, bad)
    text = "\n".join("" if line is None else line for _, line in lines)
    rows = csv_rows(text, path)
    header = next(rows, (1, None))[1]
    if not header or len(header) < 2:
        raise DataError(path, "CSV needs a header row with at least two columns", 1)
    names = [name.strip() for name in header]
    columns = []
    for wanted, default in ((source_column, 0), (target_column, 1)):
        if wanted is None:
            columns.append(default)
        elif wanted in names:
            columns.append(names.index(wanted))
        else:
            raise DataError(path, f"no column {wanted!r} in the header (columns: {', '.join(names)})", 1)
    pairs = []
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(columns):
            bad.report(DataError(path, f"{len(row)} column(s), expected at least {max(columns) + 1}", number))
            continue
        pair = check_pair(path, number, row[columns[0]], row[columns[1]], bad)
        if pair:
            pairs.append((*pair, f"{path}:{number}"))
    return pairs


def detect(spec):
    """('tsv'|'csv'|'parallel', paths) for a --data value."""
    parts = spec.split(",")
    if len(parts) == 2 and all(parts):
        for part in parts:
            if not Path(part).is_file():
                raise UsageError(f"--data {spec}: {part}: no such file")
        return "parallel", parts
    path = Path(spec)
    if not path.exists():
        raise UsageError(f"--data {spec}: no such file (expected a .tsv/.txt file of pairs, "
                         "a .csv file, or SOURCE_FILE,TARGET_FILE)")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".txt", ".tsv", ".csv"))
        if len(files) != 1:
            raise UsageError(f"--data {spec}: a folder must hold exactly one .txt/.tsv/.csv file of pairs")
        path = files[0]
    return ("csv" if path.suffix.lower() == ".csv" else "tsv"), [str(path)]


def read_pairs(spec, bad, source_column=None, target_column=None):
    """Read the pairs of any supported format."""
    kind, paths = detect(spec)
    if kind == "parallel":
        return read_parallel(*paths, bad), kind
    if kind == "csv":
        return read_csv(paths[0], bad, source_column, target_column), kind
    return read_tsv(paths[0], bad), kind
