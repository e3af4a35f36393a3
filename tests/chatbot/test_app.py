"""End-to-end runs of every chatbot verb on a tiny budget (offline)."""

import io
import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import tensorflow as tf

import apps.chatbot as chatbot
from apps.chatbot import main
from apps.chatbot.inference import Bot
from apps.chatbot.monitor import DialogueText
from shared.errors import UsageError
from tests.helpers import api_predict_in_subprocess, event_tags, model_file_predict_in_subprocess

TINY = ["--epochs", "1", "--dialogues", "160", "--embedding-dim", "8", "--units", "16",
        "--attention-units", "8", "--turns", "2", "--utterance-length", "10",
        "--response-length", "12", "--patience", "0", "--batch-size", "32"]

KNOWLEDGE = [("what is your name?", "my name is annbot."),
             ("how old are you?", "i am two years old."),
             ("where do you live?", "i live in a terminal."),
             ("what do you eat?", "i eat gradients."),
             ("can you sing?", "only in binary."),
             ("do you sleep?", "never, i train at night.")]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("chatbot") / "run"
    metrics = main(["train", "--run-dir", str(run_dir), *TINY])
    return run_dir, metrics


def test_train_writes_the_run_folder(trained):
    run_dir, metrics = trained
    assert {"exact_match", "follow_up_exact_match", "first_turn_exact_match", "bleu",
            "follow_up_bleu", "perplexity", "follow_up_perplexity"} <= set(metrics["test"])
    assert metrics["test"]["follow_up_examples"] > 0 and metrics["epochs"] == 1
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics
    assert json.loads((run_dir / "config.json").read_text())["config"]["model"] == "hierarchical"
    assert pd.read_csv(run_dir / "history.csv")["epoch"].tolist() == [1]
    assert (run_dir / "checkpoints" / "best.keras").is_file() and (run_dir / "model.keras").is_file()
    vocabulary = json.loads((run_dir / "vocabulary.json").read_text())  # for people
    assert vocabulary[:4] == ["[PAD]", "[UNK]", "[START]", "[END]"] and len(vocabulary) > 50
    held_out = json.loads((run_dir / "examples" / "contexts.json").read_text())  # the export's check
    assert len(held_out) == 5 and all(isinstance(turn, str) for context in held_out for turn in context)


def test_model_keras_answers_raw_conversations_like_the_cli(trained, capsys):
    inputs = ["do you have the red hat? || how much is it?", "what is the weather in paris today?",
              "is the red hat in stock? || yes, the red hat is in stock. || how much?"]
    cli = main(["predict", "--run", str(trained[0]), *inputs])["predictions"]
    raw = model_file_predict_in_subprocess(trained[0], inputs)
    assert raw["response"] == [row["response"] for row in cli]
    assert len(raw["utterance_attention"]) == 3 and len(raw["utterance_attention"][0]) == 5


def test_side_files_are_not_read_back_and_a_run_without_model_keras_asks_to_be_retrained(trained, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(trained[0], copy, ignore=shutil.ignore_patterns(".lock", "vocabulary.json",
                                                                     "test_samples.json"))
    question = ["do you have the red hat? || how much is it?"]
    assert chatbot.load(copy).predict(question) == chatbot.load(trained[0]).predict(question)
    (copy / "model.keras").unlink()
    with pytest.raises(UsageError, match="train it again"):
        chatbot.load(copy)


def test_tensorboard_has_losses_samples_and_attention(trained):
    tags = event_tags(trained[0])
    assert {"epoch_loss", "epoch_token_accuracy"} <= set(tags["train"])
    assert tags["validation"]["attention"] == "image"
    assert "sample_dialogues" in tags["validation"]


def test_evaluate_reproduces_the_test_metrics(trained):
    run_dir, metrics = trained
    result = main(["evaluate", "--run", str(run_dir)])
    for key in ("exact_match", "follow_up_exact_match", "perplexity"):
        assert result["test"][key] == pytest.approx(metrics["test"][key], rel=1e-4)


def test_chat_through_standard_input(trained, monkeypatch, capsys):
    script = "what is the weather in paris today?\nand tomorrow?\n\n/history\n/reset\n/history\nhi\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(script))
    result = main(["chat", "--run", str(trained[0])])
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("bot> ") for line in out) == 3
    assert any(line.startswith("(empty message") for line in out)
    assert "you: and tomorrow?" in out and "(conversation reset)" in out and "(no conversation yet)" in out
    assert out[-1] == "(end of input) bye."
    assert result["answers"] == 3 and result["history"][0] == "hi" and len(result["history"]) == 2
    assert result["max_seconds"] < 1.0  # answers in under a second on CPU


