"""Sentiment: bag of words, recurrent networks with attention, fine-tuned BERT encoders."""

DESCRIPTION = "sentiment of text: bag of words vs LSTM/GRU/BiLSTM (+attention), fine-tuned BERT encoders"
METRIC = "accuracy"
DEMO_ARGS = ["--epochs", "3"]
