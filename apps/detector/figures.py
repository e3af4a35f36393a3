"""Pictures of detections: boxes, labels and scores drawn on images."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

COLOURS = [(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
           (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212)]
TRUTH = (255, 255, 255)


def draw_detections(image, found, class_names, truth=None, scale=1, min_score=0.3):
    """uint8 image with predicted boxes (coloured by class, label and score)
    and, if given, true boxes (thin white). `found`: boxes/scores/classes."""
    picture = Image.fromarray(np.clip(np.round(image), 0, 255).astype("uint8"))
    if scale != 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    draw = ImageDraw.Draw(picture)
    if truth is not None:
        for box in np.asarray(truth[0]).reshape(-1, 4):
            draw.rectangle([float(v) * scale for v in box], outline=TRUTH, width=1)
    for box, score, label in zip(found["boxes"], found["scores"], found["classes"]):
        if score < min_score:
            continue
        colour = COLOURS[int(label) % len(COLOURS)]
        corners = [float(v) * scale for v in box]
        draw.rectangle(corners, outline=colour, width=2)
        draw.text((corners[0] + 2, corners[1] + 1), f"{class_names[int(label)]} {score:.2f}", fill=colour)
    return np.asarray(picture)


def detection_grid(images, detections, class_names, truths=None, columns=4, scale=3):
    """One uint8 picture of several images with their boxes."""
    tiles = []
    for index, image in enumerate(images):
        truth = None if truths is None else truths[index]
        tiles.append(draw_detections(image, detections[index], class_names, truth, scale))
    while len(tiles) % columns:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.concatenate(tiles[i: i + columns], axis=1) for i in range(0, len(tiles), columns)]
    return np.concatenate(rows, axis=0)
