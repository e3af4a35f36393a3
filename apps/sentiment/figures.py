"""Pictures of the sentiment app: confusion matrix and per-word attention."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

from shared.callbacks import figure_to_image  # noqa: E402


def confusion_matrix_image(y_true, y_pred, class_names):
    """The confusion matrix (rows: true, columns: predicted) as an RGB array."""
    matrix = confusion_matrix(y_true, y_pred, labels=range(len(class_names)))
    figure, axis = plt.subplots(figsize=(4, 4))
    axis.imshow(matrix, cmap="Blues")
    ticks = range(len(class_names))
    axis.set_xticks(ticks, class_names, rotation=45)
    axis.set_yticks(ticks, class_names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    for (row, col), count in np.ndenumerate(matrix):
        color = "white" if count > matrix.max() / 2 else "black"
        axis.text(col, row, str(count), ha="center", va="center", color=color, fontsize=9)
    return figure_to_image(figure)


def attention_image(tokens, weights, captions):
    """One row per text: its tokens (lists of strings) shaded by their attention weight."""
    rows = [list(row)[:weights.shape[1]] for row in tokens]
    width = max(len(words) for words in rows) or 1
    figure, axis = plt.subplots(figsize=(min(24, 0.9 * width + 1), 0.6 * len(rows) + 0.6))
    grid = np.zeros((len(rows), width))
    for row, words in enumerate(rows):
        grid[row, : len(words)] = weights[row, : len(words)]
    axis.imshow(grid, cmap="Oranges", aspect="auto", vmin=0.0, vmax=max(grid.max(), 1e-6))
    for row, words in enumerate(rows):
        for col, word in enumerate(words):
            axis.text(col, row, word, ha="center", va="center", fontsize=7)
    axis.set_yticks(range(len(rows)), captions, fontsize=7)
    axis.set_xticks([])
    return figure_to_image(figure)
