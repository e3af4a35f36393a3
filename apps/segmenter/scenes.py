"""The default data: generated scenes of shapes, with exact masks.

Each scene is a textured, noisy background (random stripes and blotches)
with two to five shapes of four classes: disks, squares, triangles and
rings. Shapes overlap (later ones occlude earlier ones), some are small,
and rings are thin (two to three pixels), so that boundaries matter: a
network that only sees low-resolution heatmaps blurs them away. Disks and
rings share a colour family, and so do squares and triangles, so a pixel's
colour alone does not say its class: the network must see the shape.
Everything is deterministic from the seed.
"""

from __future__ import annotations

import numpy as np

CLASS_NAMES = ["background", "disk", "square", "triangle", "ring"]
# Base colours of the two families: (disk, ring) warm, (square, triangle) cool.
FAMILY_COLOURS = {1: (210, 80, 60), 4: (210, 80, 60), 2: (60, 110, 210), 3: (60, 110, 210)}


def background(rng, size):
    """Stripes at a random angle plus smooth blotches and a random tint."""
    yy, xx = np.mgrid[:size, :size].astype("float32")
    angle = rng.uniform(0, np.pi)
    period = rng.uniform(4, 12)
    stripes = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period)
    coarse = rng.normal(size=(size // 8 + 1, size // 8 + 1))
    blotches = np.kron(coarse, np.ones((8, 8)))[:size, :size]
    level = 100 + 25 * stripes * rng.uniform(0.3, 1.0) + 15 * blotches
    tint = rng.uniform(-25, 25, size=3)
    return level[..., None] + tint


def shape_mask(kind, rng, size):
    """Boolean mask of one shape of class `kind` at a random place."""
    yy, xx = np.mgrid[:size, :size].astype("float32")
    radius = rng.uniform(size * 0.07, size * 0.2)
    cy, cx = rng.uniform(radius, size - radius, size=2)
    if kind == 1:
        return (yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2
    if kind == 2:
        return (np.abs(yy - cy) <= radius * 0.85) & (np.abs(xx - cx) <= radius * 0.85)
    if kind == 3:
        top, half = cy - radius, radius * 1.1
        inside = (yy >= top) & (yy <= cy + radius * 0.8)
        width = half * (yy - top) / (1.8 * radius)
        return inside & (np.abs(xx - cx) <= width)
    thickness = rng.uniform(1.6, 2.8)
    distance = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2)
    return np.abs(distance - max(radius, 4.0)) <= thickness / 2


def make_scene(rng, size):
    """One (image float32 HxWx3 in [0, 255], mask int32 HxW) pair."""
    image = background(rng, size)
    mask = np.zeros((size, size), "int32")
    for _ in range(rng.integers(2, 6)):
        kind = int(rng.integers(1, len(CLASS_NAMES)))
        region = shape_mask(kind, rng, size)
        colour = np.asarray(FAMILY_COLOURS[kind], "float32") + rng.uniform(-35, 35, size=3)
        image[region] = colour + rng.normal(0, 12, size=(int(region.sum()), 3))
        mask[region] = kind
    image += rng.normal(0, 10, size=image.shape)
    return np.clip(image, 0, 255).astype("float32"), mask


def generate_scenes(count, size=64, seed=0):
    """`count` scenes as (images (N, size, size, 3), masks (N, size, size))."""
    rng = np.random.default_rng(seed)
    images = np.empty((count, size, size, 3), "float32")
    masks = np.empty((count, size, size), "int32")
    for index in range(count):
        images[index], masks[index] = make_scene(rng, size)
    return images, masks
