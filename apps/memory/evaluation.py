"""The memory metrics: bit errors per sequence and exact-sequence accuracy, per length.

Bit errors (the paper's "cost per sequence") count the target bits a
network gets wrong over a sequence's scored steps, a bit being 1 where its
probability is above 0.5. A sequence is exact when it has no wrong bit.
"""

from __future__ import annotations

import numpy as np

BATCH = 64


def sequence_errors(probabilities, sequences):
    """Wrong bits of each sequence (S,) over its scored steps."""
    wrong = (np.asarray(probabilities) > 0.5) != (sequences.targets > 0.5)
    return (wrong * sequences.weights[..., None]).sum(axis=(1, 2))


def predict_probabilities(model, sequences):
    """Target-bit probabilities (S, T, bits) of a model.keras or of a training network (logits)."""
    outputs = model.predict(sequences.inputs, batch_size=BATCH, verbose=0)
    if isinstance(outputs, dict):
        return outputs["probabilities"]
    return 1.0 / (1.0 + np.exp(-outputs))


def length_scores(model, sequences):
    """(mean bit errors per sequence, exact-sequence accuracy) of one set of sequences."""
    errors = sequence_errors(predict_probabilities(model, sequences), sequences)
    return float(errors.mean()), float(np.mean(errors == 0))


def scores(model, test, training_lengths=None):
    """metrics.json `test`: bit_errors_L<n>, exact_L<n> per length and their summaries.

    `bit_errors` and `exact` average over every length; with `training_lengths`
    (low, high), `bit_errors_train`/`exact_train` average the lengths inside
    them and `bit_errors_longer`/`exact_longer` those beyond."""
    result, inside, beyond = {}, [], []
    for length, sequences in sorted(test.items()):
        errors, exact = length_scores(model, sequences)
        result[f"bit_errors_L{length}"], result[f"exact_L{length}"] = errors, exact
        if training_lengths is None or training_lengths[0] <= length <= training_lengths[1]:
            inside.append((errors, exact))
        else:
            beyond.append((errors, exact))
    every = inside + beyond
    result["bit_errors"] = float(np.mean([e for e, _ in every]))
    result["exact"] = float(np.mean([x for _, x in every]))
    if training_lengths is not None:
        for name, group in (("train", inside), ("longer", beyond)):
            if group:
                result[f"bit_errors_{name}"] = float(np.mean([e for e, _ in group]))
                result[f"exact_{name}"] = float(np.mean([x for _, x in group]))
    return result
