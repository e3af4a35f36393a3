"""Word vectors: skip-gram and CBOW with negative sampling, the NNLM baseline.

Python API (the CLI's options as keyword arguments)::

    import apps.word2vec as word2vec
    run = word2vec.train(model="cbow", epochs=3)   # RunResult(path, metrics)
    model = word2vec.load(run.path)
    model.predict(["paris", "Nowhere"])          # [{"word": ..., "known": ..., "vector": [...]}]
    model.evaluate()                             # analogy accuracy, Spearman correlations
    word2vec.export(run.path, "out/")            # SavedModel: word strings -> vectors
"""

from shared.app import python_api

DESCRIPTION = "word vectors: skip-gram, CBOW (negative sampling), NNLM; analogies, projector"
METRIC = "analogy_accuracy"
DEMO_ARGS = ["--epochs", "3"]

# train, load, export, main: from apps.word2vec.app, imported on first use so
# that `python -m apps list` and `apps.word2vec.config` stay light.
__getattr__ = python_api(__name__, "apps.word2vec.app")
