"""The rows of the bad-input table of docs/bad-input.md: each writes one bad data set.

A `Row` names its app, a short description of the bad input (the doc's
"bad input" column), and `make(tmp) -> (--data value, text the message
must name, words it must contain)` from `bad_input_fixtures`. `skip` is a
tiny argv for a `--skip-bad` run, or None where the input cannot be skipped
(the whole data set or a file every example needs is unusable).
`scripts/bad_input_table.py` prints the table from these rows.
"""

from __future__ import annotations

import gzip
import importlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tests.scaleout import bad_input_fixtures as fx
from tests.scaleout import bad_label_fixtures as lx
from tests.scaleout import bad_text_fixtures as tx


@dataclass(frozen=True)
class Row:
    id: str
    app: str
    what: str
    make: Callable
    skip: tuple | None = None
    args: tuple = ()
    verb: str = "train"


CLASSIFIER = ("--backbone", "lenet5", "--epochs", "1", "--patience", "0", "--image-size", "16")
SEGMENTER = ("--image-size", "32", "--base-filters", "4", "--depth", "2", "--epochs", "1", "--patience", "0",
             "--batch-size", "4")
DETECTOR = ("--epochs", "1", "--batch-size", "4", "--width", "4", "--fpn-filters", "8", "--map-images", "2",
            "--patience", "0", "--image-size", "48")
SENTIMENT = ("--epochs", "1", "--units", "4", "--embedding-dim", "4", "--patience", "0")
TRANSLATOR = ("--epochs", "1", "--units", "8", "--embedding-dim", "8", "--bleu-samples", "4", "--patience", "0")
CHATBOT = ("--epochs", "1", "--embedding-dim", "8", "--units", "16", "--attention-units", "8", "--turns", "2",
           "--utterance-length", "10", "--response-length", "12", "--patience", "0", "--batch-size", "32")
GAN = ("--epochs", "1", "--image-size", "16", "--width", "4", "--latent-dim", "8", "--batch-size", "32",
       "--fid-samples", "32", "--feature-epochs", "1")
WORD2VEC = ("--epochs", "1", "--dim", "8", "--min-count", "1")
IMAGE_KINDS = {"corrupt": "corrupt PNG (scrambled pixel data)", "truncated": "truncated JPEG",
               "zero-byte": "zero-byte image file", "wrong-type": "text file named `.png` (wrong type)",
               "wrong-extension": "a `.txt` file among the images (wrong type)"}

CLASSIFIER_ROWS = [
    *(Row(f"classifier-{kind}", "classifier", what, fx.image_folder(kind), CLASSIFIER)
      for kind, what in IMAGE_KINDS.items()),
    Row("classifier-empty-class", "classifier", "an empty class folder", fx.empty_class_folder, CLASSIFIER),
    Row("classifier-unknown-class", "classifier", "`val/` class folder that `train/` lacks (out-of-range label)",
        fx.unknown_class, CLASSIFIER),
    Row("classifier-empty-folder", "classifier", "empty folder", fx.empty_folder, None),
    Row("classifier-idx-truncated", "classifier", "truncated MNIST IDX file", fx.idx_set("truncated")),
    Row("classifier-idx-missing-pair", "classifier", "IDX images file without its labels file (missing pair)",
        fx.idx_set("missing pair")),
    Row("classifier-idx-wrong-size", "classifier", "IDX labels file of the wrong length (wrong size)",
        fx.idx_set("wrong size")),
    Row("classifier-idx-wrong-type", "classifier", "IDX file that is not IDX (wrong type)", fx.idx_set("magic")),
]

