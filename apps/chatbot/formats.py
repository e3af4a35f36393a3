"""Readers of the dialogue formats users have, with file:line errors.

- TSV: `utterance<TAB>response`, one pair per line. A line whose utterance
  is the previous line's response continues that dialogue (the chained
  style of simple_dialogs); a blank line always ends a dialogue; in a file
  with blank lines, unchained lines of one block also form one dialogue.
- chatterbot-corpus YAML: `categories:` and `conversations:`, a list of
  conversations, each a list of statements where every statement answers
  the one before it (read with `yaml.safe_load`).
- JSON lines: one dialogue per line, `{"turns": ["user", "bot", ...]}`
  (user and bot alternating, user first), optionally `"needs_context":
  [bool per bot turn]`.

Each reader returns `Dialogue`s; `all_pairs` is True where every turn
answers the one before (TSV chains, YAML) and False where only the bot
turns are answers (JSON lines).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from shared import limits
from shared.errors import DataError


@dataclass
class Dialogue:
    """One dialogue of a file: its turns, where it starts, how to pair it."""

    turns: list
    path: str = ""
    line: int | None = None
    all_pairs: bool = True
    needs_context: list | None = field(default=None)


def read_text(path):
    """The file as (text, lines); non-UTF-8 bytes raise DataError with the line."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise DataError(path, f"not UTF-8 text (byte 0x{data[error.start]:02x})", line) from None
    return text.lstrip("\ufeff")


def text_lines(text):
    """Lines split at newlines only (str.splitlines also splits at U+0085 and friends)."""
    lines = [line.rstrip("\r") for line in text.split("\n")]
    return lines[:-1] if lines and not lines[-1] else lines


def check_turns(turns, path, line, minimum=2):
    """Raise DataError for non-strings, empty turns, or fewer than `minimum` turns."""
    for turn in turns:
        if not isinstance(turn, str):
            raise DataError(path, f"a turn must be text, got {type(turn).__name__}: {turn!r}", line)
        if not turn.strip():
            raise DataError(path, "empty turn", line)
    if len(turns) < minimum:
        raise DataError(path, f"a dialogue needs at least {minimum} turns, got {len(turns)}", line)


def read_tsv(path, bad):
    """Dialogues of a TSV file of `utterance<TAB>response` lines."""
    text = read_text(path)
    lines = text_lines(text)
    blocks = any(not line.strip() for line in lines[:-1]) and any(line.strip() for line in lines)
    dialogues, current = [], None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            current = None
            continue
        parts = line.split("\t")
        try:
            if len(parts) != 2:
                raise DataError(path, f"expected utterance<TAB>response, found {len(parts) - 1} tabs", number)
            utterance, response = (part.strip() for part in parts)
            check_turns([utterance, response], path, number)
        except DataError as error:
            bad.report(error)
            current = None
            continue
        if current is not None and current.turns[-1] == utterance:
            current.turns.append(response)
        elif current is not None and blocks:
            current.turns += [utterance, response]
        else:
            current = Dialogue([utterance, response], str(path), number)
            dialogues.append(current)
    return dialogues


def yaml_line(error):
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return None if mark is None else mark.line + 1


def conversation_lines(text):
    """The line of each conversation of a chatterbot YAML file (1-based)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "conversations" and isinstance(value, yaml.SequenceNode):
            return [node.start_mark.line + 1 for node in value.value]
    return []


def read_yaml(path, bad):
    """Dialogues of a chatterbot-corpus YAML file."""
    text = read_text(path)
    try:
        data = limits.load_yaml(text, path)  # no aliases ("billion laughs"), bounded nesting
    except DataError:
        raise
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise DataError(path, f"malformed YAML: {problem}", yaml_line(error)) from None
    if not isinstance(data, dict) or not isinstance(data.get("conversations"), list):
        raise DataError(path, "expected a mapping with a 'conversations:' list (chatterbot-corpus format)")
    lines = conversation_lines(text)
    dialogues = []
    for index, turns in enumerate(data["conversations"]):
        line = lines[index] if index < len(lines) else None
        try:
            if not isinstance(turns, list):
                raise DataError(path, f"a conversation must be a list of statements, got {turns!r}", line)
            check_turns(turns, path, line)
        except DataError as error:
            bad.report(error)
            continue
        dialogues.append(Dialogue([t.strip() for t in turns], str(path), line))
    return dialogues


def read_jsonl(path, bad):
    """Dialogues of a JSON lines file of `{"turns": [...]}` objects."""
    dialogues = []
    for number, line in enumerate(text_lines(read_text(path)), start=1):
        if not line.strip():
            continue
        try:
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataError(path, f"malformed JSON: {error.msg} (column {error.colno})", number) from None
            if not isinstance(record, dict) or not isinstance(record.get("turns"), list):
                raise DataError(path, 'expected an object {"turns": [...]}', number)
            turns = record["turns"]
            check_turns(turns, path, number)
            flags = record.get("needs_context")
            if flags is not None and (not isinstance(flags, list) or len(flags) != len(turns) // 2):
                raise DataError(path, f"needs_context must list one flag per bot turn ({len(turns) // 2})", number)
        except DataError as error:
            bad.report(error)
            continue
        dialogues.append(Dialogue([t.strip() for t in turns], str(path), number, all_pairs=False,
                                  needs_context=None if flags is None else [bool(f) for f in flags]))
    return dialogues


READERS = {".tsv": read_tsv, ".txt": read_tsv, ".yml": read_yaml, ".yaml": read_yaml,
           ".jsonl": read_jsonl, ".json": read_jsonl}


def sniff(path):
    """The reader of a file: by its suffix, else by its first characters."""
    if path.suffix.lower() in READERS:
        return READERS[path.suffix.lower()]
    head = path.read_bytes()[:2048].decode("utf-8", errors="replace")
    if head.lstrip().startswith("{"):
        return read_jsonl
    if "conversations:" in head or "categories:" in head:
        return read_yaml
    return read_tsv


def data_files(path):
    path = Path(path)
    if not path.exists():
        raise DataError(path, "no such file or folder")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READERS)
    if not files:
        raise DataError(path, f"no dialogue files ({', '.join(sorted(READERS))}) in this folder")
    return files


def read_dialogues(path, bad):
    """Every dialogue of a file or folder; bad lines raise or are counted by `bad`."""
    dialogues = []
    for file in data_files(path):
        try:
            dialogues += sniff(file)(file, bad)
        except DataError as error:
            bad.report(error)
    if not dialogues:
        raise DataError(path, "no usable dialogues")
    return dialogues
