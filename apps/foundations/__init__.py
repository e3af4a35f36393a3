"""Foundations: the perceptron, feed-forward networks and how they train."""

DESCRIPTION = "foundations: perceptron rule, MLP on XOR/spirals, vanishing gradients, MLE losses, overfitting"
METRIC = "accuracy"
DEMO_ARGS = ["--epochs", "10", "--xor-epochs", "5"]
