"""Readers of the text formats users have, detected from the path.

- the aclImdb layout: `train/pos/*.txt`, `train/neg/*.txt`, `test/...`;
- CSV/TSV with a text and a label column (GLUE/SST-2: `sentence<TAB>label`
  with a header), one file or a folder of `train`/`dev`/`test` files;
- sentence polarity: one sentence per line in `*.pos` and `*.neg` files;
- `tfds:NAME` where TensorFlow Datasets is installed.

Every reader returns {split: Records} ("train", and "validation"/"test"
where the data set has them). A bad line or file (undecodable bytes, empty
text, missing field) goes to `bad.report(DataError(path, problem, line))`.
"""

from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from shared import limits
from shared.errors import DataError, UsageError

TEXT_COLUMNS = ("sentence", "text", "review", "content", "comment")
LABEL_COLUMNS = ("label", "sentiment", "polarity", "class", "target")
SPLIT_NAMES = {"train": "train", "dev": "validation", "validation": "validation", "val": "validation",
               "valid": "validation", "test": "test"}
TABLE_SUFFIXES = (".tsv", ".csv")
POLARITY = {".pos": "positive", ".neg": "negative", "pos": "positive", "neg": "negative"}


@dataclass
class Records:
    """Texts with their label strings and where each came from (path, line)."""

    texts: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    origins: list = field(default_factory=list)

    def add(self, text, label, path, line=None):
        self.texts.append(text)
        self.labels.append(label)
        self.origins.append((str(path), line))


def undecodable(path, error, encoding, raw):
    line = raw[: error.start].count(b"\n") + 1
    return DataError(path, f"not valid {encoding} text (byte {error.object[error.start]:#04x})", line)


def decode_lines(path, encoding, bad):
    """[(line number, text)] of a file; undecodable lines are reported."""
    raw = Path(path).read_bytes()
    lines = raw.split(b"\n")
    if lines and lines[-1] in (b"", b"\r"):
        lines.pop()
    numbered = []
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode(encoding).rstrip("\r")
        except UnicodeDecodeError as error:
            bad.report(DataError(path, f"not valid {encoding} text (byte {line[error.start]:#04x})", number))
            continue
        numbered.append((number, text.lstrip("\ufeff") if number == 1 else text))
    return numbered


def column_index(spec, header, candidates, what, path):
    """Index of the column named (or numbered) `spec`, or the first candidate present."""
    if spec is not None and spec.isdigit():
        return int(spec)
    names = [name.strip().lower() for name in header]
    wanted = [spec.lower()] if spec else list(candidates)
    for name in wanted:
        if name in names:
            return names.index(name)
    raise DataError(path, f"no {what} column {' or '.join(map(repr, wanted))} (header: {', '.join(header)})", 1)


def read_table(path, config, bad):
    """Records of a CSV/TSV file with a header (or numbered columns)."""
    path = Path(path)
    numbered = decode_lines(path, config.encoding, bad)
    tab = path.suffix.lower() == ".tsv" or (numbered and "\t" in numbered[0][1])
    options = {"delimiter": "\t", "quoting": csv.QUOTE_NONE} if tab else {"delimiter": ","}
    for line, text in numbered:  # before the csv module's own field-size error
        limits.check("line_chars", len(text), path, line=line)
    csv.field_size_limit(max(limits.get("line_chars"), 1 << 17))
    reader = csv.reader((text for _, text in numbered), **options)
    records = Records()
    has_header = not (config.text_column or "").isdigit() or not (config.label_column or "").isdigit()
    text_index = label_index = None
    if not has_header:
        text_index, label_index = int(config.text_column), int(config.label_column)
    for row in reader:
        line = numbered[reader.line_num - 1][0]
        if text_index is None:
            text_index = column_index(config.text_column, row, TEXT_COLUMNS, "text", path)
            label_index = column_index(config.label_column, row, LABEL_COLUMNS, "label", path)
            continue
        if not any(cell.strip() for cell in row):
            continue  # a blank line between records
        if len(row) <= max(text_index, label_index):
            bad.report(DataError(path, f"{len(row)} field(s), the text or label column is missing", line))
            continue
        add_checked(records, row[text_index], row[label_index], path, line, bad)
    if text_index is None:
        raise DataError(path, "empty file (no header line)")
    return records


