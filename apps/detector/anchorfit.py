"""Anchors fitted to the training boxes: k-means on box shapes (YOLO v2).

`kmeans_shapes` clusters the (width, height) of the boxes with the
distance 1 - IoU of two boxes sharing a centre (Redmon & Farhadi, YOLO9000,
2017): unlike Euclidean k-means, large boxes do not dominate. `fit_anchors`
turns the clusters into the options of the anchor generator (keras-hub's
`AnchorGenerator`: at level l, sides `anchor_size * 2**l * 2**(i/num_scales)`
for each aspect ratio height/width):
- aspect_ratios: the clusters' height/width, in `RATIO_GROUPS` groups of
  similar ratio (geometric mean of each, rounded);
- min_level, max_level: enough levels to span the clusters' sizes (at most
  `MAX_LEVELS`, the coarsest with a grid of at least `MIN_GRID` cells), the
  finest chosen so that anchors of about `ANCHOR_STRIDES` strides sit at
  the middle of the sizes (log scale);
- anchor_size: so that the anchors' middle size is the clusters' middle.
"""

from __future__ import annotations

import math

import numpy as np

CLUSTERS = 9  # YOLO v3: 9 anchor shapes
RATIO_GROUPS = 3
ANCHOR_STRIDES = 4.0  # anchor side in strides of its level (RetinaNet: 4)
MAX_LEVELS = 3
MIN_GRID = 2
ITERATIONS = 100


def shape_iou(shapes, centres):
    """IoU (n, k) of boxes of (w, h) `shapes` and `centres`, all centred at 0."""
    inter = (np.minimum(shapes[:, None, 0], centres[None, :, 0])
             * np.minimum(shapes[:, None, 1], centres[None, :, 1]))
    areas = shapes[:, 0:1] * shapes[:, 1:2]
    return inter / (areas + (centres[:, 0] * centres[:, 1])[None, :] - inter)


def kmeans_shapes(shapes, k=CLUSTERS, iterations=ITERATIONS):
    """k (w, h) cluster centres of `shapes` (n, 2) with the 1 - IoU distance, by area.

    Deterministic: the centres start at quantiles of the box areas; a
    cluster left empty keeps its centre. Fewer distinct shapes than k give
    fewer centres.
    """
    shapes = np.asarray(shapes, "float64").reshape(-1, 2)
    shapes = shapes[(shapes > 0).all(axis=1)]
    if not len(shapes):
        raise ValueError("no boxes to fit anchors to")
    distinct = np.unique(shapes, axis=0)
    k = max(1, min(k, len(distinct)))
    order = np.argsort(distinct.prod(axis=1))
    centres = distinct[order[np.linspace(0, len(distinct) - 1, k).round().astype(int)]].copy()
    for _ in range(iterations):
        nearest = np.argmax(shape_iou(shapes, centres), axis=1)
        moved = np.array([np.median(shapes[nearest == j], axis=0) if np.any(nearest == j) else centres[j]
                          for j in range(k)])
        if np.allclose(moved, centres):
            break
        centres = moved
    return centres[np.argsort(centres.prod(axis=1))]


def mean_best_iou(shapes, centres):
    """Mean over boxes of the IoU with their best centre (the fit's quality)."""
    return float(np.max(shape_iou(np.asarray(shapes, "float64"), np.asarray(centres, "float64")), axis=1).mean())


def ratio_groups(centres, groups=RATIO_GROUPS):
    """Sorted distinct height/width ratios: geometric means of `groups` runs of similar ratio."""
    ratios = np.sort(centres[:, 1] / centres[:, 0])
    chunks = [chunk for chunk in np.array_split(ratios, min(groups, len(ratios))) if len(chunk)]
    means = [float(np.exp(np.log(chunk).mean())) for chunk in chunks]
    return sorted({round(value, 2) for value in means})


def coarsest_level(image_size):
    """The coarsest level a square input allows: its side a multiple of the stride, grid >= MIN_GRID."""
    level = 1
    while image_size % 2 ** (level + 1) == 0 and image_size // 2 ** (level + 1) >= MIN_GRID:
        level += 1
    return level


def fit_levels(centres, image_size, num_scales=2, strides=ANCHOR_STRIDES, max_levels=MAX_LEVELS):
    """(min_level, max_level, anchor_size): anchors centred on the centres' sizes (log scale).

    Enough levels to span the sizes (at most `max_levels`), the finest level
    putting anchors of about `strides` strides at the middle of that span.
    """
    sizes = np.sqrt(centres.prod(axis=1))
    span = math.log2(sizes.max() / sizes.min())  # octaves; L levels of num_scales span L - 1/num_scales
    levels = int(np.clip(math.ceil(span + 1 / num_scales - 1e-9), 1, max_levels))
    middle = math.sqrt(sizes.min() * sizes.max())
    offset = 2 ** ((levels - 1 / num_scales) / 2)  # middle anchor / smallest anchor
    coarsest = coarsest_level(image_size)
    low = int(np.clip(round(math.log2(middle / (strides * offset))), 1, coarsest - levels + 1 if
                      coarsest >= levels else 1))
    high = min(low + levels - 1, coarsest)
    anchor_size = round(middle / (offset * 2**low) * 4) / 4
    return low, high, max(anchor_size, 0.25)


def box_shapes(boxes):
    """(n, 2) widths and heights of a list of (m, 4) xyxy box arrays."""
    stacked = np.concatenate([np.asarray(b, "float64").reshape(-1, 4) for b in boxes]) if boxes else np.zeros((0, 4))
    return np.stack([stacked[:, 2] - stacked[:, 0], stacked[:, 3] - stacked[:, 1]], axis=1)


def fit_anchors(boxes, image_size, num_scales=2):
    """{aspect_ratios, min_level, max_level, anchor_size, fit_iou} for the training boxes."""
    return fit_shapes(box_shapes(boxes), image_size, num_scales)


def fit_shapes(shapes, image_size, num_scales=2):
    """fit_anchors from the boxes' (n, 2) widths and heights."""
    shapes = np.asarray(shapes, "float64").reshape(-1, 2)
    centres = kmeans_shapes(shapes)
    low, high, anchor_size = fit_levels(centres, image_size, num_scales)
    return {"aspect_ratios": ",".join(f"{r:g}" for r in ratio_groups(centres)), "min_level": low,
            "max_level": high, "anchor_size": anchor_size, "fit_iou": mean_best_iou(shapes, centres)}
