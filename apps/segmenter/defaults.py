"""The segmenter's defaults from the data profile (the App's `scan`/`defaults` hooks).

`scan` reads only the image headers: how many pairs, their typical side,
whether a GPU is present. `resolve_defaults` turns that into every option the
user left unset, each with its reason:

    generated scenes   today's values: 64 px, depth 3, 8 filters, batch 16,
                       10 epochs, constant rate, patience 5, no colour jitter
    a data folder      scale from the typical side (at most SCALE_CAP px), random
                       crops of at most CROP_CAP px, depth 4, 8 filters (16 on a GPU), batch 8,
                       a budget in optimizer steps from the number of images,
                       warm-up + cosine, patience a third of the epochs,
                       stronger scale augmentation and colour jitter

The mask value mapping (`mask_values`) is resolved after loading, from the
masks themselves (`apps.segmenter.masks`).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf
from PIL import Image

from apps.segmenter import formats
from apps.segmenter.data import data_kind
from apps.segmenter.masks import format_values
from shared.errors import DataError, UsageError

SCENES = {"image_size": 64, "depth": 3, "base_filters": 8, "batch_size": 16, "epochs": 10, "lr_schedule": "constant",
          "patience": 5, "jitter": 0.0, "augment_scale": 0.75, "loss": "ce"}
SCALE_CAP = {"cpu": 144, "gpu": 512}  # the scaled image side (whole images are predicted at this scale)
CROP_CAP = {"cpu": 96, "gpu": 256}  # the training crop side
SAMPLE = 256  # image headers read by scan
WIDTH = {"cpu": 8, "gpu": 16}  # base filters of a data folder's model
REAL = {"depth": 4, "batch_size": 8, "lr_schedule": "warmup_cosine", "jitter": 0.2,
        "augment_scale": 0.5, "loss": "ce+dice"}
BUDGET_EPOCHS = 60  # the budget: 60 epochs-worth of images (a few hundred images need many passes) ...
STEPS = {"cpu": (1000, 1600), "gpu": (1000, 3000)}  # ... within these bounds (cpu: 0.25-0.35 s a step on 2 cores)


class Quiet:
    """A bad-input collector for scan: load_data reports them."""

    skip_bad = True

    def report(self, error):
        pass


def header_side(path):
    try:
        with Image.open(path) as image:
            width, height = image.size
        return math.sqrt(width * height)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):  # load_data names the file
        return None


def scan(config):
    """{data, images, typical_side, device}: a look at the image headers only."""
    kind = data_kind(config.data)
    profile = {"data": kind, "device": "gpu" if tf.config.list_physical_devices("GPU") else "cpu"}
    if kind == "scenes":
        return profile
    try:
        layout = formats.detect_layout(config.data)
        pairs = [pair for split in formats.list_pairs(config.data, layout, Quiet()).values() for pair in split]
    except (OSError, ValueError, UsageError, DataError):
        return profile  # load_data names the problem
    step = max(1, len(pairs) // SAMPLE)
    sides = [s for s in (header_side(image) for image, _ in pairs[::step]) if s]
    profile["images"] = len(pairs)
    if sides:
        profile["typical_side"] = float(np.median(sides))
    return profile


def scale_and_crop(profile, config):
    """(image_size, its reason, crop, its reason) of a data folder."""
    device, multiple = profile["device"], 2 ** max(config.depth, REAL["depth"])
    side = profile.get("typical_side")
    if side is None:
        size, size_reason = 128, "the default for a data folder (no image size read)"
    else:
        size = int(min(max(side // multiple * multiple, 64), SCALE_CAP[device]))
        size_reason = (f"median image side {side:.0f} px" + (f", capped at {SCALE_CAP[device]} on the {device}"
                                                             if side > SCALE_CAP[device] else ""))
    if config.image_size is not None:
        size = config.image_size
    crop = min(size, CROP_CAP[device])
    crop_reason = ("whole images" if crop == size
                   else f"random {crop} px crops of the {size} px images ({device}); predictions on whole images")
    return size, size_reason, crop, crop_reason


def budget(profile, config):
    """{steps, epochs, patience} (values, reasons) once the number of training images is known."""
    train, batch = profile["train_examples"], config.batch_size
    per_epoch = max(1, math.ceil(train / batch))
    if config.steps is not None:
        steps, reason = config.steps, "--steps"
    elif config.epochs is not None:
        steps, reason = config.epochs * per_epoch, f"--epochs {config.epochs}"
    else:
        low, high = STEPS[profile.get("device", "cpu")]
        steps = int(min(max(BUDGET_EPOCHS * per_epoch, low), high))
        reason = f"{train} training images: {BUDGET_EPOCHS} epochs, within {low}..{high} steps"
    epochs = config.epochs if config.epochs is not None else max(1, math.ceil(steps / per_epoch))
    out = {"steps": (steps, reason), "epochs": (epochs, f"{steps} steps of {per_epoch} per epoch")}
    out["patience"] = (max(5, epochs // 3), "a third of the epochs (at least 5)")
    return out


def scene_defaults(profile, config):
    out = {name: (value, "the default for generated scenes") for name, value in SCENES.items()}
    if "train_examples" in profile:
        per_epoch = max(1, math.ceil(profile["train_examples"] / config.batch_size))
        epochs = config.epochs if config.epochs is not None else SCENES["epochs"]
        if config.steps is not None:
            epochs = max(1, math.ceil(config.steps / per_epoch))
        out["steps"] = (config.steps or epochs * per_epoch, f"{epochs} epochs of {per_epoch} steps")
        out["epochs"] = (epochs, "the default for generated scenes")
    size = config.image_size or SCENES["image_size"]
    out["crop"] = (size, "whole images")
    return out


def resolve_defaults(profile, config):
    """{option: (value, reason)} of the options the data decides."""
    if "data" not in profile:
        return {}
    if profile["data"] == "scenes":
        return scene_defaults(profile, config)
    out = {name: (value, "the default for a data folder") for name, value in REAL.items()}
    device = profile["device"]
    out["base_filters"] = (WIDTH[device], f"the width a few hundred images train in minutes on the {device}")
    size, size_reason, crop, crop_reason = scale_and_crop(profile, config)
    out["image_size"], out["crop"] = (size, size_reason), (crop, crop_reason)
    if "train_examples" in profile:
        out.update(budget(profile, config))
    if profile.get("mask_values") is not None:
        out["mask_values"] = (format_values(profile["mask_values"]), profile["mask_reason"])
    return out