SEGMENTER_ROWS = [
    Row("segmenter-wrong-size", "segmenter", "mask of the wrong size", lx.segmenter_pairs("wrong size"), SEGMENTER),
    Row("segmenter-out-of-range", "segmenter", "mask value outside the class set (out-of-range label)",
        lx.segmenter_pairs("out of range"), SEGMENTER),
    Row("segmenter-missing-mask", "segmenter", "image without a mask (missing pair)",
        lx.segmenter_pairs("no mask"), SEGMENTER),
    Row("segmenter-missing-image", "segmenter", "mask without an image (missing pair)",
        lx.segmenter_pairs("no image"), SEGMENTER),
    Row("segmenter-zero-byte", "segmenter", "zero-byte mask", lx.segmenter_pairs("zero-byte mask"), SEGMENTER),
    Row("segmenter-corrupt", "segmenter", "corrupt PNG image", lx.segmenter_pairs("corrupt image"), SEGMENTER),
    Row("segmenter-truncated", "segmenter", "truncated PNG image", lx.segmenter_pairs("truncated image"), SEGMENTER),
    Row("segmenter-wrong-type", "segmenter", "text file named `.png` as a mask (wrong type)",
        lx.segmenter_pairs("text mask"), SEGMENTER),
    Row("segmenter-colour-mask", "segmenter", "colour mask without a palette (wrong type)",
        lx.segmenter_pairs("colour mask"), SEGMENTER),
    Row("segmenter-classes-column", "segmenter", "`classes.csv` without a `name` column (missing column)",
        lx.segmenter_classes("classes.csv", "label,r,g,b\nsky,0,0,0\n", "'name' column")),
    Row("segmenter-classes-colour", "segmenter", "`classes.csv` colour out of range",
        lx.segmenter_classes("classes.csv", "name,r,g,b\nsky,300,0,0\n", "bad colour")),
    Row("segmenter-classes-json", "segmenter", "malformed `classes.json`",
        lx.segmenter_classes("classes.json", '{"sky": [0, 0, 0],', "not JSON")),
    Row("segmenter-classes-encoding", "segmenter", "`classes.txt` that is not UTF-8 (wrong encoding)",
        lx.segmenter_classes("classes.txt", b"sky\n" + fx.LATIN1 + b"\n", "not UTF-8")),
    Row("segmenter-empty-folders", "segmenter", "empty `images/` and `masks/` (empty folder)", lx.segmenter_empty),
    Row("segmenter-empty-folder", "segmenter", "empty folder", fx.empty_folder),
]

DETECTOR_ROWS = [
    *(Row(f"detector-{kind}", "detector", f"{what} (CSV annotations)", lx.detector_csv(kind), DETECTOR)
      for kind, what in [("corrupt", "corrupt image"), ("truncated", "truncated image"),
                         ("zero-byte", "zero-byte image"), ("wrong-type", "text file named `.jpg`")]),
    Row("detector-missing-image", "detector", "annotation of a missing image (missing pair)",
        lx.detector_csv("missing image"), DETECTOR),
    Row("detector-box-outside", "detector", "box outside the image (out-of-range box)",
        lx.detector_csv("outside"), DETECTOR),
    Row("detector-box-zero-size", "detector", "box of zero or negative size", lx.detector_csv("zero size"),
        DETECTOR),
    Row("detector-unknown-class", "detector", "class name not in `--classes` (out-of-range label)",
        lx.detector_csv("unknown class"), DETECTOR, args=("--classes", "ellipse,rectangle,triangle")),
    Row("detector-not-a-number", "detector", "CSV box coordinate that is not a number",
        lx.detector_csv("not a number"), DETECTOR),
    Row("detector-missing-column", "detector", "CSV row with a missing column", lx.detector_csv("missing column"),
        DETECTOR),
    Row("detector-header", "detector", "CSV header without the `class` column (missing column)",
        lx.detector_csv_file(lambda text: text.replace(b",class,", b",", 1), "header must be")),
    Row("detector-encoding", "detector", "CSV with bytes that are not UTF-8 (wrong encoding)",
        lx.detector_csv_file(lambda text: text + fx.LATIN1 + b",48,48,disk,1,1,9,9\n", "not UTF-8")),
    Row("detector-empty-file", "detector", "empty CSV file", lx.detector_csv_file(lambda text: b"", "empty file")),
    Row("detector-coco-malformed", "detector", "malformed COCO JSON", lx.detector_coco("malformed")),
    Row("detector-coco-category", "detector", "COCO annotation with an unknown `category_id` (out-of-range label)",
        lx.detector_coco("category"), DETECTOR),
    Row("detector-voc-malformed", "detector", "malformed Pascal VOC XML", lx.detector_voc("malformed"), DETECTOR),
    Row("detector-voc-coordinate", "detector", "VOC box coordinate that is not a number", lx.detector_voc("number"),
        DETECTOR),
    Row("detector-empty-folder", "detector", "empty folder", fx.empty_folder),
]