def add_checked(records, text, label, path, line, bad):
    text, label = " ".join(text.split()), label.strip()
    if not text:
        bad.report(DataError(path, "empty text", line))
    elif not label:
        bad.report(DataError(path, "empty label", line))
    else:
        records.add(text, label, path, line)


def read_review_folder(folder, encoding, bad):
    """aclImdb `<split>/pos/*.txt` and `<split>/neg/*.txt`: one review per file."""
    records = Records()
    for name in ("neg", "pos"):
        for path in sorted((folder / name).glob("*.txt")):
            raw = path.read_bytes()
            try:
                text = raw.decode(encoding).replace("<br />", " ")
            except UnicodeDecodeError as error:
                bad.report(undecodable(path, error, encoding, raw))
                continue
            add_checked(records, text, POLARITY[name], path, None, bad)
    return records


def read_polarity(paths, encoding, bad):
    """Sentence polarity files: each line of `*.pos` / `*.neg` is one sentence."""
    records = Records()
    for path in paths:
        for line, text in decode_lines(path, encoding, bad):
            add_checked(records, text, POLARITY[path.suffix.lower()], path, line, bad)
    return records


def read_tfds(name, bad):
    """`tfds:NAME`: the train and test splits of a TensorFlow Datasets set."""
    if importlib.util.find_spec("tensorflow_datasets") is None:
        raise UsageError(f"--data tfds:{name} needs TensorFlow Datasets: pip install tensorflow-datasets")
    import tensorflow_datasets as tfds  # deferred: optional (not a pinned dependency) and heavy

    builder = tfds.builder(name)
    builder.download_and_prepare()
    splits = {}
    for split in ("train", "validation", "test"):
        if split not in builder.info.splits:
            continue
        records = Records()
        for index, (text, label) in enumerate(tfds.as_numpy(builder.as_dataset(split=split, as_supervised=True))):
            add_checked(records, text.decode("utf-8", "replace"), str(int(label)), f"tfds:{name}/{split}", index + 1, bad)
        splits[split] = records
    return splits


def table_splits(folder, config, bad):
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in TABLE_SUFFIXES and p.stem.lower() in SPLIT_NAMES)
    return {SPLIT_NAMES[p.stem.lower()]: read_table(p, config, bad) for p in files}


def read_folder(folder, config, bad):
    if (folder / "train" / "pos").is_dir():
        return {split: read_review_folder(folder / split, config.encoding, bad)
                for split in ("train", "test") if (folder / split / "pos").is_dir()}
    polarity = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".pos", ".neg"))
    if polarity:
        return {"train": read_polarity(polarity, config.encoding, bad)}
    splits = table_splits(folder, config, bad)
    if "train" in splits:
        return splits
    raise DataError(folder, "no known layout: expected train/pos and train/neg (aclImdb), "
                            "*.pos and *.neg files, or train.tsv / train.csv")


def read_any(spec, config, bad):
    """{split: Records} of the data set at `spec` (format from the path)."""
    if spec.startswith("tfds:"):
        return read_tfds(spec[len("tfds:"):], bad)
    path = Path(spec)
    if path.is_dir():
        return read_folder(path, config, bad)
    if not path.is_file():
        raise UsageError(f"--data {spec}: no such file or folder")
    if path.suffix.lower() in (".pos", ".neg"):
        pair = [path.with_suffix(s) for s in (".neg", ".pos") if path.with_suffix(s).is_file()]
        return {"train": read_polarity(pair, config.encoding, bad)}
    return {"train": read_table(path, config, bad)}
