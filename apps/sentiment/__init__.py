"""Sentiment: bag of words, recurrent networks with attention, fine-tuned BERT encoders.

Python API (the CLI's options as keyword arguments)::

    import apps.sentiment as sentiment
    run = sentiment.train(model="bilstm", attention=True, epochs=3)   # RunResult(path, metrics)
    model = sentiment.load(run.path)
    model.predict(["not bad at all"])   # [{"text": ..., "label": ..., "probability": ...}]
    model.predict(["not bad at all"], explain=True)   # and "attention": "word:weight ..."
    sentiment.export(run.path, "out/")
"""

from shared.app import python_api

DESCRIPTION = "sentiment of text: bag of words vs LSTM/GRU/BiLSTM (+attention), fine-tuned BERT encoders"
METRIC = "accuracy"
DEMO_ARGS = ["--epochs", "3"]

# train, load, export, main: from apps.sentiment.app, imported on first use so
# that `python -m apps list` and `apps.sentiment.config` stay light.
__getattr__ = python_api(__name__, "apps.sentiment.app")