SST = tx.SST.encode()
SENTIMENT_ROWS = [
    Row("sentiment-encoding", "sentiment", "TSV line that is not UTF-8 (wrong encoding)",
        fx.file_of("train.tsv", SST + fx.LATIN1 + b"\t1\n", "train.tsv:42", "not valid utf-8"), SENTIMENT),
    Row("sentiment-review-encoding", "sentiment", "aclImdb review file that is not UTF-8 (wrong encoding)",
        tx.review_folder, SENTIMENT),
    Row("sentiment-empty-text", "sentiment", "empty text", fx.file_of("train.tsv", SST + b"\t1\n", "train.tsv:42",
                                                                        "empty text"), SENTIMENT),
    Row("sentiment-label", "sentiment", "label outside `--labels 0,1` (out-of-range label)",
        fx.file_of("train.tsv", SST + b"so so\t2\n", "train.tsv:42", "not one of the declared labels"), SENTIMENT,
        args=("--labels", "0,1")),
    Row("sentiment-missing-field", "sentiment", "row with a missing column",
        fx.file_of("train.tsv", SST + b"no label here\n", "train.tsv:42", "the text or label column is missing"),
        SENTIMENT),
    Row("sentiment-missing-column", "sentiment", "header without a label column (missing column)",
        fx.file_of("train.tsv", b"sentence\tscore\nnice\t1\n", "train.tsv:1", "no label column")),
    Row("sentiment-one-label", "sentiment", "only one label in the training data",
        fx.file_of("train.tsv", b"sentence\tlabel\n" + b"good\t1\n" * 20, "train.tsv", "only one label")),
    Row("sentiment-missing-pair", "sentiment", "`.pos` file without its `.neg` file (missing pair)",
        fx.file_of("rt.pos", "".join(f"a fine film {i}\n" for i in range(20)), "rt.pos", "only one label")),
    Row("sentiment-empty-file", "sentiment", "empty file", fx.file_of("train.tsv", b"", "train.tsv", "empty file")),
    Row("sentiment-empty-folder", "sentiment", "empty folder", fx.empty_folder),
    Row("sentiment-embeddings", "sentiment", "`--embeddings` line with too few numbers (wrong size)",
        fx.with_side_file(fx.file_of("train.tsv", SST), "vectors.txt", "3 3\ngood 1 2 3\nbad 1 2\nfilm 1 2 3\n",
                          "vectors.txt:3", "2 numbers, expected 3"), args=("--embeddings", "{tmp}/vectors.txt")),
]

PAIRS = tx.PAIRS.encode()
TRANSLATOR_ROWS = [
    Row("translator-no-tab", "translator", "TSV line without a tab (missing column)",
        fx.file_of("pairs.txt", PAIRS + b"one line without a tab\n", "pairs.txt:61", "no tab"), TRANSLATOR),
    Row("translator-encoding", "translator", "line that is not UTF-8 (wrong encoding)",
        fx.file_of("pairs.txt", PAIRS + fx.LATIN1 + b"\tcaf\xc3\xa9\n", "pairs.txt:61", "not UTF-8"), TRANSLATOR),
    Row("translator-empty-side", "translator", "empty target sentence",
        fx.file_of("pairs.txt", PAIRS + b"hello\t\n", "pairs.txt:61", "empty target sentence"), TRANSLATOR),
    Row("translator-misaligned", "translator", "parallel files of different lengths (missing pair)",
        tx.parallel(tx.numbered("number {i}\n", 60), tx.numbered("nombre {i}\n", 59), "a.fr:60", "misaligned"),
        TRANSLATOR),
    Row("translator-csv-column", "translator", "CSV without the named column (missing column)",
        fx.file_of("pairs.csv", "english,french\n" + tx.PAIRS.replace("\t", ","), "pairs.csv:1", "no column 'fr'"),
        args=("--target-column", "fr")),
    Row("translator-csv-cells", "translator", "CSV row with too few cells",
        fx.file_of("pairs.csv", "en,fr\n" + tx.PAIRS.replace("\t", ",") + "lonely\n", "pairs.csv:62",
                   "1 column(s), expected at least 2"), TRANSLATOR),
    Row("translator-empty-file", "translator", "empty file", fx.file_of("pairs.txt", b"", "pairs.txt",
                                                                         "no sentence pairs")),
    Row("translator-empty-folder", "translator", "empty folder", fx.empty_folder),
]

