"""Translator: sequence-to-sequence RNNs, attention (Bahdanau, Luong) and the Transformer.

Python API (the CLI's `train` options as keyword arguments)::

    import apps.translator as translator
    run = translator.train(data="fra.txt", model="transformer", epochs=3)  # RunResult(path, metrics)
    model = translator.load(run.path)
    model.predict(["three hundred and forty-two"])  # [{"source": ..., "translation": ...}]
    translator.export(run.path, "out/")
"""

from shared.app import python_api

DESCRIPTION = "machine translation: seq2seq, Bahdanau/Luong attention, Transformer; beam search"
METRIC = "bleu"
DEMO_ARGS = ["--epochs", "2", "--num-examples", "6000", "--bleu-samples", "100"]

# train, load, export, main: from apps.translator.app, imported on first use so
# that `python -m apps list` and `apps.translator.config` stay light.
__getattr__ = python_api(__name__, "apps.translator.app")
