"""Writers of the bad text data sets of the bad-input table: tables, aligned
files, review folders and dialogues (see `bad_input_fixtures.py`)."""

from __future__ import annotations

import json

from tests.scaleout.bad_input_fixtures import LATIN1, file_of, folder_of

# text tables ----------------------------------------------------------------

SST = "sentence\tlabel\n" + "".join(f"{['a good', 'a bad'][i % 2]} movie number {i}\t{i % 2}\n" for i in range(40))
PAIRS = "".join(f"number {i}\tnombre {i}\n" for i in range(60))


def parallel(source_lines, target_lines, named, words):
    """Two aligned files a.en, a.fr; --data is 'a.en,a.fr'."""
    def make(tmp):
        (tmp / "a.en").write_bytes(source_lines)
        (tmp / "a.fr").write_bytes(target_lines)
        return f"{tmp / 'a.en'},{tmp / 'a.fr'}", named, words
    return make


def numbered(template, count, start=0):
    return "".join(template.format(i=i) for i in range(start, start + count)).encode()


def review_folder(tmp):
    """aclImdb train/pos, train/neg with one review of Latin-1 bytes."""
    root = tmp / "aclImdb"
    for label, word in (("pos", "good"), ("neg", "bad")):
        folder = root / "train" / label
        folder.mkdir(parents=True)
        for index in range(20):
            (folder / f"{index}_7.txt").write_text(f"a {word} film, number {index}")
    (root / "train" / "neg" / "9_1.txt").write_bytes(b"a bad film,\n" + LATIN1)
    return root, "train/neg/9_1.txt:2", "not valid utf-8"


# dialogues --------------------------------------------------------------------

def dialogues_jsonl(count=40):
    lines = [json.dumps({"turns": [f"hello number {i}", f"hi there {i}", f"how is item {i % 5}?",
                                   f"item {i % 5} is fine"]}) for i in range(count)]
    return "\n".join(lines) + "\n"


def chat_folder(name, content, named, words):
    """A folder of good dialogues (good.jsonl) and one bad file."""
    return folder_of({"good.jsonl": dialogues_jsonl(), name: content}, named, words)


def chat_line(line, named, words):
    """good dialogues with one bad line (line 41) in the same JSON lines file."""
    return file_of("d.jsonl", dialogues_jsonl() + line + "\n", named, words)
