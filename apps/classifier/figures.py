"""Pictures of the classifier: confusion matrix, prediction grid, CAM overlays."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFont
from sklearn.metrics import confusion_matrix  # noqa: E402

from shared.callbacks import figure_to_image  # noqa: E402


def _font(size=11):
    return ImageFont.load_default(size=size)


def confusion_matrix_image(y_true, y_pred, class_names, cell=34):
    """The confusion matrix (rows: true, columns: predicted) as an RGB array.

    Drawn with PIL, not matplotlib: it is made every epoch, and this is
    about twenty times faster.
    """
    matrix = confusion_matrix(y_true, y_pred, labels=range(len(class_names)))
    count = len(class_names)
    margin = 8 + 7 * min(12, max(len(str(name)) for name in class_names))
    image = Image.new("RGB", (margin + count * cell + 8, margin + count * cell + 22), "white")
    draw = ImageDraw.Draw(image)
    font = _font()
    peak = max(1, int(matrix.max()))
    for (row, col), value in np.ndenumerate(matrix):
        shade = int(255 - 200 * value / peak)
        left, top = margin + col * cell, margin + row * cell
        draw.rectangle([left, top, left + cell - 1, top + cell - 1], fill=(shade, shade + (255 - shade) // 3, 255))
        if count <= 20:
            draw.text((left + cell / 2, top + cell / 2), str(value), anchor="mm", font=font,
                      fill="white" if value > peak / 2 else "black")
    for index, name in enumerate(class_names):
        label = str(name)[:12]
        draw.text((margin - 4, margin + index * cell + cell / 2), label, anchor="rm", font=font, fill="black")
        draw.text((margin + index * cell + cell / 2, margin - 4), label[:4], anchor="mb", font=font, fill="black")
    draw.text((margin, margin + count * cell + 6), "rows: true, columns: predicted", font=font, fill="black")
    return np.asarray(image)


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
    """Images labelled 'predicted (p) / true', wrong ones in red (PIL: fast)."""
    canvas, height, width = mosaic(images, columns, gap=18)
    image = Image.fromarray(canvas)
    draw = ImageDraw.Draw(image)
    font = _font(10)
    for index, (truth, probs) in enumerate(zip(y_true, probabilities)):
        row, col = divmod(index, columns)
        guess = int(np.argmax(probs))
        text = f"{str(class_names[guess])[:8]} ({probs[guess]:.2f}) / {str(class_names[truth])[:8]}"
        draw.text((col * width + width / 2, row * height + 15), text, anchor="mb", font=font,
                  fill=(0, 0, 0) if guess == truth else (200, 0, 0))
    return np.asarray(image)


def cam_overlay_image(image, cam, title):
    """The image with its class activation map (jet colours) laid over it."""
    figure, axis = plt.subplots(figsize=(3, 3))
    _show(axis, image)
    axis.imshow(cam, cmap="jet", alpha=0.45, extent=(-0.5, image.shape[1] - 0.5, image.shape[0] - 0.5, -0.5))
    axis.set_title(title, fontsize=8)
    return figure_to_image(figure)
