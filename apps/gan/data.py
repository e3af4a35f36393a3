"""GAN data: the digits default, generated shapes, image folders, IDX, npz.

`load_data(config)` returns `GanData`: images in [0, 255] as float32
(N, H, W, C), integer labels (k-means clusters of the pixels when the source
has none, so FID features and class coverage still have classes), and a
deterministic train/test split; the test split is the real reference of FID.

Formats, detected from `--data`:
- absent or `digits`: scikit-learn's 1,797 real 8x8 digits, up-sampled.
- `shapes`: generated discs, squares and triangles (three classes).
- a folder of images at any depth; sub-folders of the root are classes.
- MNIST/Fashion-MNIST IDX (`*-images-idx3-ubyte[.gz]` + labels file).
- a `.npz` file with `x` (or `images`) and optional `y` (or `labels`);
  values in [0, 1] are scaled to [0, 255]; its channels are kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits as sklearn_digits

from apps.gan.defaults import default_shape
from shared import limits
from shared.data import BadInputs, is_image_file, read_images, resize_images, split_indices
from shared.errors import DataError, UsageError
from shared.idx import idx_files, read_idx_pair

log = logging.getLogger("annsuite")


@dataclass
class GanData:
    """Images in [0, 255] (float32, NHWC), labels, and their class names."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list
    source: str
    labelled: bool
    skipped: int = 0

    @property
    def image_shape(self):
        return tuple(self.x_train.shape[1:])


def detect_format(spec):
    """'digits', 'shapes', 'idx', 'npz' or 'folder' (raises UsageError)."""
    if spec in (None, "", "digits", "shapes"):
        return spec or "digits"
    path = Path(spec)
    if not path.exists():
        raise UsageError(f"--data {spec}: no such file or folder")
    if path.suffix == ".npz":
        return "npz"
    if idx_files(path):
        return "idx"
    if path.is_dir():
        return "folder"
    raise UsageError(f"--data {spec}: expected a folder of images, MNIST IDX files or a .npz file")


def load_digits():
    digits = sklearn_digits()
    x = (digits.images[..., None] * (255.0 / 16.0)).astype("float32")
    return x, digits.target.astype("int32"), [str(n) for n in range(10)]


def make_shapes(count=1500, size=32, seed=0):
    """Discs, squares and triangles of random size and place, white on black."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size] + 0.5
    x = np.zeros((count, size, size, 1), "float32")
    y = np.arange(count, dtype="int32") % 3
    for index, kind in enumerate(y):
        radius = rng.uniform(0.2, 0.35) * size
        cy, cx = rng.uniform(radius, size - radius, 2)
        if kind == 0:
            mask = (rows - cy) ** 2 + (cols - cx) ** 2 <= radius ** 2
        elif kind == 1:
            mask = (np.abs(rows - cy) <= radius * 0.8) & (np.abs(cols - cx) <= radius * 0.8)
        else:
            mask = (rows - cy >= -radius) & (rows - cy <= radius) & (np.abs(cols - cx) <= (rows - cy + radius) / 2)
        x[index, ..., 0] = mask * 255.0
    return x, y, ["disc", "square", "triangle"]


def load_npz(path):
    with open(path, "rb") as handle:
        head = handle.read(4)
    if not head:
        raise DataError(path, "empty file (0 bytes)")
    if head[:2] != b"PK":
        raise DataError(path, "not a .npz file (not a zip archive)")
    arrays = limits.load_npz(path)  # every member's declared size checked before it is loaded
    key = next((k for k in ("x", "images") if k in arrays), None)
    if key is None:
        raise DataError(path, f"no 'x' or 'images' array (found: {', '.join(arrays) or 'none'})")
    try:
        x = arrays[key].astype("float32")
    except (TypeError, ValueError) as error:
        raise DataError(path, f"images of a type that is not numbers: {error}") from None
    labels = next((arrays[k] for k in ("y", "labels") if k in arrays), None)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise DataError(path, f"images must be (N, H, W) or (N, H, W, 1|3), got {x.shape}")
    if labels is not None and len(labels) != len(x):
        raise DataError(path, f"{len(labels)} labels for {len(x)} images")
    if x.max(initial=0) <= 1.0:
        x = x * 255.0
    if labels is None:
        return x, None, []
    return x, *compact_labels(labels, path)


def read_folder(root, size, channels, bad):
    """Every image under `root` (any depth); the root's sub-folders are classes."""
    root = Path(root)
    paths = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if is_image_file(path):
            paths.append(path)
        else:
            bad.report(DataError(path, f"not an image file (extension {path.suffix or 'none'!r})"))
    images, kept = read_images(paths, size, channels, bad)
    groups = [p.relative_to(root).parts[0] if len(p.relative_to(root).parts) > 1 else "" for p in kept]
    names = sorted(set(groups))
    if names == [""] or not names or "" in names:
        return images, None, []
    return images, np.asarray([names.index(g) for g in groups], "int32"), names


