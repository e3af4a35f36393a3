"""Word tokenizer: joiners, round trips, special tokens, min-count, in-graph lookup."""

import numpy as np
import tensorflow as tf

from apps.translator import text


def test_punctuation_splits_off_with_joiners_and_joins_back():
    sentences = ["Quatre-vingt-dix-sept mille", "Go.", "Va !", "L'homme est très GRAND?!",
                 "nine hundred and ninety-nine thousand, nine", "  spaced   out  "]
    tokens = text.tokenize_texts(sentences)
    assert tokens[0] == ["quatre", "\uffed-\uffed", "vingt", "\uffed-\uffed", "dix", "\uffed-\uffed", "sept", "mille"]
    assert tokens[1] == ["go", "\uffed."]
    assert tokens[2] == ["va", "!"]  # French spacing before "!" is kept
    assert tokens[3][-2:] == ["\uffed?", "\uffed!"] and "très" in tokens[3]
    assert text.detokenize(tokens) == ["quatre-vingt-dix-sept mille", "go.", "va !", "l'homme est très grand?!",
                                       "nine hundred and ninety-nine thousand, nine", "spaced out"]


def test_vocabulary_has_the_special_tokens_first_and_applies_min_count():
    vocab = text.Vocabulary.build([["a", "b", "a"], ["a", "c", "b"]], min_count=2)
    assert vocab.tokens[:4] == ["<pad>", "<unk>", "<sos>", "<eos>"]
    assert vocab.tokens[4:] == ["a", "b"]  # "c" seen once -> <unk>
    ids = vocab.encode([["a", "c", "b"]], 6, add_sos=True, add_eos=True)
    assert ids.tolist() == [[text.SOS_ID, 4, text.UNK_ID, 5, text.EOS_ID, text.PAD_ID]]
    assert vocab.decode(ids) == [["a", "<unk>", "b"]]
    assert text.Vocabulary.from_json(vocab.to_json()).tokens == vocab.tokens


def test_round_trip_through_the_vocabulary_and_detokenizer():
    sentences = ["soixante et onze", "quatre-vingts", "cent un."]
    tokens = text.tokenize_texts(sentences)
    vocab = text.Vocabulary.build(tokens)
    ids = vocab.encode(tokens, 8, add_eos=True)
    assert text.detokenize(vocab.decode(ids)) == sentences


def test_graph_lookup_layers_agree_with_the_python_vocabulary():
    vocab = text.Vocabulary.build([["x", "y", "y"]])
    to_id, to_token = vocab.lookup_layers()
    ids = to_id(tf.constant([["<sos>", "y", "x", "never", "<eos>"]])).numpy()
    assert ids.tolist() == vocab.encode([["<sos>", "y", "x", "never", "<eos>"]], 5).tolist()
    assert [t.decode() for t in to_token(tf.constant(np.arange(len(vocab)))).numpy()] == vocab.tokens
