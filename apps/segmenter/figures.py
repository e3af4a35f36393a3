"""Colour masks, overlays and the per-epoch TensorBoard picture."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import numpy as np  # noqa: E402

from shared.distribute import predict  # noqa: E402

VOID_COLOUR = (0, 0, 0)


def palette(num_classes):
    """A fixed, distinct colour per class (uint8, num_classes x 3)."""
    cmap = matplotlib.colormaps["tab20" if num_classes > 10 else "tab10"]
    colours = [cmap(i % cmap.N)[:3] for i in range(num_classes)]
    return (np.asarray(colours) * 255).round().astype("uint8")


def colour_mask(mask, colours):
    """Class ids (H, W) -> RGB (H, W, 3); ids outside the palette are black."""
    mask = np.asarray(mask)
    known = (mask >= 0) & (mask < len(colours))
    image = np.zeros((*mask.shape, 3), "uint8")
    image[known] = colours[mask[known]]
    image[~known] = VOID_COLOUR
    return image


def overlay(image, mask, colours, alpha=0.5):
    """The image with its mask's colours blended in (uint8)."""
    blended = (1 - alpha) * np.asarray(image, "float32") + alpha * colour_mask(mask, colours)
    return np.clip(blended, 0, 255).round().astype("uint8")


def panel_row(image, true_mask, predicted, colours):
    """input | true mask | predicted mask | overlay of the prediction."""
    image = np.clip(np.asarray(image), 0, 255).astype("uint8")
    gap = np.full((image.shape[0], 2, 3), 255, "uint8")
    parts = [image, colour_mask(true_mask, colours), colour_mask(predicted, colours),
             overlay(image, predicted, colours)]
    return np.concatenate([p for part in parts for p in (part, gap)][:-1], axis=1)


def epoch_images(x_val, y_val, class_names, count=4):
    """make_images(model, epoch) for ImageLogger: one panel of `count` rows."""
    x_fixed, y_fixed = x_val[:count], y_val[:count]
    colours = palette(len(class_names))

    def make_images(model, epoch):
        predicted = predict(model, x_fixed).argmax(axis=-1)
        rows = [panel_row(x, y, p, colours) for x, y, p in zip(x_fixed, y_fixed, predicted, strict=True)]
        gap = np.full((2, rows[0].shape[1], 3), 255, "uint8")
        return {"segmentation": np.concatenate([r for row in rows for r in (row, gap)][:-1], axis=0)}

    return make_images
