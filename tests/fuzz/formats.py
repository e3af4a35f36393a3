"""The input formats the fuzzer mutates: a valid data set per format, written from scratch.

A `Format` names the app object that reads it (`module:attribute`), writes
a small valid data set under a folder (`write(root) -> --data value`), says
which of its files a mutation may hit (`targets(root)`) and whether those
files are text. Options are the app's config keywords besides `data` that
keep loading cheap.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from shared.idx import write_idx
from tests.detector.fixtures import write_coco, write_csv, write_voc
from tests.helpers import write_class_folder
from tests.segmenter.fixtures import write_pairs


@dataclass(frozen=True)
class Format:
    name: str
    app: str                       # "apps.classifier.app:APP"
    write: Callable                # root -> the --data value
    targets: Callable              # root -> files a mutation may change
    text: bool = False
    options: dict = field(default_factory=dict)


def files(pattern):
    return lambda root: sorted(p for p in Path(root).rglob(pattern) if p.is_file())


def text_file(name, content):
    def write(root):
        path = Path(root) / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path
    return write


def idx_pair(root):
    rng = np.random.default_rng(0)
    write_idx(Path(root) / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (40, 28, 28)))
    write_idx(Path(root) / "t10k-labels-idx1-ubyte.gz", np.arange(40) % 4)
    return Path(root)


def npz_images(root):
    path = Path(root) / "images.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.integers(0, 256, (40, 16, 16), dtype="uint8"), y=np.arange(40) % 4)
    return path


SST = "sentence\tlabel\n" + "".join(f"{['a good', 'a bad'][i % 2]} movie number {i}\t{i % 2}\n" for i in range(40))
PAIRS = "".join(f"number {i}\tnombre {i}\n" for i in range(60))
DIALOGUES = "\n".join(json.dumps({"turns": [f"hello number {i}", f"hi there {i}", f"how is item {i % 5}?",
                                            f"item {i % 5} is fine"]}) for i in range(40)) + "\n"
YAML = "categories:\n- talk\nconversations:\n" + "".join(
    f"- - hello number {i}\n  - hi there {i}\n  - how is item {i % 5}\n" for i in range(30))
CHAT_TSV = "".join(f"how is item {i}\titem {i} is fine\n" for i in range(60))
POINTS = "x1,x2,label\n" + "".join(f"{i * 0.5},{(i % 3) - 1},{i % 2}\n" for i in range(30))
KINGS = "the king and the queen\nthe man and the woman\n" * 40

CLASSIFIER = {"image_size": 16, "backbone": "lenet5"}
FORMATS = [
    Format("classifier-folder", "apps.classifier.app:APP",
           lambda root: write_class_folder(Path(root) / "images", per_class=6), files("*.*"), options=CLASSIFIER),
    Format("classifier-idx", "apps.classifier.app:APP", idx_pair, files("*ubyte*"), options=CLASSIFIER),
    Format("segmenter-pairs", "apps.segmenter.app:APP", lambda root: write_pairs(Path(root) / "seg"),
           files("*.png"), options={"image_size": 32}),
    Format("detector-voc", "apps.detector.app:APP", lambda root: write_voc(Path(root) / "voc")[0],
           files("*.xml"), text=True, options={"image_size": 48}),
    Format("detector-coco", "apps.detector.app:APP", lambda root: write_coco(Path(root) / "coco")[0],
           files("*.json"), text=True, options={"image_size": 48}),
    Format("detector-csv", "apps.detector.app:APP", lambda root: write_csv(Path(root) / "csv")[0],
           files("*.csv"), text=True, options={"image_size": 48}),
    Format("sentiment-tsv", "apps.sentiment.app:APP", text_file("train.tsv", SST), files("*.tsv"), text=True),
    Format("translator-tsv", "apps.translator.app:APP", text_file("pairs.txt", PAIRS), files("*.txt"), text=True),
    Format("chatbot-jsonl", "apps.chatbot.app:APP", text_file("d.jsonl", DIALOGUES), files("*.jsonl"), text=True),
    Format("chatbot-yaml", "apps.chatbot.app:APP", text_file("c.yml", YAML), files("*.yml"), text=True),
    Format("chatbot-tsv", "apps.chatbot.app:APP", text_file("pairs.tsv", CHAT_TSV), files("*.tsv"), text=True),
    Format("gan-npz", "apps.gan.app:APP", npz_images, files("*.npz"), options={"image_size": 16}),
    Format("gan-idx", "apps.gan.app:APP", idx_pair, files("*ubyte*"), options={"image_size": 16}),
    Format("foundations-csv", "apps.foundations.app:APP", text_file("points.csv", POINTS), files("*.csv"),
           text=True),
    Format("word2vec-text", "apps.word2vec.app:APP", text_file("corpus.txt", KINGS), files("*.txt"), text=True,
           options={"min_count": 1}),
    Format("word2vec-gzip", "apps.word2vec.app:APP", text_file("corpus.txt.gz", gzip.compress(KINGS.encode())),
           files("*.gz"), options={"min_count": 1}),
]
BY_NAME = {fmt.name: fmt for fmt in FORMATS}