CHATBOT_ROWS = [
    Row("chatbot-encoding", "chatbot", "dialogue file that is not UTF-8 (wrong encoding)",
        tx.chat_folder("bad.tsv", b"hi\thello\n" + fx.LATIN1 + b"\tyes\n", "bad.tsv:2", "not UTF-8"), CHATBOT),
    Row("chatbot-json", "chatbot", "malformed JSON line", tx.chat_line('{"turns": ["hi" "there"]}', "d.jsonl:41",
                                                                        "malformed JSON"), CHATBOT),
    Row("chatbot-one-turn", "chatbot", "dialogue of one turn (missing pair)",
        tx.chat_line('{"turns": ["anyone there?"]}', "d.jsonl:41", "at least 2 turns"), CHATBOT),
    Row("chatbot-empty-turn", "chatbot", "empty turn", tx.chat_line('{"turns": ["hi", "  "]}', "d.jsonl:41",
                                                                     "empty turn"), CHATBOT),
    Row("chatbot-context-flags", "chatbot", "`needs_context` of the wrong length (wrong size)",
        tx.chat_line('{"turns": ["hi", "hello"], "needs_context": [true, false]}', "d.jsonl:41",
                     "one flag per bot turn"), CHATBOT),
    Row("chatbot-no-tab", "chatbot", "TSV line without a tab (missing column)",
        tx.chat_folder("bad.tsv", "hi\thello\njust one column\n", "bad.tsv:2", "expected utterance<TAB>response"),
        CHATBOT),
    Row("chatbot-yaml", "chatbot", "malformed YAML", tx.chat_folder("c.yaml", "conversations:\n- - hi\n  - [oops\n",
                                                                     "c.yaml", "malformed YAML"), CHATBOT),
    Row("chatbot-yaml-layout", "chatbot", "YAML without `conversations:` (missing column)",
        tx.chat_folder("c.yaml", "categories: [greetings]\n", "c.yaml", "'conversations:' list"), CHATBOT),
    Row("chatbot-empty-file", "chatbot", "empty file", fx.file_of("d.jsonl", b"", "d.jsonl", "no usable dialogues")),
    Row("chatbot-empty-folder", "chatbot", "empty folder", fx.empty_folder),
]

GAN_ROWS = [
    *(Row(f"gan-{kind}", "gan", what, fx.image_folder(kind), GAN) for kind, what in IMAGE_KINDS.items()),
    Row("gan-empty-folder", "gan", "empty folder", fx.empty_folder),
    Row("gan-idx-truncated", "gan", "truncated MNIST IDX file", fx.idx_set("truncated")),
    Row("gan-npz-key", "gan", "`.npz` without an `x` array (missing column)",
        fx.npz_file("no 'x' or 'images' array", pixels=np.zeros((30, 8, 8)))),
    Row("gan-npz-shape", "gan", "`.npz` images of the wrong shape (wrong size)",
        fx.npz_file("images must be", x=np.zeros((30, 8)))),
    Row("gan-npz-labels", "gan", "`.npz` with fewer labels than images (missing pair)",
        fx.npz_file("29 labels for 30 images", x=np.zeros((30, 8, 8)), y=np.zeros(29))),
    Row("gan-npz-corrupt", "gan", "text file named `.npz` (wrong type)",
        fx.file_of("images.npz", b"just some text\n", "images.npz", "not a .npz file")),
    Row("gan-npz-truncated", "gan", "truncated `.npz` file", fx.truncated_npz),
    Row("gan-npz-empty", "gan", "zero-byte `.npz` file", fx.file_of("images.npz", b"", "images.npz",
                                                                     "empty file (0 bytes)")),
]

POINTS = "x1,x2,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(12))
FOUNDATIONS_ROWS = [
    Row("foundations-not-a-number", "foundations", "CSV cell that is not a number",
        fx.file_of("points.csv", POINTS + "1,x,1\n", "points.csv:14", "not a number"), verb="mlp"),
    Row("foundations-missing-column", "foundations", "CSV row with a missing column",
        fx.file_of("points.csv", POINTS + "1,2\n", "points.csv:14", "expected 3 columns"), verb="mlp"),
    Row("foundations-bad-label", "foundations", "label other than 0/1 or -1/1 (out-of-range label)",
        fx.file_of("points.csv", POINTS + "1,2,7\n", "points.csv:14", "label must be"), verb="mlp"),
    Row("foundations-encoding", "foundations", "CSV that is not UTF-8 (wrong encoding)",
        fx.file_of("points.csv", POINTS.encode() + fx.LATIN1 + b",1,1\n", "points.csv:14", "not UTF-8"),
        verb="mlp"),
    Row("foundations-missing-file", "foundations", "`--data` file that does not exist",
        lambda tmp: (tmp / "nope.csv", "nope.csv", "no such file"), verb="mlp"),
    Row("foundations-empty-file", "foundations", "empty file",
        fx.file_of("points.csv", b"", "points.csv", "needs at least 10 rows"), verb="mlp"),
    Row("foundations-one-class", "foundations", "only one class", fx.file_of(
        "points.csv", "".join(f"{i},1,1\n" for i in range(12)), "points.csv", "both classes"), verb="perceptron"),
]

