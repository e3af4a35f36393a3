"""Defaults from the pair profile (a natural-language fixture the test writes vs the built-in numbers),
batches by length, label smoothing, and the tokenizer rule."""

import json

import keras
import numpy as np
import pytest

from apps.translator import main
from apps.translator.app import APP
from apps.translator.batching import bucket_edges, bucketed_batches
from apps.translator.config import TranslatorConfig
from apps.translator.defaults import (
    STEP_BUDGET,
    SUBWORD_TYPES,
    TODAY,
    defaults,
    pair_profile,
    subwords,
)
from apps.translator.model import SmoothedCrossentropy, build_model, compile_model

TINY = ["--epochs", "1", "--units", "16", "--embedding-dim", "8", "--feedforward-dim", "16", "--num-heads", "2",
        "--num-layers", "1", "--bleu-samples", "8"]


def zipf_pairs(path, rows=600, words=3000, seed=0):
    """A sentence-pair TSV with Zipf-distributed words (most of them rare) and varied lengths."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, words + 1)
    weights = (1.0 / ranks) / (1.0 / ranks).sum()
    lines = []
    for _ in range(rows):
        source = rng.choice(words, size=int(rng.integers(2, 12)), p=weights)
        lines.append(" ".join(f"s{i}" for i in source) + ".\t" + " ".join(f"t{i}" for i in source[::-1]) + " !")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def resolved_for(config, given=()):
    _, data, resolved = APP.prepare(config, given)
    return {name: entry["value"] for name, entry in resolved.items()}, resolved, data


def test_built_in_numbers_resolve_todays_recipe():
    values, resolved, _ = resolved_for(TranslatorConfig(num_examples=400))
    assert values == TODAY
    assert "closed vocabulary" in resolved["model"]["reason"]


def test_real_pairs_resolve_the_transformer_recipe(tmp_path):
    config = TranslatorConfig(data=str(zipf_pairs(tmp_path / "pairs.txt")))
    values, resolved, data = resolved_for(config)
    profile = pair_profile(config)
    assert profile["train_pairs"] == len(data.pairs["train"]) and profile["pairs"] == 600
    assert values["model"] == "transformer" and values["label_smoothing"] == 0.1 and values["bucketing"]
    assert values["warmup_fraction"] > 0 and values["learning_rate"] == 1e-3 and values["tokenizer"] == "word"
    assert values["batch_size"] == 64 and values["dropout"] == 0.2 and values["max_length"] == 30
    assert values["units"] == 128 and values["feedforward_dim"] == 256
    steps = -(-profile["train_pairs"] // 64)
    assert values["epochs"] == min(60, max(3, round(STEP_BUDGET / steps)))
    assert "natural-language vocabulary" in resolved["label_smoothing"]["reason"]


def test_given_options_win_and_an_rnn_keeps_its_rate(tmp_path):
    config = TranslatorConfig(data=str(zipf_pairs(tmp_path / "pairs.txt")), model="attention", epochs=2)
    values, _, _ = resolved_for(config, given=("model", "epochs"))
    assert "model" not in values and "epochs" not in values
    assert values["learning_rate"] == TODAY["learning_rate"] and values["label_smoothing"] == 0.1


def test_resolved_defaults_are_saved_and_reused_on_resume(tmp_path):
    run_dir = tmp_path / "run"
    argv = ["train", "--data", str(zipf_pairs(tmp_path / "pairs.txt", rows=200)), "--run-dir", str(run_dir), *TINY]
    main(argv)
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["resolved"]["model"]["value"] == saved["config"]["model"] == "transformer"
    assert saved["config"]["bucketing"] is True and "epochs" not in saved["resolved"]  # given
    again = main(argv)  # the finished run: the same resolved config, nothing retrains
    assert json.loads((run_dir / "config.json").read_text())["resolved"] == saved["resolved"]
    assert again == json.loads((run_dir / "metrics.json").read_text())


def test_subwords_only_for_a_large_sparse_vocabulary(tmp_path):
    side = {"word_types": SUBWORD_TYPES + 1, "singleton_fraction": 0.6, "length_p995": 9.0, "length_max": 12}
    dense = dict(side, singleton_fraction=0.1)
    small = dict(side, word_types=2000)
    assert subwords({"sides": [small, side]}) and not subwords({"sides": [dense, small]})
    profile = {"pairs": 50000, "train_pairs": 42500, "sides": [small, side]}
    values = defaults(profile, TranslatorConfig(data="x"))
    assert values["tokenizer"][0] == "wordpiece" and values["vocab_size"][0] == 8000
    assert values["batch_size"][0] == 128 and values["dropout"][0] == 0.1 and values["units"][0] == 256
    long = dict(small, length_p995=44.2)
    assert defaults({**profile, "sides": [long, small]}, TranslatorConfig(data="x"))["max_length"][0] == 45
    config = TranslatorConfig(data=str(zipf_pairs(tmp_path / "pairs.txt")))
    assert defaults(pair_profile(config), config)["tokenizer"][0] == "word"  # 3,000 words: whole words


def test_bucketing_keeps_every_pair_exactly_once_in_short_batches():
    rng = np.random.default_rng(0)
    count, width = 203, 24
    lengths = rng.integers(1, width, size=count)
    source = np.zeros((count, width), "int32")
    for row, length in enumerate(lengths):
        source[row, :length] = rng.integers(4, 50, size=length)
    source[:, 0] = np.arange(count) + 4  # the pair's id
    target = source.copy()
    edges = bucket_edges(lengths)
    dataset, orders = bucketed_batches((source, target, target), 16, seed=3), []
    for _ in range(2):  # two epochs: reshuffled, every pair once in each
        seen, shapes = [], set()
        for (batch_source, batch_target), batch_out in dataset:
            ids = batch_source.numpy()[:, 0] - 4
            seen += ids.tolist()
            shapes.add(batch_source.shape[1])
            assert batch_source.shape[1] >= lengths[ids].max() and batch_out.shape == batch_target.shape
            assert batch_source.shape[1] in [*edges, width]
            assert batch_source.shape[0] <= 16
        assert sorted(seen) == list(range(count)) and len(shapes) <= len(edges)
        orders.append(seen)
    assert orders[0] != orders[1]


def test_label_smoothing_is_in_the_loss_and_pads_are_left_out():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 3, 7)).astype("float32")
    labels = np.array([[4, 5, 0], [6, 0, 0]])
    plain = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    assert float(SmoothedCrossentropy(0.0)(labels, logits)) == pytest.approx(float(plain(labels, logits)), 1e-5)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    rows = [(0, 0), (0, 1), (1, 0)]
    expected = np.mean([-0.9 * log_probs[b, t, labels[b, t]] - 0.1 * log_probs[b, t].mean() for b, t in rows])
    assert float(SmoothedCrossentropy(0.1)(labels, logits)) == pytest.approx(expected, 1e-5)
    model = build_model(TranslatorConfig(model="transformer", units=8, num_heads=2, feedforward_dim=8), 12, 10)
    compile_model(model, 1e-3, decay_steps=10, label_smoothing=0.1, warmup_fraction=0.2)
    assert isinstance(model.loss, SmoothedCrossentropy) and model.loss.smoothing == 0.1
    assert SmoothedCrossentropy.from_config(model.loss.get_config()).smoothing == 0.1
