"""Defaults from the corpus profile (a natural-language fixture the test writes vs the built-in data),
and --embeddings errors as one line."""

import json

import numpy as np
import pytest

from apps.sentiment import main
from apps.sentiment.app import APP
from apps.sentiment.config import SentimentConfig
from apps.sentiment.model import read_word_vectors
from apps.sentiment.profile import corpus_profile, natural_language
from shared.cli import run
from shared.errors import DataError

TODAY = {"epochs": 5, "dropout": 0.2, "embedding_dropout": 0.0, "weight_decay": 0.0, "schedule": "constant",
         "monitor": "val_loss"}


def zipf_corpus(folder, rows=1500, words=4000, seed=0):
    """A review-like TSV: Zipf-distributed words (most of them rare), polarity from a few cue words."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}" for i in range(words)]
    ranks = np.arange(1, words + 1)
    weights = (1.0 / ranks) / (1.0 / ranks).sum()
    lines = ["sentence\tlabel"]
    for index in range(rows):
        label = index % 2
        body = rng.choice(vocabulary, size=int(rng.integers(4, 20)), p=weights).tolist()
        body.insert(int(rng.integers(0, len(body))), "great" if label else "awful")
        lines.append(f"{' '.join(body)}\t{label}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "train.tsv"


def resolved_for(config, given=()):
    _, data, resolved = APP.prepare(config, given)
    return {name: entry["value"] for name, entry in resolved.items()}, resolved, data


def test_built_in_data_resolves_todays_recipe_at_any_sample_size():
    for cap in (None, 400):
        values, resolved, data = resolved_for(SentimentConfig(max_train_samples=cap))
        assert {k: values[k] for k in TODAY} == TODAY
        assert "batch_size" not in values  # 32, the option's default
        assert "closed vocabulary" in resolved["dropout"]["reason"]
        if cap is None:  # every word of the generated reviews is seen twice: today's vocabulary
            assert values["vocabulary_size"] == corpus_profile(data.x_train)["word_types"] + 4


def test_natural_language_corpus_resolves_regularisation_and_a_budget(tmp_path):
    path = zipf_corpus(tmp_path / "reviews")
    values, resolved, data = resolved_for(SentimentConfig(data=str(path)))
    profile = corpus_profile(data.x_train)
    assert natural_language(profile) and profile["word_types"] >= 1000
    assert values["vocabulary_size"] == min(20000, profile["words_seen_twice"] + 4)
    assert values["vocabulary_size"] < profile["word_types"] + 4  # the words seen once map to [UNK]
    assert values["dropout"] == 0.5 and values["embedding_dropout"] > 0 and values["weight_decay"] > 0
    assert values["schedule"] == "warmup_cosine" and values["monitor"] == "val_accuracy"
    steps = -(-len(data.y_train) // 32)
    assert values["epochs"] == min(8, max(2, round(4000 / steps)))
    assert "natural-language vocabulary" in resolved["embedding_dropout"]["reason"]


def test_given_options_win_and_bow_gets_no_word_dropout(tmp_path):
    path = zipf_corpus(tmp_path / "reviews")
    values, _, _ = resolved_for(SentimentConfig(data=str(path), dropout=0.1, monitor="val_loss"),
                                given=("dropout", "monitor"))
    assert "dropout" not in values and "monitor" not in values and values["embedding_dropout"] > 0
    values, _, _ = resolved_for(SentimentConfig(data=str(path), model="bow"))
    assert values["embedding_dropout"] == 0.0 and values["weight_decay"] == 0.0


def test_resolved_defaults_are_saved_and_reused_on_resume(tmp_path):
    path = zipf_corpus(tmp_path / "reviews")  # 1,500 rows: thousands of distinct words
    run_dir = tmp_path / "run"
    argv = ["train", "--data", str(path), "--run-dir", str(run_dir), "--epochs", "1", "--units", "8",
            "--embedding-dim", "8"]
    main(argv)
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["resolved"]["monitor"]["value"] == saved["config"]["monitor"] == "val_accuracy"
    history = (run_dir / "history.csv").read_text()
    assert saved["config"]["embedding_dropout"] > 0 and "val_accuracy" in history
    again = main(argv)  # the finished run: its resolved config matches, nothing retrains
    assert json.loads((run_dir / "config.json").read_text())["resolved"] == saved["resolved"]
    assert again == json.loads((run_dir / "metrics.json").read_text())


def test_missing_or_bad_embeddings_file_exits_2_with_one_line(tmp_path, capsys):
    path = zipf_corpus(tmp_path / "reviews", rows=60)
    (tmp_path / "bad.vec").write_bytes(b"2 3\nfine 1 2 3\ndu\xffll 1 2 3\n")
    for vectors, message in ((tmp_path / "nope.vec", f"--embeddings {tmp_path / 'nope.vec'}: no such file"),
                             (tmp_path / "bad.vec", f"{tmp_path / 'bad.vec'}:3: not valid UTF-8 text (byte 3)")):
        code = run(main, ["train", "--data", str(path), "--embeddings", str(vectors),
                          "--run-dir", str(tmp_path / "run")], prog="sentiment")
        err = [line for line in capsys.readouterr().err.strip().splitlines() if " INFO " not in line]
        assert code == 2 and err == [f"sentiment: error: {message}"]
        assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("content, message", [
    (b"2 3\nfine 1 2 3\ndu\xffll 1 2 3\n", r"bad.vec:3: not valid UTF-8 text \(byte 3\)"),
    (b"\xff 1 2 3\n", r"bad.vec:1: not valid UTF-8 text \(byte 1\)"),
    (b"fine 1 2 x\n", r"bad.vec:1: not a word2vec text line"),
    (b"fine 1 2 3\ndull 1 2\n", r"bad.vec:2: 2 numbers, expected 3"),
    (b"", r"bad.vec: no word vectors"),
])
def test_bad_embeddings_file_names_the_line(tmp_path, content, message):
    (tmp_path / "bad.vec").write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_word_vectors(tmp_path / "bad.vec")