KINGS = "the king and the queen\n" * 40
WORD2VEC_ROWS = [
    Row("word2vec-encoding", "word2vec", "text file that is not UTF-8 (wrong encoding)",
        fx.folder_of({"a.txt": KINGS, "b.txt": b"good words\nmore " + fx.LATIN1 + b"\n"},
                     "data/b.txt", "not UTF-8"), WORD2VEC),
    Row("word2vec-wrong-type", "word2vec", "an image among the text files (wrong type)",
        fx.folder_of({"a.txt": KINGS, "photo.png": fx.png_bytes()}, "data/photo.png", "not UTF-8"), WORD2VEC),
    Row("word2vec-empty-file", "word2vec", "empty file", fx.file_of("corpus.txt", b"", "corpus.txt", "no words")),
    Row("word2vec-empty-folder", "word2vec", "empty folder", fx.empty_folder),
    Row("word2vec-corrupt-gzip", "word2vec", "truncated gzip file", fx.file_of(
        "corpus.txt.gz", gzip.compress(KINGS.encode() * 10)[:60], "corpus.txt.gz",
        "corrupt compressed file")),
    Row("word2vec-questions", "word2vec", "`--questions` line without 4 words (missing column)",
        fx.with_side_file(fx.file_of("corpus.txt", KINGS), "questions.txt", ": family\nking queen man woman\nking queen\n",
                          "questions.txt:3", "expected 4 words"), args=("--questions", "{tmp}/questions.txt")),
    Row("word2vec-similarity", "word2vec", "`--similarity` line without a score (missing column)",
        fx.with_side_file(fx.file_of("corpus.txt", KINGS), "similarity.txt", "king\tqueen\t8.5\nking\tman\n",
                          "similarity.txt:2", "numeric score"), args=("--similarity", "{tmp}/similarity.txt")),
]

LAUGHS = "conversations:\n- &a [hi there, hello]\n- &b [*a, *a, *a]\n- [*b, *b, *b]\n"
POINTS_NAN = POINTS + "nan,1,1\n"
HOSTILE_ROWS = [  # the limits of shared/limits.py and the tracebacks they replaced
    Row("classifier-idx-bomb", "classifier", "IDX header declaring 10^13 pixels over a few bytes (gzip bomb)",
        fx.idx_bomb),
    Row("classifier-pixels", "classifier", "image over the `pixels` limit (here `--limit pixels=10000`)",
        fx.large_image_folder, CLASSIFIER, args=("--limit", "pixels=10000")),
    Row("gan-npz-bomb", "gan", "`.npz` member declaring 10^12 elements", fx.npz_bomb),
    Row("chatbot-yaml-aliases", "chatbot", "YAML aliases that expand exponentially (billion laughs)",
        tx.chat_folder("c.yaml", LAUGHS, "c.yaml", "YAML aliases (*name) are not accepted"), CHATBOT),
    Row("detector-csv-quote", "detector", "CSV with an unbalanced quote", lx.detector_csv_file(
        lambda text: text.replace(b"\n", b'\n"', 3).replace(b'\n"', b"\n", 2), "unbalanced quote")),
    Row("translator-csv-quote", "translator", "CSV with an unbalanced quote", fx.file_of(
        "pairs.csv", "en,fr\n" + tx.PAIRS.replace("\t", ",").replace("number 7,", '"number 7,', 1),
        "pairs.csv:9", "unbalanced quote")),
    Row("detector-nan", "detector", "`nan` as a box coordinate",
        lx.detector_csv_file(lambda text: text.replace(b",", b",", 4).rsplit(b",", 1)[0] + b",nan\n",
                             "not a finite number"), DETECTOR),
    Row("foundations-nan", "foundations", "`nan` as a feature",
        fx.file_of("points.csv", POINTS_NAN, "points.csv:14", "not a finite number"), verb="mlp"),
    Row("sentiment-long-line", "sentiment", "line over the `line_chars` limit (here `--limit line_chars=500`)",
        fx.file_of("train.tsv", SST + b"a" * 600 + b"\t1\n", "train.tsv:42", "602 characters in one line"),
        args=("--limit", "line_chars=500")),
]

ROWS = [*CLASSIFIER_ROWS, *SEGMENTER_ROWS, *DETECTOR_ROWS, *SENTIMENT_ROWS, *TRANSLATOR_ROWS, *CHATBOT_ROWS,
        *GAN_ROWS, *FOUNDATIONS_ROWS, *WORD2VEC_ROWS, *HOSTILE_ROWS]


def app_main(app):
    return importlib.import_module(f"apps.{app}").main


def row_argv(row, tmp, data, run_dir, skip=False):
    """The command line of a row (its `{tmp}` filled in), with --skip-bad and the tiny budget when `skip`."""
    args = [arg.replace("{tmp}", str(tmp)) for arg in row.args]
    tail = ["--skip-bad", *(row.skip or ())] if skip else []
    return [row.verb, *args, "--data", str(data), "--run-dir", str(run_dir), *tail]
