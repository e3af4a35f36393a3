"""Pictures of the memory app: the paper's figure of one sequence.

Input, target and output over time; the write and read weightings over the
memory slots at every step; the memory contents after the last step (the
NTM cell is stepped eagerly to read them).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from shared.callbacks import figure_to_image  # noqa: E402


def final_memory(network, inputs):
    """The NTM memory (N, M) after the sequence `inputs` (1, T, W), stepping the cell eagerly."""
    cell = network.get_layer("ntm").cell
    states = cell.get_initial_state(1)
    for step in range(inputs.shape[1]):
        _, states = cell(inputs[:, step], states)
    memory = np.asarray(states[len(cell.controller_state_sizes)])
    return memory.reshape(cell.memory_size, cell.memory_width)


def panel(axis, values, title, cmap="Greys"):
    axis.imshow(values, cmap=cmap, aspect="auto", interpolation="nearest")
    axis.set_title(title, fontsize=8)
    axis.tick_params(labelsize=6)


def sequence_figure(sequence, outputs, memory=None):
    """One RGB image: inputs/targets/outputs (channels x time), weightings (slots x time), memory."""
    steps = int(max(1, sequence.weights[0].nonzero()[0].max(initial=0) + 1))
    rows = [("input", sequence.inputs[0, :steps].T, "Greys"), ("target", sequence.targets[0, :steps].T, "Greys"),
            ("output", np.asarray(outputs["probabilities"])[0, :steps].T, "Greys")]
    for name in ("write_weights", "read_weights"):
        if name in outputs:
            weights = np.asarray(outputs[name])[0, :steps]  # (T, heads, N)
            rows.append((f"{name.replace('_', ' ')} (slot x time)", weights.sum(axis=1).T, "viridis"))
    columns = 2 if memory is not None else 1
    figure, axes = plt.subplots(len(rows), columns, figsize=(4 * columns + 2, 1.3 * len(rows) + 1), squeeze=False)
    for index, (title, values, cmap) in enumerate(rows):
        panel(axes[index, 0], values, title, cmap)
    if memory is not None:
        panel(axes[0, 1], memory, "memory after the sequence (slot x width)", "RdBu")
        for index in range(1, len(rows)):
            axes[index, 1].axis("off")
    axes[-1, 0].set_xlabel("time step", fontsize=7)
    figure.tight_layout()
    return figure_to_image(figure)


def save_png(image, path):
    """Write an RGB array as a PNG file."""
    plt.imsave(path, image)
