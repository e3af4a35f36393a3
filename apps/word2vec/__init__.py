"""Word vectors: skip-gram and CBOW with negative sampling, the NNLM baseline."""

DESCRIPTION = "word vectors: skip-gram, CBOW (negative sampling), NNLM; analogies, projector"
METRIC = "analogy_accuracy"
DEMO_ARGS = ["--epochs", "3"]
