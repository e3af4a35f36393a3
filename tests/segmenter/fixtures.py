"""Segmentation data sets in the four real layouts, written by the tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.helpers import write_png

PALETTE = {"background": (0, 0, 0), "disk": (255, 0, 0), "square": (0, 0, 255)}


def scene(index, height=20, width=24):
    """(RGB image, mask of ids 0..2): a disk and a square on noise."""
    rng = np.random.default_rng(index)
    yy, xx = np.mgrid[:height, :width]
    mask = np.zeros((height, width), "uint8")
    mask[(yy - 6) ** 2 + (xx - 6 - index % 3) ** 2 < 16] = 1
    mask[12:18, 14 + index % 4: 20 + index % 4] = 2
    image = rng.integers(0, 60, size=(height, width, 3))
    image[mask == 1] = (220, 60, 40)
    image[mask == 2] = (40, 80, 220)
    return image.astype("uint8"), mask


def write_pairs(root, count=8, colour=False, classes_file=None):
    """images/ + masks/ (class ids, or colours with classes.csv/.json)."""
    root = Path(root)
    for index in range(count):
        image, mask = scene(index)
        write_png(root / "images" / f"img{index:02d}.png", image)
        if colour:
            colours = np.asarray(list(PALETTE.values()), "uint8")
            write_png(root / "masks" / f"img{index:02d}.png", colours[mask])
        else:
            write_png(root / "masks" / f"img{index:02d}.png", mask)
    if classes_file == "csv":
        lines = ["name,r,g,b"] + [f"{n},{r},{g},{b}" for n, (r, g, b) in PALETTE.items()]
        (root / "classes.csv").write_text("\n".join(lines) + "\n")
    elif classes_file == "json":
        (root / "classes.json").write_text(json.dumps({n: list(c) for n, c in PALETTE.items()}))
    elif classes_file == "names":
        (root / "classes.txt").write_text("\n".join(PALETTE) + "\n")
    return root


def write_pet(root, count=8):
    """Oxford-IIIT Pet: images/*.jpg, annotations/trimaps/*.png with 1..3."""
    from PIL import Image

    root = Path(root)
    (root / "images").mkdir(parents=True, exist_ok=True)
    for index in range(count):
        image, mask = scene(index)
        Image.fromarray(image).save(root / "images" / f"cat_{index}.jpg", quality=95)
        trimap = np.where(mask == 0, 2, np.where(mask == 1, 1, 3)).astype("uint8")
        write_png(root / "annotations" / "trimaps" / f"cat_{index}.png", trimap)
    return root


def write_camvid(root, count=8, list_file=True):
    """SegNet CamVid: val/, valannot/ and val.txt with /SegNet/CamVid/ prefixes."""
    root = Path(root)
    lines = []
    for index in range(count):
        image, mask = scene(index)
        mask = mask.copy()
        mask[0, :] = 11  # a void row
        write_png(root / "val" / f"f{index:03d}.png", image)
        write_png(root / "valannot" / f"f{index:03d}.png", mask)
        lines.append(f"/SegNet/CamVid/val/f{index:03d}.png /SegNet/CamVid/valannot/f{index:03d}.png")
    if list_file:
        (root / "val.txt").write_text("\n".join(lines) + "\n")
    return root