def test_chat_once_and_predict(trained, capsys):
    once = main(["chat", "--run", str(trained[0]), "--once", "how much is it?"])
    assert capsys.readouterr().out.startswith("bot> ") and isinstance(once["response"], str)
    result = main(["predict", "--run", str(trained[0]), "do you have the red hat? || how much is it?"])
    bot = Bot(chatbot.load(trained[0]))
    assert result["predictions"][0]["response"] == bot.respond(
        ["do you have the red hat?", "how much is it?"])["response"]
    assert capsys.readouterr().out.startswith("context,response")


def test_export_serves_strings_with_parity(trained, tmp_path):
    result = main(["export", "--run", str(trained[0]), "--out", str(tmp_path / "sm")])
    assert result["max_abs_difference"] == 0 and result["checked_contexts"] >= 1
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    context = ["is the red hat in stock?", "yes, the red hat is in stock.", "how much?"]
    out = serve(context=tf.constant(context))
    assert out["response"].numpy().decode() == Bot(chatbot.load(trained[0])).respond(context)["response"]
    assert out["utterance_attention"].shape == (5,)


def test_python_api_trains_loads_and_predicts_like_the_cli(tmp_path, capsys):
    run = chatbot.train(epochs=1, dialogues=160, embedding_dim=8, units=16, attention_units=8, turns=2,
                        utterance_length=10, response_length=12, patience=0, batch_size=32,
                        run_dir=str(tmp_path / "run"))
    assert run.path == tmp_path / "run" and run.metrics["test"]["follow_up_examples"] > 0
    assert json.loads((run.path / "metrics.json").read_text()) == run.metrics
    inputs = ["do you have the red hat? || how much is it?", "what is the weather in paris today?"]
    capsys.readouterr()  # the training's progress
    cli = main(["predict", "--run", str(run.path), *inputs])["predictions"]
    assert capsys.readouterr().out.startswith("context,response")
    assert [row["context"] for row in cli] == inputs and all(isinstance(r["response"], str) for r in cli)
    assert api_predict_in_subprocess("chatbot", run.path, inputs) == cli
    model = chatbot.load(run.path)
    assert model.predict(inputs) == cli
    turns = [["do you have the red hat?", "how much is it?"]]
    assert model.predict(turns)[0]["response"] == cli[0]["response"]
    result = chatbot.export(run.path, tmp_path / "sm")
    assert result["max_abs_difference"] == 0 and result["checked_contexts"] >= 1
    served = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"](
        context=tf.constant(turns[0]))
    assert served["response"].numpy().decode() == cli[0]["response"]


def test_python_api_raises_usage_errors_not_system_exit(tmp_path):
    with pytest.raises(UsageError, match="model"):
        chatbot.train(model="nope")
    with pytest.raises(UsageError, match="unknown option"):
        chatbot.train(colour="red")
    with pytest.raises(UsageError, match="preset"):
        chatbot.train(model="retrieval", preset=str(tmp_path / "missing"), run_dir=str(tmp_path / "never"))
    assert not (tmp_path / "never").exists()


def test_bad_predict_chat_and_export_options_are_usage_errors(trained, tmp_path):
    model = chatbot.load(trained[0])
    with pytest.raises(UsageError, match="empty context"):
        model.predict([" || "])
    with pytest.raises(UsageError, match="separates the turns"):
        model.predict([["is the red hat || in stock?", "how much?"]])
    with pytest.raises(UsageError, match="--once"):
        main(["chat", "--run", str(trained[0]), "--once", "  "])
    with pytest.raises(UsageError, match="sampling"):
        model.app.export(model, tmp_path / "sm", decoding="top_k")
    assert not (tmp_path / "sm").exists()


def test_dialogue_text_writes_one_text_tag_per_epoch_to_one_file(tmp_path):
    callback = DialogueText(tmp_path, lambda model, epoch: f"| epoch {epoch} |")
    callback.on_train_begin()
    for epoch in range(2):
        callback.on_epoch_end(epoch, {"loss": 1.0})
    callback.on_train_end()
    assert event_tags(tmp_path) == {"validation": {"sample_dialogues": "other"}}
    assert len(list((tmp_path / "validation").glob("events.out.tfevents.*"))) == 1


