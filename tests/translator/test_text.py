"""The translator's text on shared.text: joiners, special tokens, the ids it trains on."""

import numpy as np

from apps.translator.config import TranslatorConfig
from apps.translator.data import load_data, make_pipeline
from shared.text import END_ID, SPECIALS, START_ID, UNK_ID, Vocabulary, WordTokenizer

WORDS = WordTokenizer()


def test_punctuation_splits_off_with_joiners_and_joins_back():
    sentences = ["Quatre-vingt-dix-sept mille", "Go.", "Va !", "L'homme est très GRAND?!",
                 "nine hundred and ninety-nine thousand, nine", "  spaced   out  "]
    tokens = WORDS.tokenize(sentences)
    assert tokens[0] == ["quatre", "\uffed-\uffed", "vingt", "\uffed-\uffed", "dix", "\uffed-\uffed", "sept", "mille"]
    assert tokens[1] == ["go", "\uffed."]
    assert tokens[2] == ["va", "!"]  # French spacing before "!" is kept
    assert tokens[3][-2:] == ["\uffed?", "\uffed!"] and "très" in tokens[3]
    assert WORDS.detokenize(tokens) == ["quatre-vingt-dix-sept mille", "go.", "va !", "l'homme est très grand?!",
                                        "nine hundred and ninety-nine thousand, nine", "spaced out"]


def test_vocabulary_has_the_special_tokens_first_and_applies_min_count():
    vocab = Vocabulary.build([["a", "b", "a"], ["a", "c", "b"]], min_count=2)
    assert vocab.tokens[:4] == ["[PAD]", "[UNK]", "[START]", "[END]"] == list(SPECIALS)
    assert vocab.tokens[4:] == ["a", "b"]  # "c" seen once -> [UNK]
    ids = vocab.encode([["a", "c", "b"]], 6, add_start=True, add_end=True)
    assert ids.tolist() == [[START_ID, 4, UNK_ID, 5, END_ID, 0]]
    assert WORDS.detokenize(vocab.decode(ids)) == ["a [UNK] b"]


def test_the_pipeline_ids_are_the_vocabularys_ids():
    """The TextToIds layers of tf.data give the ids of the Python vocabulary, at the padded lengths."""
    data = load_data(TranslatorConfig(num_examples=300))
    sources, targets = data.tokens["train"]
    source, target_in, target_out = data.arrays("train")
    np.testing.assert_array_equal(source, data.source_vocab.encode(sources, data.lengths["source"]))
    np.testing.assert_array_equal(target_in, data.target_vocab.encode(targets, data.lengths["target"],
                                                                      add_start=True))
    np.testing.assert_array_equal(target_out, data.target_vocab.encode(targets, data.lengths["target"],
                                                                       add_end=True))
    (batch_source, batch_in), batch_out = next(iter(make_pipeline(data, "train", 300)))
    np.testing.assert_array_equal(batch_source.numpy(), source)
    np.testing.assert_array_equal(batch_in.numpy(), target_in)
    np.testing.assert_array_equal(batch_out.numpy(), target_out)
