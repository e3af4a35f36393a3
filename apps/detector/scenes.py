"""The default data: generated scenes of shapes with exact boxes.

Each scene is a noisy, shaded background with 1 to 6 objects of three
classes: ellipses, rectangles and triangles, each of a random colour, size
(from 6 px, small, to half the scene) and aspect ratio (1:2 to 2:1).
Objects may overlap partly (a later one hides part of an earlier one, but
never most of it). A box is the exact extent of the object's pixels.
Colour says nothing about the class: the network must see the shape.
Everything is deterministic from the seed.
"""

from __future__ import annotations

import numpy as np

CLASS_NAMES = ["ellipse", "rectangle", "triangle"]
MAX_OBJECTS = 6
MIN_SIDE = 6


def background(rng, size):
    """A tinted gradient plus noise."""
    yy, xx = np.mgrid[:size, :size].astype("float32") / size
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (xx * np.cos(angle) + yy * np.sin(angle)) * rng.uniform(20, 60)
    base = rng.uniform(60, 190, size=3)
    return base + ramp[..., None] + rng.normal(0, 8, size=(size, size, 3))


def shape_mask(kind, centre, half_height, half_width, size):
    """Boolean mask of one object of class `kind` (index into CLASS_NAMES)."""
    yy, xx = np.mgrid[:size, :size].astype("float32") + 0.5
    dy, dx = (yy - centre[0]) / half_height, (xx - centre[1]) / half_width
    if kind == 0:
        return dy**2 + dx**2 <= 1.0
    if kind == 1:
        return (np.abs(dy) <= 1.0) & (np.abs(dx) <= 1.0)
    return (dy >= -1.0) & (dy <= 1.0) & (np.abs(dx) <= (dy + 1.0) / 2.0)


def mask_box(mask):
    """Exact xyxy extent of a mask's pixels (None when empty)."""
    rows, cols = np.nonzero(mask)
    if not len(rows):
        return None
    return np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1], "float32")


def overlap_ok(box, boxes, limit=0.35):
    """A new box may hide at most `limit` of an earlier box's area."""
    for other in boxes:
        width = min(box[2], other[2]) - max(box[0], other[0])
        height = min(box[3], other[3]) - max(box[1], other[1])
        inter = max(width, 0) * max(height, 0)
        if inter > limit * (other[2] - other[0]) * (other[3] - other[1]):
            return False
    return True


def contrasting_colour(rng, under):
    """A colour at least 70 levels away from the mean of what it covers."""
    for _ in range(20):
        colour = rng.uniform(0, 255, size=3)
        if np.abs(colour - under).max() >= 70:
            return colour
    return 255.0 - under


def make_scene(rng, size):
    """One (image float32 HxWx3 in [0, 255], boxes (n, 4) xyxy, classes (n,))."""
    image = background(rng, size)
    boxes, classes = [], []
    for _ in range(int(rng.integers(1, MAX_OBJECTS + 1))):
        for _attempt in range(20):
            side = np.exp(rng.uniform(np.log(MIN_SIDE), np.log(size * 0.5)))
            ratio = np.exp(rng.uniform(np.log(0.5), np.log(2.0)))
            half_height, half_width = side * np.sqrt(ratio) / 2, side / np.sqrt(ratio) / 2
            half_height, half_width = max(half_height, MIN_SIDE / 2), max(half_width, MIN_SIDE / 2)
            centre = rng.uniform([half_height, half_width], [size - half_height, size - half_width])
            kind = int(rng.integers(len(CLASS_NAMES)))
            mask = shape_mask(kind, centre, half_height, half_width, size)
            box = mask_box(mask)
            if box is not None and overlap_ok(box, boxes):
                break
        else:
            continue
        image[mask] = contrasting_colour(rng, image[mask].mean(axis=0)) + rng.normal(0, 6, size=(int(mask.sum()), 3))
        boxes.append(box)
        classes.append(kind)
    return (np.clip(image, 0, 255).astype("float32"), np.stack(boxes).astype("float32"),
            np.asarray(classes, "int32"))


def generate_scenes(count, size=64, seed=0):
    """`count` scenes: images (N, size, size, 3), lists of boxes and classes."""
    rng = np.random.default_rng(seed)
    images = np.empty((count, size, size, 3), "float32")
    boxes, classes = [], []
    for index in range(count):
        images[index], scene_boxes, scene_classes = make_scene(rng, size)
        boxes.append(scene_boxes)
        classes.append(scene_classes)
    return images, boxes, classes