def knowledge_tsv(path, repeats=30):
    lines = [f"{question}\t{answer}\n\n" for _ in range(repeats) for question, answer in KNOWLEDGE]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_retrieval_returns_the_known_answer(tmp_path, capsys):
    data = knowledge_tsv(tmp_path / "kb.tsv")
    run_dir = tmp_path / "retrieval"
    metrics = main(["train", "--model", "retrieval", "--data", str(data), "--run-dir", str(run_dir),
                    "--epochs", "8", "--batch-size", "16", "--units", "32", "--embedding-dim", "16",
                    "--attention-units", "8", "--patience", "0", "--dropout", "0", "--turns", "0",
                    "--utterance-length", "8", "--response-length", "8"])
    assert metrics["test"]["recall_at_1"] == 1.0 and metrics["knowledge_base"] == len(KNOWLEDGE)
    for name in ("candidates.json", "candidate_embeddings.npy", "vocabulary.json"):  # for people only
        (run_dir / name).unlink()
    reply = main(["chat", "--run", str(run_dir), "--once", "how old are you?", "--top", "3"])
    assert reply["response"] == "i am two years old." and len(reply["candidates"]) == 3
    result = main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])
    served = tf.saved_model.load(result["path"]).signatures["serving_default"](
        context=tf.constant(["where do you live?"]))
    assert served["response"].numpy().decode() == "i live in a terminal."
    assert served["candidates"].shape == (5,) and served["scores"].numpy()[0] >= served["scores"].numpy()[1]
    raw = model_file_predict_in_subprocess(run_dir, ["where do you live?", "hi || can you sing?"])
    assert raw["response"] == ["i live in a terminal.", "only in binary."] and len(raw["candidates"]) == 10


def test_retrieval_follow_up_takes_the_slot_from_earlier_turns(tmp_path):
    run_dir = tmp_path / "follow_up"
    main(["train", "--model", "retrieval", "--dialogues", "400", "--epochs", "10", "--batch-size", "16",
          "--patience", "0", "--run-dir", str(run_dir)])
    bot = Bot(chatbot.load(run_dir))
    candidates = json.loads((run_dir / "candidates.json").read_text())
    for city, weather in (("paris", "rainy, 14"), ("milan", "sunny, 24"), ("oslo", "snowy, -3")):
        context = [f"what is the weather in {city} today?", f"today in {city} it will be {weather} degrees.",
                   "and tomorrow?"]
        expected = f"tomorrow in {city} it will be {weather} degrees."
        assert expected in candidates and bot.respond(context)["response"] == expected


def tiny_bert_preset(folder):
    import keras_hub

    words = sorted({w for pair in KNOWLEDGE for text in pair for w in
                    text.replace("?", " ?").replace(".", " .").replace(",", " ,").split()})
    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    keras_hub.models.BertBackbone(vocabulary_size=len(vocabulary), num_layers=1, num_heads=2,
                                  hidden_dim=16, intermediate_dim=32,
                                  max_sequence_length=128).save_to_preset(str(folder))
    keras_hub.models.BertTokenizer(vocabulary=vocabulary).save_to_preset(str(folder))
    return folder


def test_pretrained_encoder_from_a_preset_folder(tmp_path):
    preset = tiny_bert_preset(tmp_path / "bert")
    run_dir = tmp_path / "pretrained"
    metrics = main(["train", "--model", "retrieval", "--preset", str(preset), "--fine-tune-encoder",
                    "--data", str(knowledge_tsv(tmp_path / "kb.tsv", repeats=4)), "--run-dir", str(run_dir),
                    "--epochs", "1", "--batch-size", "8", "--patience", "0", "--turns", "0"])
    assert json.loads((run_dir / "config.json").read_text())["config"]["encoder"] == "pretrained"
    assert 0.0 <= metrics["test"]["recall_at_1"] <= 1.0
    result = main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])
    assert result["max_abs_difference"] <= 1e-4


def test_bad_input_exits_2_with_one_line_and_no_run_folder(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"turns": ["hello", "hi"]}\n{"turns": ["hello"\n', encoding="utf-8")
    run_dir = tmp_path / "never"
    process = subprocess.run([sys.executable, "-m", "apps.chatbot", "train", "--data", str(bad),
                              "--run-dir", str(run_dir)], capture_output=True, text=True, timeout=600)
    assert process.returncode == 2
    last = process.stderr.strip().splitlines()[-1]
    assert last.startswith("python -m apps.chatbot: error: ") and f"{bad}:2: malformed JSON" in last
    assert not run_dir.exists()
