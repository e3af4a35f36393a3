"""End-to-end runs of every sentiment verb on a tiny budget (offline)."""

import json

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

import apps.sentiment as sentiment
from apps.sentiment import main
from apps.sentiment.config import SentimentConfig
from apps.sentiment.data import load_data
from apps.sentiment.inference import predict_texts, text_dataset
from shared.errors import UsageError
from tests.helpers import api_predict_in_subprocess, event_tags, model_file_predict_in_subprocess

TINY = ["--examples", "1500", "--max-train-samples", "400", "--epochs", "2", "--units", "8",
        "--embedding-dim", "8", "--patience", "0", "--batch-size", "32"]
TEXTS = ["the plot was not bad at all", "the food was superb but the service was dull"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("sentiment") / "run"
    return run_dir, main(["train", "--run-dir", str(run_dir), "--attention", *TINY])


def test_train_writes_the_run_folder(trained):
    run_dir, metrics = trained
    assert set(metrics) >= {"test", "seconds", "epochs"} and metrics["epochs"] == 2
    assert {"accuracy", "loss", "auc"} <= set(metrics["test"])
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    history = pd.read_csv(run_dir / "history.csv")
    assert history["epoch"].tolist() == [1, 2]
    assert {"loss", "accuracy", "auc", "val_loss", "val_accuracy", "val_auc"} <= set(history.columns)
    info = json.loads((run_dir / "text.json").read_text())
    assert info["class_names"] == ["negative", "positive"] and info["sequence_length"] >= 8


def test_sequence_length_is_resolved_from_the_training_texts(trained):
    run_dir, _ = trained
    saved = json.loads((run_dir / "config.json").read_text())
    resolved = saved["resolved"]["sequence_length"]
    info = json.loads((run_dir / "text.json").read_text())
    texts = load_data(SentimentConfig(examples=1500, max_train_samples=400)).x_train
    expected = int(min(256, max(8, np.ceil(np.percentile([len(t.split()) for t in texts], 95)))))
    assert resolved["value"] == saved["config"]["sequence_length"] == info["sequence_length"] == expected
    assert "95th percentile" in resolved["reason"]


def test_tensorboard_has_scalars_confusion_matrix_and_attention(trained):
    tags = event_tags(trained[0])
    assert {"epoch_loss", "epoch_accuracy", "epoch_auc"} <= set(tags["train"])
    assert {"epoch_loss", "epoch_accuracy", "epoch_auc"} <= set(tags["validation"])
    assert tags["validation"]["confusion_matrix"] == "image"
    assert tags["validation"]["attention"] == "image"


def test_evaluate_reproduces_the_test_accuracy(trained):
    run_dir, metrics = trained
    result = main(["evaluate", "--run", str(run_dir)])
    assert result["test"]["accuracy"] == pytest.approx(metrics["test"]["accuracy"])
    assert result["test"]["examples"] == metrics["test_examples"]


def test_evaluate_on_a_file_accepts_the_labels_the_class_names_stand_for(trained, tmp_path):
    run_dir, _ = trained
    path = tmp_path / "dev.tsv"
    path.write_text("sentence\tlabel\nthe plot was not bad at all\t1\nthe food was dull\tnegative\n", encoding="utf-8")
    result = main(["evaluate", "--run", str(run_dir), "--data", str(path)])
    assert result["test"]["examples"] == 2 and result["data"] == str(path)


def test_predict_prints_labels_and_attention_per_word(trained, tmp_path, capsys):
    run_dir, _ = trained
    lines = tmp_path / "texts.txt"
    lines.write_text("a truly dreadful ending\n", encoding="utf-8")
    result = main(["predict", "--run", str(run_dir), *TEXTS, "--file", str(lines), "--explain"])
    rows = result["predictions"]
    assert [row["text"] for row in rows] == [*TEXTS, "a truly dreadful ending"]
    trained_run = sentiment.load(run_dir)  # the network on the ids of model.keras's text layer, in tf.data
    ids = text_dataset(TEXTS, preprocessor=trained_run.model.get_layer("text_to_ids"))
    probability = trained_run.network.predict(ids, verbose=0)[:, 0]
    assert [row["label"] for row in rows[:2]] == ["positive" if p > 0.5 else "negative" for p in probability]
    words = [pair.split(":") for pair in rows[0]["attention"].split()]
    assert [word for word, _ in words] == TEXTS[0].split()
    assert sum(float(weight) for _, weight in words) == pytest.approx(1.0, abs=2e-3)
    assert "text,label,probability,attention" in capsys.readouterr().out


def test_model_file_carries_its_vocabulary_and_reloads_equal(trained):
    run_dir, _ = trained
    model = sentiment.load(run_dir).model
    assert not (run_dir / "vocabulary.json").exists() and not (run_dir / "tokenizer").exists()
    layer = model.get_layer("text_to_ids")
    assert layer.vocabulary[:4] == ["[PAD]", "[UNK]", "[START]", "[END]"] and "superb" in layer.vocabulary
    path = run_dir.parent / "copy.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert reloaded.get_layer("text_to_ids").vocabulary == layer.vocabulary
    texts = np.array(TEXTS, dtype=object)
    for name in ("probabilities", "attention"):
        np.testing.assert_array_equal(reloaded.predict(texts, verbose=0)[name], model.predict(texts, verbose=0)[name])


def test_model_file_alone_predicts_like_the_cli(trained, tmp_path):
    run_dir, _ = trained
    cli = main(["predict", "--run", str(run_dir), *TEXTS, "--explain", "--out", str(tmp_path / "p.csv")])
    raw = model_file_predict_in_subprocess(run_dir, TEXTS)  # a fresh interpreter: import apps, load_model
    rows = cli["predictions"]
    assert raw["label"] == [row["label"] for row in rows]
    np.testing.assert_allclose(raw["probability"], [row["probability"] for row in rows], atol=2e-6)
    weights = np.array(raw["attention"]).reshape(len(TEXTS), -1)
    for row, text_weights in zip(rows, weights):
        shown = [float(pair.split(":")[1]) for pair in row["attention"].split()]
        np.testing.assert_allclose(text_weights[:len(shown)], shown, atol=6e-4)


def test_a_run_without_model_keras_asks_to_be_retrained(trained, tmp_path):
    run_dir, _ = trained
    old = tmp_path / "old"
    (old / "checkpoints").mkdir(parents=True)
    for name in ("config.json", "metrics.json", "text.json"):
        (old / name).write_bytes((run_dir / name).read_bytes())
    (old / "checkpoints" / "best.keras").write_bytes((run_dir / "checkpoints" / "best.keras").read_bytes())
    with pytest.raises(UsageError, match="train it again"):
        sentiment.load(old)


def test_export_serves_raw_strings_with_parity(trained, tmp_path):
    run_dir, _ = trained
    result = main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])
    assert result["max_abs_difference"] <= 1e-4
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    assert serve.structured_input_signature[1]["text"].dtype == tf.string
    outputs = serve(text=tf.constant(TEXTS))
    expected = predict_texts(sentiment.load(run_dir).model, TEXTS)["probabilities"]
    np.testing.assert_allclose(outputs["probabilities"].numpy(), expected, atol=1e-5)
    assert [v.decode() for v in outputs["label"].numpy()] == [["negative", "positive"][i] for i in expected.argmax(1)]


