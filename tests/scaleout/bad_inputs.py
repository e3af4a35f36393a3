"""The rows of the README's bad-input table: each writes one bad data set.

A row is (id, app, argv before --data, make(tmp) -> (data path, file the
message must name, words it must contain), tiny argv for a --skip-bad run
or None when the input cannot be skipped (a whole data set is unusable).
"""

import numpy as np

from tests.detector.fixtures import write_csv
from tests.helpers import write_class_folder, write_png
from tests.segmenter.fixtures import write_pairs

CLASSIFIER_TINY = ["--backbone", "lenet5", "--epochs", "1", "--patience", "0", "--image-size", "16"]
SEGMENTER_TINY = ["--image-size", "32", "--base-filters", "4", "--depth", "2", "--epochs", "1",
                  "--patience", "0", "--batch-size", "4"]


def folder_with(tmp, name, content):
    root = write_class_folder(tmp / "images", per_class=12)  # the GAN needs 20 usable images
    (root / "disk" / name).write_bytes(content)
    return root, name


def truncated_jpeg(tmp):
    root = write_class_folder(tmp / "images", per_class=6)
    whole = next((root / "square").glob("*.jpg")).read_bytes()
    (root / "square" / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    return root, "cut.jpg", "unreadable image"


def zero_byte(tmp):
    return (*folder_with(tmp, "empty.png", b""), "0 bytes")


def text_as_png(tmp):
    return (*folder_with(tmp, "notes.png", b"just some text\n"), "not an image")


def empty_folder(tmp):
    (tmp / "nothing").mkdir()
    return tmp / "nothing", "nothing", "no"


def segmenter_broken(case, mask_array=None, raw=None):
    def make(tmp):
        root = write_pairs(tmp / "pairs", count=10, classes_file="names")
        target = root / "masks" / "img03.png"
        if case == "missing pair":
            (root / "masks" / "img05.png").unlink()
            return root, "img05.png", "no mask"
        if raw is not None:
            target.write_bytes(raw)
        else:
            write_png(target, mask_array)
        return root, "img03.png", case
    return make


def word2vec_bad_bytes(tmp):
    (tmp / "corpus").mkdir()
    (tmp / "corpus" / "a.txt").write_text("the king and the queen\n" * 40)
    (tmp / "corpus" / "b.txt").write_bytes(b"good words\nmore \xff\xfe words\n")
    return tmp / "corpus", "b.txt", "not UTF-8"


def csv_with(text, problem):
    def make(tmp):
        path = tmp / "points.csv"
        path.write_text(text)
        return path, "points.csv", problem
    return make


def detector_box_outside(tmp):
    csv_path, _, _ = write_csv(tmp / "boxes", count=6)
    lines = csv_path.read_text().splitlines()
    name = lines[2].split(",")[0]
    lines[2] = f"{name},48,48,{lines[2].split(',')[3]},10,10,60,20"
    csv_path.write_text("\n".join(lines) + "\n")
    return csv_path, "labels.csv:", "lies outside the 48x48 image"


def detector_truncated(tmp):
    csv_path, _, _ = write_csv(tmp / "boxes", count=6)
    image = tmp / "boxes" / csv_path.read_text().splitlines()[1].split(",")[0]
    image.write_bytes(image.read_bytes()[:200])
    return csv_path, image.name, "unreadable image"


def text_file(name, content, named, words):
    def make(tmp):
        path = tmp / name
        path.write_bytes(content)
        return path, named, words
    return make


SST = b"sentence\tlabel\n" + b"".join(
    f"{w} movie number {i}\t{i % 2}\n".encode() for i in range(40) for w in ["a good", "a bad"][i % 2:i % 2 + 1])
PAIRS = "".join(f"number {i}\tnombre {i}\n" for i in range(60)).encode()

ROWS = [
    ("classifier-truncated", "classifier", ["train"], truncated_jpeg, CLASSIFIER_TINY),
    ("classifier-zero-byte", "classifier", ["train"], zero_byte, CLASSIFIER_TINY),
    ("classifier-wrong-type", "classifier", ["train"], text_as_png, CLASSIFIER_TINY),
    ("classifier-empty-folder", "classifier", ["train"], empty_folder, None),
    ("segmenter-wrong-size", "segmenter", ["train"],
     segmenter_broken("mask is 10x10", np.zeros((10, 10), "uint8")), SEGMENTER_TINY),
    ("segmenter-out-of-range", "segmenter", ["train"],
     segmenter_broken("outside the class set", np.full((20, 24), 200, "uint8")), SEGMENTER_TINY),
    ("segmenter-missing-pair", "segmenter", ["train"], segmenter_broken("missing pair"), SEGMENTER_TINY),
    ("segmenter-zero-byte", "segmenter", ["train"], segmenter_broken("0 bytes", raw=b""), SEGMENTER_TINY),
    ("gan-corrupt", "gan", ["train"], text_as_png, ["--epochs", "1", "--image-size", "16",
                                                     "--fid-samples", "32", "--feature-epochs", "1"]),
    ("word2vec-encoding", "word2vec", ["train"], word2vec_bad_bytes, ["--epochs", "1", "--dim", "8",
                                                                       "--min-count", "1"]),
    ("word2vec-empty-folder", "word2vec", ["train"], empty_folder, None),
    ("foundations-not-a-number", "foundations", ["mlp"], csv_with("x1,x2,label\n1,2,0\n1,x,1\n", "not a number"), None),
    ("foundations-missing-column", "foundations", ["mlp"], csv_with("x1,x2,label\n1,2,0\n1,2\n", "expected 3 columns"), None),
    ("detector-box-outside", "detector", ["train"], detector_box_outside, None),
    ("detector-truncated", "detector", ["train"], detector_truncated,
     ["--epochs", "1", "--batch-size", "4", "--width", "4", "--fpn-filters", "8", "--map-images", "2",
      "--patience", "0", "--image-size", "48"]),
    ("sentiment-encoding", "sentiment", ["train"],
     text_file("train.tsv", SST + b"caf\xe9 au lait\t1\n", "train.tsv:42", "utf-8"),
     ["--epochs", "1", "--units", "4", "--embedding-dim", "4", "--patience", "0"]),
    ("sentiment-empty-text", "sentiment", ["train"],
     text_file("train.tsv", SST + b"\t1\n", "train.tsv:42", "empty text"), None),
    ("sentiment-missing-column", "sentiment", ["train"],
     text_file("train.tsv", b"sentence\tscore\nnice\t1\n", "train.tsv:1", "label column"), None),
    ("translator-no-tab", "translator", ["train"],
     text_file("pairs.txt", PAIRS + b"one line without a tab\n", "pairs.txt:61", "no tab"),
     ["--epochs", "1", "--units", "8", "--embedding-dim", "8", "--bleu-samples", "4", "--patience", "0"]),
    ("translator-encoding", "translator", ["train"],
     text_file("pairs.txt", PAIRS + b"caf\xe9\tcaf\xc3\xa9\n", "pairs.txt:61", "UTF-8"), None),
    ("foundations-bad-label", "foundations", ["mlp"], csv_with("x1,x2,label\n1,2,0\n1,2,7\n", "label must be"), None),
]
