"""The pretrained retrieval encoder's cached outputs, the ranking metrics and the defaults of a corpus."""

import dataclasses
import json

import numpy as np
import pytest

from apps.chatbot import main
from apps.chatbot.app import APP
from apps.chatbot.config import ChatbotConfig
from apps.chatbot.data import load_data
from apps.chatbot.defaults import BUILT_IN, corpus_profile, resolve_defaults
from apps.chatbot.embedding_cache import SideEncoder, cached_vectors
from apps.chatbot.evaluation import score_metrics
from tests.chatbot.test_app import knowledge_tsv, tiny_bert_preset


class CountingEncoder:
    """Rows of ids -> their sum; records every row it encodes."""

    name = "counting"
    weights = []

    def __init__(self):
        self.rows = []

    def __call__(self, batch):
        ids = np.asarray(batch["context_token_ids"])
        self.rows.extend(tuple(row) for row in ids)
        return ids.sum(axis=1, keepdims=True).astype("float32")


def id_inputs(items):
    """Each item (a tuple of turns) -> ids of its words (hash % 97 + 1), padded to 6."""
    ids = np.zeros((len(items), 6), "int32")
    for row, item in enumerate(items):
        words = " ".join(item).split()[:6]
        ids[row, :len(words)] = [sum(map(ord, word)) % 97 + 1 for word in words]
    return {"context_token_ids": ids, "context_padding_mask": ids != 0}


CONTEXTS = [("hi", "hello", "how are you?"), ("what now?",), ("hi", "hello", "how are you?"), ("bye",),
            ("what now?",), ("a b c d e",)]


def test_each_distinct_text_is_encoded_once_and_read_back_from_the_cache(tmp_path):
    encoder = CountingEncoder()
    vectors = cached_vectors(encoder, id_inputs, CONTEXTS, tmp_path / "cache", batch_size=2)
    assert len(encoder.rows) == len(set(CONTEXTS)) == 4
    assert len(set(encoder.rows)) == 4
    expected = id_inputs(CONTEXTS)["context_token_ids"].sum(axis=1, keepdims=True)
    np.testing.assert_array_equal(vectors, expected)
    again = CountingEncoder()  # a resumed run: the vectors come from RUN/cache, nothing is encoded
    np.testing.assert_array_equal(cached_vectors(again, id_inputs, CONTEXTS, tmp_path / "cache", batch_size=2),
                                  vectors)
    assert again.rows == []
    other = CountingEncoder()  # other texts: another key, encoded
    cached_vectors(other, id_inputs, CONTEXTS[:2], tmp_path / "cache")
    assert len(other.rows) == 2


def count_side_encoder_rows(monkeypatch):
    rows = []
    original = SideEncoder.__call__

    def counting(self, batch):
        rows.append(len(next(iter(batch.values()))))
        return original(self, batch)

    monkeypatch.setattr(SideEncoder, "__call__", counting)
    return rows


def test_pretrained_projections_train_on_vectors_encoded_once_across_epochs_and_on_resume(tmp_path, monkeypatch):
    rows = count_side_encoder_rows(monkeypatch)
    preset = tiny_bert_preset(tmp_path / "bert")
    data = knowledge_tsv(tmp_path / "kb.tsv", repeats=6)
    run_dir = tmp_path / "run"
    argv = ["train", "--model", "retrieval", "--preset", str(preset), "--data", str(data), "--run-dir",
            str(run_dir), "--epochs", "3", "--batch-size", "4", "--patience", "0", "--turns", "0"]
    metrics = main(argv)
    # Six distinct questions and answers: each side encodes each distinct text once for all 3 epochs.
    assert sum(rows) == 12 and metrics["epochs"] == 3
    history = (run_dir / "history.csv").read_text().splitlines()
    assert len(history) == 4 and "head" in history[1]
    assert {"recall_at_1", "recall_at_1_of_10", "mrr"} <= set(metrics["test"])
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["resolved"]["warmup_fraction"]["value"] == 0.05 and "patience" not in saved["resolved"]
    # Interrupted before the phase was marked done: the rerun trains again on the cached vectors.
    (run_dir / "metrics.json").unlink()
    (run_dir / "backup" / "head.done.json").unlink()
    rows.clear()
    again = main(argv)
    assert rows == [] and again["epochs"] == 3 and "recall_at_1" in again["test"]


def test_metrics_of_a_hand_made_score_matrix():
    scores = np.array([[0.9, 0.1, 0.0, 0.2],   # true 0: rank 1
                       [0.8, 0.5, 0.1, 0.0],   # true 1: rank 2
                       [0.3, 0.2, 0.1, 0.4],   # true 2: rank 4
                       [0.0, 0.0, 0.0, 1.0]])  # true 3: rank 1
    metrics = score_metrics(scores, np.arange(4))
    assert metrics["recall_at_1"] == 0.5 and metrics["recall_at_5"] == 1.0
    assert metrics["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 4 + 1) / 4)
    # Fewer than 10 candidates: every other one is a negative, so R10@1 is recall@1 here.
    assert metrics["recall_at_1_of_10"] == 0.5
    wide = np.eye(30) + np.linspace(0, 0.5, 30)  # the true column always wins among any ten
    assert score_metrics(wide, np.arange(30))["recall_at_1_of_10"] == 1.0
    flipped = -np.eye(30)  # the true column always loses
    assert score_metrics(flipped, np.arange(30))["recall_at_1_of_10"] == 0.0


def written_corpus(path):
    lines = []
    for dialogue in range(30):
        turns = [f"turn {i} of dialogue {dialogue} talks about topic {dialogue % 7} with some more words"
                 for i in range(5)]
        lines.extend(f"{a}\t{b}\n" for a, b in zip(turns, turns[1:]))
        lines.append("\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_resolved_defaults_of_a_written_corpus_and_of_the_built_in_dialogues(tmp_path):
    built_in = ChatbotConfig(dialogues=160)
    _, _, resolved = APP.prepare(built_in)
    assert {name: entry["value"] for name, entry in resolved.items()} == BUILT_IN
    assert BUILT_IN == {name: getattr(ChatbotConfig(), name) for name in BUILT_IN}  # today's values

    config = ChatbotConfig(data=str(written_corpus(tmp_path / "pairs.tsv")), model="retrieval")
    profile = {**corpus_profile(load_data(config)), "given": ("model",)}
    values = {name: value for name, (value, _) in resolve_defaults(profile, config).items()}
    assert values["utterance_length"] == 14 and values["response_length"] == 14  # 13 tokens + 1
    assert values["dropout"] == 0.3 and values["warmup_fraction"] == 0.05 and "patience" not in values
    steps = -(-profile["train_examples"] // config.batch_size)
    assert values["epochs"] == min(200, max(12, -(-1500 // steps)))  # a budget of 1500 steps
    pretrained = dataclasses.replace(config, encoder="pretrained")
    assert {name: value for name, (value, _) in resolve_defaults(profile, pretrained).items()} == {
        "dropout": 0.3, "warmup_fraction": 0.05, "epochs": min(200, max(12, -(-3000 // steps))), "patience": 8}

    scan = {"real": True, "pretrained_installed": True}
    assert resolve_defaults(scan, config)["model"][0] == "retrieval"
    assert resolve_defaults(scan, config)["encoder"][0] == "pretrained"
    assert resolve_defaults({**scan, "given": ("model",)}, config) == {}
    assert resolve_defaults({**scan, "pretrained_installed": False}, config) == {}
    assert resolve_defaults({"real": False, "pretrained_installed": True}, config) == {}