def pseudo_labels(x, seed, clusters=10):
    """k-means clusters of the pixels: classes for unlabelled data."""
    count = min(clusters, len(x))
    labels = KMeans(count, n_init=3, random_state=seed).fit_predict(x.reshape(len(x), -1))
    return labels.astype("int32"), [f"cluster{n}" for n in range(count)]


def to_channels(x, channels):
    if x.shape[-1] == channels:
        return x
    return np.repeat(x, channels, axis=-1) if channels == 3 else x.mean(axis=-1, keepdims=True)


def load_arrays(spec, kind, size, channels, bad):
    if kind == "digits":
        x, y, names = load_digits()
    elif kind == "shapes":
        x, y, names = make_shapes(size=max(size, 16))
    elif kind == "idx":
        images, y = read_idx_pair(spec)
        x = images[..., None].astype("float32")
        y, names = compact_labels(y, spec)
    elif kind == "npz":
        x, y, names = load_npz(spec)
    else:
        return read_folder(spec, size, channels, bad)
    return to_channels(resize_images(x, size), channels or x.shape[-1]), y, names


def load_data(config, spec=None):
    """Load, check and split the data `spec` (default: config.data) names."""
    spec = config.data if spec is None else spec
    kind = detect_format(spec)
    default_size, default_channels = default_shape(kind)
    size = config.image_size or default_size
    channels = config.channels or default_channels
    bad = BadInputs(config.skip_bad)
    x, y, names = load_arrays(spec, kind, size, channels, bad)
    if len(x) < 20:
        raise DataError(spec or "digits", f"only {len(x)} usable images; need at least 20")
    labelled = y is not None
    if not labelled:
        y, names = pseudo_labels(x, config.seed)
    if config.conditional and not labelled:
        raise UsageError(f"--conditional needs labels; {spec} has none (use class sub-folders or a 'y' array)")
    train, _, test = split_indices(y, (0.01, config.test_fraction), config.seed)
    train = np.setdiff1d(np.arange(len(y)), test)
    data = GanData(x[train], y[train], x[test], y[test], names, kind, labelled, bad.summary())
    if config.max_train_samples:
        data.x_train = data.x_train[: config.max_train_samples]
        data.y_train = data.y_train[: config.max_train_samples]
    log.info("data: %s, %d classes%s, train/test = %d/%d images of %s", kind, len(names),
             "" if labelled else " (k-means clusters)", len(data.x_train), len(data.x_test), data.image_shape)
    return data


def compact_labels(labels, path):
    """(int32 labels, class names) of an array of labels, checked (integers, >= 0, within the limit)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.number) or \
            (np.issubdtype(labels.dtype, np.floating) and not np.all(np.isfinite(labels))):
        raise DataError(path, f"labels must be one integer per image, got {labels.dtype} of shape {labels.shape}")
    if len(labels) and labels.min() < 0:
        raise DataError(path, f"labels must be >= 0, found {labels.min()}")
    count = int(labels.max()) + 1 if len(labels) else 0
    limits.check("mask_classes", count, path)
    return labels.astype("int32"), [str(n) for n in range(count)]

