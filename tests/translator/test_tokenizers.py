"""Subword tokenizers (shared.text) in the translator: round trips, training split only,
every verb end to end, the tokenizer inside model.keras."""

import json

import numpy as np
import pytest
import tensorflow as tf

import apps.translator as translator
from apps.translator import main
from apps.translator.app import APP
from apps.translator.config import TranslatorConfig
from apps.translator.data import load_data
from apps.translator.evaluation import normalise_references
from shared.text import (
    END_ID,
    SPECIALS,
    START_ID,
    TextToIds,
    Vocabulary,
    WordTokenizer,
    train_tokenizer,
)
from shared.text.tokenizers import SPACE
from tests.helpers import model_file_predict_in_subprocess

SUBWORDS = ("wordpiece", "sentencepiece")
SENTENCES = ["Quatre-vingt-dix-sept mille.", "Il mangeait la pomme, n'est-ce pas ?", "Je mange des pommes !",
             "L'homme est très  GRAND?!", "Nous mangions ensemble.", "Où est le château ?"] * 4


def pieces_of(tokenizer):
    if tokenizer.kind == "wordpiece":
        return set(tokenizer.pieces)
    return set(tokenizer.layer.get_vocabulary())


@pytest.mark.parametrize("kind", SUBWORDS)
def test_subword_round_trip_keeps_the_text_and_the_special_tokens(kind):
    tokenizer = train_tokenizer(kind, SENTENCES, vocab_size=70)
    tokens = tokenizer.tokenize(SENTENCES[:6])
    assert sum(map(len, tokens)) > sum(map(len, WordTokenizer().tokenize(SENTENCES[:6])))  # pieces, not words
    assert tokenizer.detokenize(tokens) == normalise_references(SENTENCES[:6])
    vocab = Vocabulary.build(tokenizer.tokenize(SENTENCES))
    assert vocab.tokens[:4] == list(SPECIALS)
    ids = vocab.encode(tokens, 40, add_start=True, add_end=True)
    assert ids[:, 0].tolist() == [START_ID] * 6 and (ids == END_ID).sum() == 6
    assert tokenizer.detokenize(vocab.decode(ids)) == normalise_references(SENTENCES[:6])
    assert set(SPECIALS) <= pieces_of(tokenizer)
    layer = TextToIds.from_tokenizer(tokenizer, vocab, sequence_length=40, add_start=True, add_end=True)
    reloaded = TextToIds.from_config(layer.get_config())  # the tokenizer travels in the config
    np.testing.assert_array_equal(reloaded(np.array(SENTENCES[:6], dtype=object)).numpy(), ids)
    # the dense, padded form the decoder produces detokenises the same way
    dense = tf.constant([tokens[2] + [""] * 3])
    assert tokenizer.join(dense).numpy()[0].decode() == "je mange des pommes !"


def unique_words(count, seed=0):
    letters = np.array(list("bcdfgklmnprstvz"))
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(letters, 9)) for _ in range(count)]


@pytest.mark.parametrize("kind", SUBWORDS)
def test_subword_vocabulary_is_learnt_on_the_training_split_only(kind, tmp_path):
    words = unique_words(60)
    path = tmp_path / "pairs.tsv"
    path.write_text("".join(f"the {w} {w} is here\tle {w} est là\n" for w in words), encoding="utf-8")
    data = load_data(TranslatorConfig(data=str(path), tokenizer=kind, vocab_size=4000, test_fraction=0.2))
    train_words = {source.split()[1] for source, _ in data.pairs["train"]}
    test_words = {source.split()[1] for source, _ in data.pairs["test"]}
    assert test_words and not test_words & train_words
    pieces = pieces_of(data.tokenizers[0]) | set(data.source_vocab.tokens)

    def entry(word):
        return word if kind == "wordpiece" else SPACE + word

    assert not {entry(w) for w in test_words} & pieces  # no test-only word is a vocabulary entry
    assert entry("here") in pieces  # while frequent training words are
    if kind == "wordpiece":
        assert len({entry(w) for w in train_words} & pieces) >= len(train_words) // 2


TINY = ["--num-examples", "200", "--epochs", "1", "--units", "8", "--embedding-dim", "8", "--batch-size", "64",
        "--bleu-samples", "4", "--patience", "0", "--vocab-size", "120"]
CASES = [pytest.param("wordpiece", ["--model", "transformer", "--num-layers", "1", "--num-heads", "2",
                                     "--feedforward-dim", "16"], marks=pytest.mark.slow, id="wordpiece-transformer"),
         pytest.param("sentencepiece", ["--model", "attention"], id="sentencepiece-attention")]


@pytest.mark.parametrize(("kind", "model"), CASES)
def test_subword_train_evaluate_translate_export(kind, model, tmp_path, capsys):
    run_dir = tmp_path / "run"
    metrics = main(["train", "--run-dir", str(run_dir), "--tokenizer", kind, *model, *TINY])
    assert metrics["tokenizer"] == kind and 0.0 <= metrics["test"]["bleu"] <= 100.0
    assert json.loads((run_dir / "vocab.json").read_text())["tokenizer"] == kind  # for people
    assert not (run_dir / "tokenizer").exists()  # the tokenizers are inside model.keras
    model = translator.load(run_dir).model
    assert model.get_layer("source_text").kind == model.get_layer("target_text").kind == kind
    evaluation = main(["evaluate", "--run", str(run_dir)])
    assert evaluation["test"]["bleu"] == pytest.approx(metrics["test"]["bleu"])
    capsys.readouterr()  # the training progress bars
    translated = main(["translate", "--run", str(run_dir), "seventy-one", "four hundred",
                       "--show-attention", str(tmp_path / "a.png")])
    assert capsys.readouterr().out.splitlines() == [t["translation"] for t in translated["translations"]]
    assert (tmp_path / "a.png").stat().st_size > 1000
    result = main(["export", "--run", str(run_dir), "--out", str(tmp_path / "sm")])
    assert result["max_abs_difference"] == 0.0
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    sentences = ["nine hundred and ninety-nine thousand, nine hundred and ninety-nine", "eighty", "Zzz unknown!"]
    out = [t.decode() for t in serve(source=tf.constant(sentences))["translation"].numpy()]
    assert out == APP.translator(translator.load(run_dir)).translate(sentences)
    assert model_file_predict_in_subprocess(run_dir, sentences)["translation"] == out
