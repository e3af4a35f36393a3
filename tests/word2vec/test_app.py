"""End-to-end runs of every word2vec verb (offline, small budgets)."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

import apps.word2vec as word2vec
from apps.word2vec import DEMO_ARGS, main, tensorboard
from apps.word2vec.vectors import read_word2vec
from shared.cli import run
from shared.errors import UsageError
from tests.helpers import api_predict_in_subprocess, event_tags, model_file_predict_in_subprocess

QUICK = ["--epochs", "2", "--dim", "32"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("word2vec") / "run"
    metrics = main(["train", "--run-dir", str(run_dir), *QUICK, "--probe-words", "paris,king,nosuchword"])
    return run_dir, metrics


def test_default_data_learns_the_planted_analogies(trained):
    run_dir, metrics = trained
    assert metrics["test"]["analogy_accuracy"] >= 0.9
    assert metrics["test"]["analogy_questions"] == 660 and metrics["test"]["analogy_oov"] == 0
    assert set(metrics["analogy_sections"]) == {"capital-common-countries", "family", "gram8-plural",
                                               "gram7-past-tense", "gram2-comparative"}
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    history = pd.read_csv(run_dir / "history.csv")
    assert history["epoch"].tolist() == [1, 2]
    assert {"loss", "val_loss", "words_per_second", "learning_rate"} <= set(history.columns)
    assert history["learning_rate"].iloc[1] < history["learning_rate"].iloc[0]  # linear decay
    assert history["loss"].iloc[1] < history["loss"].iloc[0]


def test_words_per_second_is_the_whole_trainings_without_validation(trained, monkeypatch):
    run_dir, metrics = trained
    rates = pd.read_csv(run_dir / "history.csv")["words_per_second"]
    words = metrics["train_tokens"]
    assert metrics["words_per_second"] == pytest.approx(len(rates) * words / (words / rates).sum())
    clock = iter([10.0, 12.0])
    monkeypatch.setattr(tensorboard.time, "perf_counter", lambda: next(clock))
    callback, logs = tensorboard.WordsPerSecond(1000), {}
    callback.on_epoch_begin(0)
    callback.on_test_begin()  # the validation pass starts: training time stops here
    callback.on_epoch_end(0, logs)
    assert logs["words_per_second"] == 500.0


def test_tensorboard_scalars_neighbours_and_projector(trained):
    run_dir, _ = trained
    tags = event_tags(run_dir)
    assert {"epoch_loss", "epoch_words_per_second", "epoch_learning_rate"} <= set(tags["train"])
    assert "epoch_loss" in tags["validation"]
    assert "nearest_neighbours" in tags["neighbours"]
    texts = [tf.make_ndarray(v.tensor).item().decode()
             for path in (run_dir / "neighbours").glob("events.*")
             for event in tf.compat.v1.train.summary_iterator(str(path)) for v in event.summary.value]
    assert "| paris |" in texts[-1] and "| king |" in texts[-1] and "nosuchword" not in texts[-1]
    projector = run_dir / "projector"
    config = (projector / "projector_config.pbtxt").read_text()
    assert 'metadata_path: "metadata.tsv"' in config and "embedding/.ATTRIBUTES/VARIABLE_VALUE" in config
    words = (projector / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    vectors = tf.train.load_variable(tf.train.latest_checkpoint(str(projector)), "embedding/.ATTRIBUTES/VARIABLE_VALUE")
    assert vectors.shape == (len(words), 32) and "paris" in words


def test_evaluate_reproduces_the_test_metrics_and_scores_similarity(trained, tmp_path):
    run_dir, metrics = trained
    path = tmp_path / "ws.tsv"
    path.write_text("# Word 1\tWord 2\tHuman\nparis\tfrance\t9\nking\tqueen\t8\nparis\tbirds\t1\ncat\tdogs\t3\n")
    result = main(["evaluate", "--run", str(run_dir), "--similarity", str(path)])
    assert result["test"]["analogy_accuracy"] == pytest.approx(metrics["test"]["analogy_accuracy"])
    assert -1.0 <= result["test"]["spearman_ws"] <= 1.0 and result["test"]["spearman_ws_oov"] == 0
    assert (run_dir / "evaluation.json").is_file()


def test_similar_and_analogy_verbs(trained, capsys):
    run_dir, _ = trained
    result = main(["similar", "--run", str(run_dir), "Paris", "--k", "3"])
    assert len(result["neighbours"]) == 3 and "paris" not in [w for w, _ in result["neighbours"]]
    answers = main(["analogy", "--run", str(run_dir), "athens", "greece", "rome"])["answers"]
    assert answers[0][0] == "italy"
    assert "italy\t" in capsys.readouterr().out


def test_export_vectors_round_trip(trained, tmp_path):
    run_dir, _ = trained
    words = (run_dir / "vocab.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for fmt in ("word2vec-text", "word2vec-binary"):
        out = tmp_path / f"v-{fmt}"
        main(["export-vectors", "--run", str(run_dir), "--format", fmt, "--out", str(out)])
        loaded_words, vectors = read_word2vec(out)
        assert loaded_words == [line.split("\t")[0] for line in words] and vectors.shape[1] == 32
    files = main(["export-vectors", "--run", str(run_dir), "--format", "tsv"])["files"]
    assert files == [str(run_dir / "vectors.tsv"), str(run_dir / "metadata.tsv")]


def test_export_serves_word_strings_with_parity(trained, tmp_path, capsys):
    run_dir, _ = trained
    result = main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])
    assert result["max_abs_difference"] == 0.0
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    outputs = serve(words=tf.constant(["Paris", "zzz-unknown"]))
    predicted = main(["predict", "--run", str(run_dir), "paris", "zzz-unknown"])
    np.testing.assert_allclose(outputs["vector"].numpy(), predicted["vectors"], atol=1e-6)
    assert outputs["known"].numpy().tolist() == [True, False] == predicted["known"]
    assert capsys.readouterr().out.startswith("paris\ttrue\t")


@pytest.mark.parametrize("model,kernel", [("cbow", "auto"), ("cbow", "tf"), ("skipgram", "tf"), ("nnlm", "auto")])
def test_cbow_and_nnlm_train_and_both_kernels(model, kernel, tmp_path):
    metrics = main(["train", "--run-dir", str(tmp_path / model), "--model", model, "--epochs", "1", "--dim", "16",
                    "--max-train-samples", "3000", "--kernel", kernel])
    assert 0.0 <= metrics["test"]["analogy_accuracy"] <= 1.0 and metrics["vocab_size"] > 100
    config = json.loads((tmp_path / model / "config.json").read_text())["config"]
    assert config["learning_rate"] == {"skipgram": 0.025, "cbow": 0.05, "nnlm": 0.002}[model]
    assert config["kernel"] != "auto"  # resolved, so a resumed run uses the same one


def test_text_folder_with_questions_file(tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text("the red fox runs\nthe blue fox walks\n" * 60, encoding="utf-8")
    (tmp_path / "q.txt").write_text(": colours\nred fox blue fox\nred zzz blue fox\n", encoding="utf-8")
    metrics = main(["train", "--run-dir", str(tmp_path / "r"), "--data", str(folder), "--questions",
                    str(tmp_path / "q.txt"), "--epochs", "1", "--dim", "8", "--min-count", "2"])
    assert metrics["test"]["analogy_questions"] == 1 and metrics["test"]["analogy_oov"] == 1
    assert metrics["vocab_size"] == 6


def test_python_api_trains_loads_and_predicts_like_the_cli(tmp_path, capsys):
    run_ = word2vec.train(epochs=1, dim=8, max_train_samples=2000, kernel="tf", run_dir=str(tmp_path / "run"))
    assert run_.path == tmp_path / "run" and 0.0 <= run_.metrics["test"]["analogy_accuracy"] <= 1.0
    assert json.loads((run_.path / "metrics.json").read_text()) == run_.metrics
    (run_.path / "vocab.tsv").unlink()  # written for people: the verbs read model.keras
    inputs = ["paris", "King", "zzz-unknown"]
    cli = main(["predict", "--run", str(run_.path), *inputs])
    assert api_predict_in_subprocess("word2vec", run_.path, inputs) == cli["predictions"]
    raw = model_file_predict_in_subprocess(run_.path, inputs)
    assert raw["known"] == [row["known"] for row in cli["predictions"]]
    np.testing.assert_array_equal(raw["vector"], [row["vector"] for row in cli["predictions"]])
    assert [row["known"] for row in cli["predictions"]] == [True, True, False] == cli["known"]
    assert cli["predictions"][2]["vector"] == [0.0] * 8 and len(cli["predictions"][0]["vector"]) == 8
    printed = capsys.readouterr().out.splitlines()[-3:]  # after the training's progress lines
    assert printed[1].startswith("King\ttrue\t") and printed[2] == "zzz-unknown\tfalse" + "\t0" * 8
    model = word2vec.load(run_.path)
    assert model.evaluate()["test"]["analogy_accuracy"] == pytest.approx(run_.metrics["test"]["analogy_accuracy"])
    exported = word2vec.export(run_.path, tmp_path / "sm")
    assert exported["max_abs_difference"] == 0.0
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    np.testing.assert_allclose(serve(words=tf.constant(inputs))["vector"].numpy(),
                               [row["vector"] for row in cli["predictions"]], atol=1e-6)


def test_a_run_without_model_keras_asks_to_be_retrained(trained, tmp_path):
    run_dir, _ = trained
    old = tmp_path / "old"
    (old / "checkpoints").mkdir(parents=True)
    for name in ("config.json", "metrics.json", "vocab.tsv"):
        (old / name).write_bytes((run_dir / name).read_bytes())
    (old / "checkpoints" / "best.keras").write_bytes((run_dir / "checkpoints" / "best.keras").read_bytes())
    with pytest.raises(UsageError, match="train it again"):
        word2vec.load(old)
    assert run(main, ["similar", "--run", str(old), "paris"], prog="w2v") == 2


def test_python_api_raises_usage_errors_not_system_exit(tmp_path):
    with pytest.raises(UsageError, match="model must be one of"):
        word2vec.train(model="glove")
    with pytest.raises(UsageError, match="unknown option"):
        word2vec.train(colour="red")
    with pytest.raises(UsageError, match="skipgram and cbow train on one device"):
        word2vec.train(strategy="mirrored", run_dir=str(tmp_path / "r"))
    assert not (tmp_path / "r").exists()
    with pytest.raises(UsageError, match="not a run folder"):
        word2vec.load(tmp_path / "nothing")


def test_demo_args_are_a_short_budget():
    assert DEMO_ARGS[DEMO_ARGS.index("--epochs") + 1] in ("2", "3", "4", "5")


@pytest.mark.parametrize("argv,fragment", [
    (["train", "--model", "glove"], "invalid choice: 'glove'"),
    (["train", "--window", "0"], "window must be > 0, got 0"),
    (["train", "--data", "/nonexistent/corpus.txt"], "no such file or folder"),
    (["train", "--strategy", "mirrored"], "skipgram and cbow train on one device"),
    (["evaluate", "--run", "/nonexistent/run"], "not a run folder"),
])
def test_bad_command_lines_exit_2_with_one_line(argv, fragment, capsys):
    assert run(main, argv, prog="python -m apps.word2vec") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err


def test_bad_bytes_exit_2_and_leave_no_run_folder(tmp_path, capsys):
    (tmp_path / "bad.txt").write_bytes(b"fine text\n\xc3\x28 broken\n")
    argv = ["train", "--data", str(tmp_path / "bad.txt"), "--run-dir", str(tmp_path / "r")]
    assert run(main, argv, prog="python -m apps.word2vec") == 2
    assert "bad.txt: not UTF-8 text: invalid byte 0xc3 at byte offset 10" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_unknown_word_is_a_usage_error(trained, capsys):
    assert run(main, ["similar", "--run", str(trained[0]), "qqqq"], prog="w2v") == 2
    assert "'qqqq' is not in the vocabulary" in capsys.readouterr().err


def test_command_line_process_exit_code():
    done = subprocess.run([sys.executable, "-m", "apps.word2vec", "train", "--dim", "-3"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and "dim must be > 0, got -3" in done.stderr and "Traceback" not in done.stderr


class Interrupt(Exception):
    """Stands in for a kill after the first epoch."""


def test_interrupted_run_resumes_with_its_learning_rate(tmp_path, monkeypatch):
    import keras

    from shared import training

    standard = training.standard_callbacks

    class Stop(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise Interrupt()

    monkeypatch.setattr(training, "standard_callbacks", lambda *a, **k: [*standard(*a, **k), Stop()])
    argv = ["train", "--run-dir", str(tmp_path / "r"), "--epochs", "2", "--dim", "8", "--max-train-samples", "2000"]
    with pytest.raises(Interrupt):
        main(argv)
    monkeypatch.setattr(training, "standard_callbacks", standard)
    metrics = main(argv)
    history = pd.read_csv(tmp_path / "r" / "history.csv")
    assert history["epoch"].tolist() == [1, 2] and metrics["epochs"] == 2
    assert history["learning_rate"].iloc[1] < history["learning_rate"].iloc[0]  # words_done came back
    assert "(resuming)" in (tmp_path / "r" / "train.log").read_text()
