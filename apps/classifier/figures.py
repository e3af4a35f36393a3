"""Pictures of the classifier: confusion matrix, prediction grid, CAM overlays."""

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
    size = max(4, 0.45 * len(class_names) + 2)
    figure, axis = plt.subplots(figsize=(size, size))
    axis.imshow(matrix, cmap="Blues")
    ticks = range(len(class_names))
    axis.set_xticks(ticks, class_names, rotation=90)
    axis.set_yticks(ticks, class_names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    if len(class_names) <= 20:
        for (row, col), count in np.ndenumerate(matrix):
            color = "white" if count > matrix.max() / 2 else "black"
            axis.text(col, row, str(count), ha="center", va="center", color=color, fontsize=8)
    return figure_to_image(figure)


def _show(axis, image):
    image = np.clip(image, 0, 255).astype("uint8")
    axis.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray")
    axis.axis("off")


def mosaic(images, columns, tile=64, gap=16):
    """Tile images (N, H, W, C) into one RGB array, `gap` white pixels above each."""
    images = np.clip(np.asarray(images), 0, 255).astype("uint8")
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    scale = max(1, tile // images.shape[1])
    images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    rows = int(np.ceil(len(images) / columns))
    height, width = images.shape[1] + gap, images.shape[2] + 4
    canvas = np.full((rows * height, columns * width, 3), 255, "uint8")
    for index, image in enumerate(images):
        row, col = divmod(index, columns)
        top, left = row * height + gap, col * width + 2
        canvas[top:top + image.shape[0], left:left + image.shape[1]] = image
    return canvas, height, width


def prediction_grid_image(images, y_true, probabilities, class_names, columns=6):
    """Images labelled 'predicted (p) / true', wrong ones in red (one axes: fast)."""
    canvas, height, width = mosaic(images, columns)
    rows = canvas.shape[0] // height
    figure, axis = plt.subplots(figsize=(columns * 1.5, rows * 1.7))
    axis.imshow(canvas)
    axis.axis("off")
    for index, (truth, probs) in enumerate(zip(y_true, probabilities)):
        row, col = divmod(index, columns)
        guess = int(np.argmax(probs))
        axis.text(col * width + width / 2, row * height + 13,
                  f"{class_names[guess]} ({probs[guess]:.2f}) / {class_names[truth]}",
                  ha="center", va="bottom", fontsize=7, color="black" if guess == truth else "red")
    axis.set_title("predicted (probability) / true", fontsize=8)
    return figure_to_image(figure)


def cam_overlay_image(image, cam, title):
    """The image with its class activation map (jet colours) laid over it."""
    figure, axis = plt.subplots(figsize=(3, 3))
    _show(axis, image)
    axis.imshow(cam, cmap="jet", alpha=0.45, extent=(-0.5, image.shape[1] - 0.5, image.shape[0] - 0.5, -0.5))
    axis.set_title(title, fontsize=8)
    return figure_to_image(figure)


def save_png(array, path):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path