def test_python_api_trains_loads_and_predicts_like_the_cli(tmp_path):
    run = sentiment.train(examples=400, max_train_samples=160, epochs=1, units=8, embedding_dim=8, patience=0,
                          attention=True, sequence_length=12, run_dir=str(tmp_path / "run"))
    assert run.path == tmp_path / "run" and 0.0 <= run.metrics["test"]["accuracy"] <= 1.0
    saved = json.loads((run.path / "config.json").read_text())
    assert saved["config"]["sequence_length"] == 12 and "sequence_length" not in saved["resolved"]  # given
    cli = main(["predict", "--run", str(run.path), *TEXTS, "--out", str(tmp_path / "p.csv")])
    assert api_predict_in_subprocess("sentiment", run.path, TEXTS) == cli["predictions"]
    explained = main(["predict", "--run", str(run.path), *TEXTS, "--explain", "--out", str(tmp_path / "e.csv")])
    rows = api_predict_in_subprocess("sentiment", run.path, TEXTS, explain=True)
    assert rows == explained["predictions"] and all(row["attention"] for row in rows)
    assert sentiment.load(run.path).predict(TEXTS[0]) == cli["predictions"][:1]
    assert sentiment.export(run.path, tmp_path / "sm")["max_abs_difference"] <= 1e-4


def test_python_api_raises_usage_errors_not_system_exit(tmp_path):
    with pytest.raises(UsageError, match="model"):
        sentiment.train(model="nope")
    with pytest.raises(UsageError, match="unknown option"):
        sentiment.train(colour="red")
    with pytest.raises(UsageError, match="attention applies to the recurrent models"):
        sentiment.train(model="bow", attention=True)
    with pytest.raises(UsageError, match="not a run folder"):
        sentiment.load(tmp_path)


FAST = ["--examples", "400", "--max-train-samples", "160", "--epochs", "1", "--units", "8",
        "--embedding-dim", "8", "--patience", "0"]


@pytest.fixture(scope="module")
def word_vectors(tmp_path_factory):
    vectors = {"superb": [0.5, -0.25, 1.0, 2.0, 0.0, 0.0, 0.0, 1.0], "dull": [-1.0] * 8}
    path = tmp_path_factory.mktemp("vectors") / "vectors.txt"
    path.write_text("2 8\n" + "".join(f"{w} {' '.join(map(str, v))}\n" for w, v in vectors.items()))
    return path, vectors


@pytest.mark.parametrize("model, extra, layer", [
    ("bow", [], "hidden"),
    ("gru", ["--layers", "2", "--freeze-embeddings"], "recurrent_2"),
    ("bilstm", [], "bi_recurrent_1"),
])
def test_other_models_train_and_predict(model, extra, layer, word_vectors, tmp_path, capsys):
    from shared.cli import run

    vectors_path, vectors = word_vectors
    if model == "gru":
        extra = [*extra, "--embeddings", str(vectors_path)]
    run_dir = tmp_path / model
    metrics = main(["train", "--model", model, "--run-dir", str(run_dir), *FAST, *extra])
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0
    rows = main(["predict", "--run", str(run_dir), *TEXTS])["predictions"]
    assert len(rows) == 2 and all(0.5 <= row["probability"] <= 1.0 for row in rows)
    trained = keras.saving.load_model(run_dir / "checkpoints" / "best.keras")
    assert layer in [each.name for each in trained.layers]
    if model == "bow":
        code = run(main, ["predict", "--run", str(run_dir), "--explain", "fine"], prog="sentiment")
        assert code == 2 and "--explain needs a run trained with --attention" in capsys.readouterr().err
    if model == "gru":  # frozen word2vec rows are kept as given
        vocabulary = sentiment.load(run_dir).model.get_layer("text_to_ids").vocabulary
        matrix = trained.get_layer("embedding").get_weights()[0]
        for word, vector in vectors.items():
            np.testing.assert_allclose(matrix[vocabulary.index(word)], vector)
