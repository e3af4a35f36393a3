"""End-to-end runs of every translator verb on a tiny budget (offline)."""

import json

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

import apps.translator as translator
from apps.translator import main
from apps.translator.app import APP
from shared.cli import run
from shared.errors import UsageError
from shared.text import SPECIALS
from tests.helpers import api_predict_in_subprocess, event_tags, model_file_predict_in_subprocess

INPUTS = ["three hundred and forty-two", "eighty", "Zzz unknown!", "Quatre-vingts élèves."]
TINY = ["--num-examples", "400", "--epochs", "1", "--units", "16", "--embedding-dim", "16", "--batch-size", "32",
        "--bleu-samples", "16", "--patience", "0"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("translator") / "run"
    metrics = main(["train", "--run-dir", str(run_dir), *TINY])
    return run_dir, metrics


def test_train_writes_the_run_folder(trained):
    run_dir, metrics = trained
    assert metrics["epochs"] == 1 and {"bleu", "exact_match", "token_accuracy"} <= set(metrics["test"])
    assert 0.0 <= metrics["test"]["bleu"] <= 100.0 and metrics["test"]["examples"] == 40
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    assert metrics["bleu_by_source_length"] and metrics["samples"][0]["reference"]
    history = pd.read_csv(run_dir / "history.csv")
    assert {"loss", "masked_accuracy", "val_loss", "val_bleu", "val_exact_match"} <= set(history.columns)
    assert json.loads((run_dir / "vocab.json").read_text())["target"][:4] == list(SPECIALS)  # for people
    assert len(json.loads((run_dir / "examples" / "sources.json").read_text())) == 16
    assert (run_dir / "checkpoints" / "best.keras").is_file() and (run_dir / "model.keras").is_file()
    model = translator.load(run_dir).model
    assert model.get_layer("target_text").vocabulary[:4] == list(SPECIALS)
    assert model.get_layer("source_text").kind == "word" and model.get_layer("decoder").steps == 31


def test_model_keras_translates_raw_strings_like_the_cli(trained, tmp_path):
    run_dir, _ = trained
    for name in ("vocab.json", "config.json"):  # nothing but model.keras is read to translate
        (run_dir / name).rename(tmp_path / name)
    try:
        raw = model_file_predict_in_subprocess(run_dir, INPUTS)
    finally:
        for name in ("vocab.json", "config.json"):
            (tmp_path / name).rename(run_dir / name)
    cli = main(["predict", "--run", str(run_dir), *INPUTS])
    assert raw == {"translation": [row["translation"] for row in cli["predictions"]]}


def test_a_run_without_model_keras_asks_to_be_retrained(trained, tmp_path):
    run_dir, _ = trained
    old = tmp_path / "old"
    (old / "checkpoints").mkdir(parents=True)
    for name in ("config.json", "metrics.json", "vocab.json", "checkpoints/best.keras"):
        (old / name).write_bytes((run_dir / name).read_bytes())
    with pytest.raises(UsageError, match="train it again"):
        translator.load(old)


def test_tensorboard_has_bleu_translations_and_attention(trained):
    tags = event_tags(trained[0])
    assert tags["validation"]["epoch_bleu"] == "scalar" and tags["validation"]["epoch_exact_match"] == "scalar"
    assert tags["validation"]["attention"] == "image"
    assert "translations" in tags["validation"]
    assert {"epoch_loss", "epoch_masked_accuracy"} <= set(tags["train"])
    assert {"bleu", "exact_match", "token_accuracy"} <= set(tags["test"])


def test_evaluate_reproduces_the_test_scores(trained):
    run_dir, metrics = trained
    result = main(["evaluate", "--run", str(run_dir)])
    assert result["test"]["bleu"] == pytest.approx(metrics["test"]["bleu"])
    assert result["test"]["exact_match"] == pytest.approx(metrics["test"]["exact_match"])


def test_translate_sentences_file_beam_and_attention(trained, tmp_path, capsys):
    run_dir, _ = trained
    (tmp_path / "in.txt").write_text("seventy-one\n\nfour hundred\n", encoding="utf-8")
    result = main(["translate", "--run", str(run_dir), "three hundred and forty-two", "--file",
                   str(tmp_path / "in.txt"), "--beam", "2", "--show-attention", str(tmp_path / "a.png")])
    printed = capsys.readouterr().out.splitlines()
    assert [t["source"] for t in result["translations"]] == ["three hundred and forty-two", "seventy-one",
                                                             "four hundred"]
    assert printed == [t["translation"] for t in result["translations"]]
    assert (tmp_path / "a.png").stat().st_size > 1000
    weights, source_tokens, target_tokens = APP.translator(translator.load(run_dir)).attention("seventy-one")
    assert weights.shape == (len(target_tokens), len(source_tokens))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)


