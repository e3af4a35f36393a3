"""Translator: sequence-to-sequence RNNs, attention (Bahdanau, Luong) and the Transformer."""

DESCRIPTION = "machine translation: seq2seq, Bahdanau/Luong attention, Transformer; beam search"
METRIC = "bleu"
DEMO_ARGS = ["--epochs", "2", "--num-examples", "6000", "--bleu-samples", "100"]
