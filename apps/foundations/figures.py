"""The foundations app's pictures (matplotlib figures; the caller saves them)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def _scatter(axis, x, y):
    for label, color in ((0, COLORS[0]), (1, COLORS[1])):
        points = x[y == label]
        axis.scatter(points[:, 0], points[:, 1], s=14, c=color, edgecolors="k", linewidths=0.3)


def perceptron_figure(panels):
    """One panel per (title, x, labels 0/1, weights, bias, misclassified indices)."""
    figure, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.2), squeeze=False)
    for axis, (title, x, y, weights, bias, wrong) in zip(axes[0], panels, strict=True):
        _scatter(axis, x, y)
        low, high = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
        xs = np.linspace(low[0], high[0], 50)
        if abs(weights[1]) > 1e-12:
            axis.plot(xs, -(weights[0] * xs + bias) / weights[1], "k-", lw=1.5)
        elif abs(weights[0]) > 1e-12:
            axis.axvline(-bias / weights[0], color="k", lw=1.5)
        if len(wrong):
            axis.scatter(x[wrong, 0], x[wrong, 1], s=120, facecolors="none", edgecolors="red", lw=1.5)
        axis.set_xlim(low[0], high[0])
        axis.set_ylim(low[1], high[1])
        axis.set_title(title, fontsize=9)
    return figure


def decision_boundary_figure(predict, x, y, title, resolution=80):
    """P(class 1) of `predict` over the plane, with the points on top."""
    low, high = x.min(axis=0) - 0.3, x.max(axis=0) + 0.3
    grid_x, grid_y = np.meshgrid(np.linspace(low[0], high[0], resolution),
                                 np.linspace(low[1], high[1], resolution))
    grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1).astype("float32")
    probability = np.asarray(predict(grid)).reshape(grid_x.shape)
    figure, axis = plt.subplots(figsize=(4, 4))
    axis.contourf(grid_x, grid_y, probability, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    axis.contour(grid_x, grid_y, probability, levels=[0.5], colors="k", linewidths=1.2)
    _scatter(axis, x, y)
    axis.set_title(title, fontsize=9)
    return figure


def gradient_norms_figure(norms):
    """Mean gradient norm per layer (log scale), one line per activation."""
    figure, axis = plt.subplots(figsize=(6, 3.5))
    for (name, values), color in zip(norms.items(), COLORS, strict=False):
        axis.semilogy(np.arange(1, len(values) + 1), values, "o-", color=color, label=name, ms=3)
    axis.set_xlabel("layer (1 = next to the input)")
    axis.set_ylabel("||dL/dW|| (mean of the first batches)")
    axis.set_title("vanishing gradients")
    axis.legend()
    return figure


def variance_figure(variances):
    """Activation variance per layer for each {(init, activation): values}."""
    figure, axis = plt.subplots(figsize=(6, 3.5))
    for index, ((init, activation), values) in enumerate(variances.items()):
        style = "-" if activation == "tanh" else "--"
        axis.semilogy(np.arange(1, len(values) + 1), np.maximum(values, 1e-30), style,
                      color=COLORS[index % len(COLORS)], label=f"{init} / {activation}")
    axis.set_xlabel("layer")
    axis.set_ylabel("Var(activation)")
    axis.set_title("initialisation and the variance of activations (I * Var(w) = 1)")
    axis.legend(fontsize=7)
    return figure


def parameters_figure(rows):
    """Bars of true vs fitted parameters: rows of (name, true, fitted)."""
    names = [row[0] for row in rows]
    positions = np.arange(len(rows))
    figure, axis = plt.subplots(figsize=(max(4, 0.8 * len(rows)), 3.2))
    axis.bar(positions - 0.2, [row[1] for row in rows], 0.4, label="true")
    axis.bar(positions + 0.2, [row[2] for row in rows], 0.4, label="fitted (MLE)")
    axis.set_xticks(positions, names, rotation=30, fontsize=8)
    axis.axhline(0, color="k", lw=0.5)
    axis.legend(fontsize=8)
    axis.set_title("maximum likelihood recovers the generating parameters", fontsize=9)
    return figure


def fits_figure(x_train, y_train, x_line, truth, predictions, errors):
    """The noisy points, the true curve and each network's fit with its test MSE."""
    figure, axis = plt.subplots(figsize=(6.5, 4))
    axis.scatter(x_train[:, 0], y_train, c="k", s=14, label="training points", zorder=3)
    axis.plot(x_line[:, 0], truth, "k--", lw=1, label="truth")
    for (name, values), color in zip(predictions.items(), COLORS, strict=False):
        axis.plot(x_line[:, 0], values, color=color, lw=1.3, label=f"{name} (test MSE {errors[name]:.3f})")
    axis.set_ylim(min(y_train.min(), truth.min()) - 0.8, max(y_train.max(), truth.max()) + 0.8)
    axis.legend(fontsize=7)
    axis.set_title("overfitting and its remedies", fontsize=9)
    return figure


def curve_figure(values_by_name, xlabel, ylabel, title, logx=False):
    """Lines of {name: (x values, y values)}."""
    figure, axis = plt.subplots(figsize=(5.5, 3.5))
    for (name, (xs, ys)), color in zip(values_by_name.items(), COLORS, strict=False):
        axis.plot(xs, ys, "o-", color=color, label=name, ms=3)
    if logx:
        axis.set_xscale("log")
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(title, fontsize=9)
    axis.legend(fontsize=8)
    return figure


def templates_figure(templates, class_names, title):
    """One panel per class: its weight row as an image (blue negative, red positive)."""
    count = len(templates)
    columns = min(count, 5)
    rows = -(-count // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.8 * rows), squeeze=False)
    for index, axis in enumerate(axes.ravel()):
        axis.axis("off")
        if index >= count:
            continue
        template = templates[index].mean(axis=-1) if templates[index].shape[-1] > 1 else templates[index][..., 0]
        limit = float(np.abs(template).max()) or 1.0
        axis.imshow(template, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        axis.set_title(str(class_names[index]), fontsize=8)
    figure.suptitle(title, fontsize=9)
    return figure


def hyperplanes_figure(x, y, kernel, bias, title, resolution=120):
    """A linear classifier on 2-D points: its decision regions and each class's line w_c . x + b_c = 0."""
    low, high = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    grid_x, grid_y = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    regions = (grid @ kernel + bias).argmax(axis=1).reshape(grid_x.shape)
    figure, axis = plt.subplots(figsize=(4.5, 4.5))
    classes = kernel.shape[1]
    axis.contourf(grid_x, grid_y, regions, levels=np.arange(classes + 1) - 0.5, colors=COLORS[:classes], alpha=0.2)
    xs = np.linspace(low[0], high[0], 50)
    for label in range(classes):
        color = COLORS[label % len(COLORS)]
        points = x[y == label]
        axis.scatter(points[:, 0], points[:, 1], s=12, c=color, edgecolors="k", linewidths=0.3)
        w, b = kernel[:, label], bias[label]
        if abs(w[1]) > 1e-9:
            axis.plot(xs, -(w[0] * xs + b) / w[1], "-", color=color, lw=1.5, label=f"score {label} = 0")
        center = points.mean(axis=0)
        axis.arrow(*center, *(w / (np.linalg.norm(w) or 1.0)), color=color, width=0.03, length_includes_head=True)
    axis.set_xlim(low[0], high[0])
    axis.set_ylim(low[1], high[1])
    axis.legend(fontsize=7, loc="lower right")
    axis.set_title(title, fontsize=9)
    return figure