def test_export_serves_strings_with_parity(trained, tmp_path):
    run_dir, _ = trained
    result = main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])
    assert result["max_abs_difference"] == 0.0 and (tmp_path / "sm" / "saved_model.pb").is_file()
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    sentences = ["nine hundred and ninety-nine thousand, nine hundred and ninety-nine", "eighty", "Zzz unknown!"]
    out = [t.decode() for t in serve(source=tf.constant(sentences))["translation"].numpy()]
    assert out == APP.translator(translator.load(run_dir)).translate(sentences)


def test_python_api_trains_loads_and_predicts_like_the_cli(tmp_path, capsys):
    run = translator.train(model="seq2seq", num_examples=300, epochs=1, units=16, embedding_dim=16,
                           batch_size=32, bleu_samples=8, patience=0, run_dir=str(tmp_path / "run"))
    assert run.path == tmp_path / "run" and 0.0 <= run.metrics["test"]["bleu"] <= 100.0
    assert json.loads((run.path / "metrics.json").read_text()) == run.metrics
    inputs = INPUTS
    cli = main(["predict", "--run", str(run.path), *inputs])
    assert [row["source"] for row in cli["predictions"]] == inputs
    assert capsys.readouterr().out.splitlines()[-4:] == [row["translation"] for row in cli["predictions"]]
    raw = model_file_predict_in_subprocess(run.path, inputs)
    assert raw["translation"] == [row["translation"] for row in cli["predictions"]]
    assert api_predict_in_subprocess("translator", run.path, inputs) == cli["predictions"]
    assert translator.load(run.path).predict(inputs[0]) == cli["predictions"][:1]
    assert main(["translate", "--run", str(run.path), *inputs])["translations"] == cli["predictions"]
    assert translator.export(run.path, tmp_path / "sm")["max_abs_difference"] == 0.0
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    served = [t.decode() for t in serve(source=tf.constant(inputs))["translation"].numpy()]
    assert served == [row["translation"] for row in cli["predictions"]]
    with pytest.raises(UsageError, match="no attention"):  # seq2seq
        main(["translate", "--run", str(run.path), "eighty", "--show-attention", str(tmp_path / "a.png")])


def test_python_api_raises_usage_errors_not_system_exit(trained):
    with pytest.raises(UsageError, match="model"):
        translator.train(model="rnn")
    with pytest.raises(UsageError, match="unknown option"):
        translator.train(colour="red")
    with pytest.raises(UsageError, match="--beam must be >= 1"):
        translator.load(trained[0]).predict(["eighty"], beam=0)


def test_usage_errors_exit_2(trained, tmp_path, capsys):
    run_dir, _ = trained
    assert run(main, ["translate", "--run", str(run_dir)], prog="t") == 2
    assert run(main, ["evaluate", "--run", str(tmp_path)], prog="t") == 2
    assert run(main, ["train", "--model", "rnn"], prog="t") == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 3


def test_transformer_trains_with_attention_heatmaps(tmp_path):
    run_dir = tmp_path / "transformer"
    metrics = main(["train", "--run-dir", str(run_dir), "--model", "transformer", "--num-layers", "1",
                    "--num-heads", "2", "--feedforward-dim", "32", *TINY])
    assert 0.0 <= metrics["test"]["bleu"] <= 100.0
    assert event_tags(run_dir)["validation"]["attention"] == "image"
    weights, source_tokens, target_tokens = APP.translator(translator.load(run_dir)).attention("eighty-one")
    assert weights.shape == (len(target_tokens), len(source_tokens))
