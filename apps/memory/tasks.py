"""The generated tasks of Graves et al. 2014: copy, repeat copy, associative recall.

Every sequence is laid out the same way (the layout user data files follow):
`inputs` (T, bits + 2), `targets` (T, bits) and `weights` (T,), 1 where a
target is scored. The two extra input channels are control channels:

- copy (length L): L random bit vectors, one step with channel `bits` set
  (the delimiter), then L blank steps during which the targets are the L
  vectors again. T = 2L + 1.
- repeat-copy (L vectors, k repeats): the L vectors, a delimiter step that
  also carries k / max_repeats on channel `bits + 1`, then k * L blank steps
  whose targets are the vectors k times over. T = L + 1 + kL.
- associative-recall (n items of `item_length` vectors): each item follows a
  delimiter step (channel `bits`); then a query delimiter (channel
  `bits + 1`), a copy of one item, another query delimiter, and
  `item_length` blank steps whose targets are the item that followed the
  query in the list.

Batches are padded at the end to their longest sequence with weight 0.
Everything comes from a NumPy generator, so a seed fixes every sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Sequences:
    """Padded sequences: inputs (S, T, W), targets (S, T, B), weights (S, T), lengths (S,)."""

    inputs: np.ndarray
    targets: np.ndarray
    weights: np.ndarray
    lengths: np.ndarray

    def __len__(self):
        return len(self.lengths)

    def subset(self, index):
        """The sequences at `index`, trimmed to their longest."""
        index = np.asarray(index)
        steps = int(max(1, self.weights[index].nonzero()[1].max(initial=0) + 1)) if len(index) else 1
        return Sequences(self.inputs[index, :steps], self.targets[index, :steps], self.weights[index, :steps],
                         self.lengths[index])


def pad(examples, lengths, input_width, bits, steps=0):
    """[(inputs, targets, weights)] of various T -> Sequences padded to the longest (or `steps`)."""
    steps = max(steps, *(len(weights) for _, _, weights in examples))
    inputs = np.zeros((len(examples), steps, input_width), "float32")
    targets = np.zeros((len(examples), steps, bits), "float32")
    weights = np.zeros((len(examples), steps), "float32")
    for row, (x, y, w) in enumerate(examples):
        inputs[row, :len(w)], targets[row, :len(w)], weights[row, :len(w)] = x, y, w
    return Sequences(inputs, targets, weights, np.asarray(lengths, "int32"))


def copy_example(rng, length, bits, **_):
    vectors = rng.integers(0, 2, (length, bits)).astype("float32")
    steps = 2 * length + 1
    x, y, w = np.zeros((steps, bits + 2), "float32"), np.zeros((steps, bits), "float32"), np.zeros(steps, "float32")
    x[:length, :bits] = vectors
    x[length, bits] = 1.0
    y[length + 1:] = vectors
    w[length + 1:] = 1.0
    return x, y, w


def repeat_copy_example(rng, length, bits, max_repeats=5, **_):
    vectors = rng.integers(0, 2, (length, bits)).astype("float32")
    repeats = int(rng.integers(1, max_repeats + 1))
    steps = length + 1 + repeats * length
    x, y, w = np.zeros((steps, bits + 2), "float32"), np.zeros((steps, bits), "float32"), np.zeros(steps, "float32")
    x[:length, :bits] = vectors
    x[length, bits] = 1.0
    x[length, bits + 1] = repeats / max_repeats
    y[length + 1:] = np.tile(vectors, (repeats, 1))
    w[length + 1:] = 1.0
    return x, y, w


def recall_example(rng, length, bits, item_length=3, **_):
    items = rng.integers(0, 2, (length, item_length, bits)).astype("float32")
    query = int(rng.integers(0, length - 1))
    listed = length * (item_length + 1)
    steps = listed + 2 + 2 * item_length
    x, y, w = np.zeros((steps, bits + 2), "float32"), np.zeros((steps, bits), "float32"), np.zeros(steps, "float32")
    for index in range(length):
        start = index * (item_length + 1)
        x[start, bits] = 1.0
        x[start + 1:start + 1 + item_length, :bits] = items[index]
    x[listed, bits + 1] = 1.0
    x[listed + 1:listed + 1 + item_length, :bits] = items[query]
    x[listed + 1 + item_length, bits + 1] = 1.0
    y[listed + 2 + item_length:] = items[query + 1]
    w[listed + 2 + item_length:] = 1.0
    return x, y, w


EXAMPLES = {"copy": copy_example, "repeat-copy": repeat_copy_example, "associative-recall": recall_example}


def steps_of(task, length, max_repeats=5, item_length=3, **_):
    """The most time steps a sequence of `task` and `length` can have."""
    if task == "copy":
        return 2 * length + 1
    if task == "repeat-copy":
        return length + 1 + max_repeats * length
    return length * (item_length + 1) + 2 + 2 * item_length


def generate(task, rng, count, lengths, bits=8, pad_to=0, **options):
    """`count` sequences of `task`, each of a length drawn from `lengths` (an int or (low, high)).

    `pad_to`: pad to the longest sequence of this length can have (fixed shapes)."""
    low, high = (lengths, lengths) if np.isscalar(lengths) else lengths
    drawn = rng.integers(low, high + 1, count)
    examples = [EXAMPLES[task](rng, int(length), bits, **options) for length in drawn]
    return pad(examples, drawn, bits + 2, bits, steps_of(task, pad_to, **options) if pad_to else 0)


def task_options(config):
    """The keyword options of `generate` a config gives."""
    return {"bits": config.bits, "max_repeats": config.max_repeats, "item_length": config.item_length}
