"""The options the data decides when the user leaves them unset.

Two stages (`App.prepare`): before loading (`scan_defaults`: image size,
batch size, warm-up) and after (`data_defaults`: anchors fitted to the
training boxes, the budget in steps and the epochs it makes, patience).
The generated scenes resolve to the values the app has always used;
annotated files get anchors fitted to their boxes (`anchorfit`) and a
budget in optimizer steps (small sets need many epochs). A resumed run
(its config.json holds `resolved`) reuses the values saved there.
"""

from __future__ import annotations

import math

from apps.detector import anchorfit
from shared.records import read_json

# The generated scenes: the values the app used before they were resolved.
SCENES = {"image_size": 64, "batch_size": 16, "warmup_fraction": 0.0, "epochs": 12, "patience": 8,
          "min_level": 2, "max_level": 4, "aspect_ratios": "0.5,1.0,2.0", "anchor_size": 2.0}
# Annotated files (a few hundred photos, trained from scratch on a CPU).
FILES = {"image_size": 128, "batch_size": 8, "warmup_fraction": 0.05}
FILE_STEPS = (600, 2400)  # budget in optimizer steps: (fewest, most)
FILE_EPOCHS = 80  # passes over the training images the budget aims at, within FILE_STEPS (kangaroo: 60 passes, 840 steps, test mAP@0.5 0.47 in 472 s; validation still rising)
PATIENCE_FRACTION = 0.35  # patience, as a fraction of the epochs (the schedule decays to the end)
SCAN_OPTIONS = ("image_size", "batch_size", "warmup_fraction")
SOURCES = {"scenes": "the generated scenes", "files": "annotated image files"}


def saved_resolved(config):
    """{option: value} a resumed run folder resolved when it started ({} for a new run)."""
    run_dir = getattr(config, "run_dir", None)
    record = f"{run_dir}/config.json" if run_dir else None
    try:
        saved = read_json(record) if record else {}
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    resolved = saved.get("resolved") if isinstance(saved, dict) else None
    if not isinstance(resolved, dict):
        return {}
    return {name: entry["value"] for name, entry in resolved.items() if isinstance(entry, dict) and "value" in entry}


def reused(config, names):
    """{option: (value, reason)} of the options in `names` a resumed run saved."""
    saved = saved_resolved(config)
    return {name: (saved[name], f"resolved when this run started ({config.run_dir}/config.json)")
            for name in names if name in saved}


def scan_defaults(source, config):
    """image_size, batch_size, warmup_fraction before the data is read."""
    values = SCENES if source == "scenes" else FILES
    found = {name: (values[name], f"the default for {SOURCES[source]}") for name in SCAN_OPTIONS}
    if config.image_size is not None:
        found.pop("image_size")
    return {**found, **reused(config, SCAN_OPTIONS)}


def step_budget(train_images, batch_size):
    """Optimizer steps for annotated files: FILE_EPOCHS passes, within FILE_STEPS."""
    per_epoch = max(1, math.ceil(train_images / batch_size))
    return int(min(max(FILE_EPOCHS * per_epoch, FILE_STEPS[0]), FILE_STEPS[1]))


def anchor_defaults(profile, config):
    """min_level, max_level, aspect_ratios, anchor_size: the scenes' values, or fitted to the boxes."""
    if profile["source"] == "scenes":
        return {name: (SCENES[name], "the default for the generated scenes") for name in ANCHOR_OPTIONS}
    shapes = profile.get("box_shapes")
    if shapes is None or not len(shapes):
        return {}
    fit = anchorfit.fit_shapes(shapes, profile["image_size"], config.num_scales)
    why = (f"fitted to the {len(shapes)} training boxes (k-means on box shapes, 1 - IoU distance; "
           f"mean best IoU {fit['fit_iou']:.2f})")
    return {name: (fit[name], why) for name in ANCHOR_OPTIONS}


def budget_defaults(profile, config):
    """steps, epochs and patience: a budget in optimizer steps and the whole epochs it makes."""
    scenes, images = profile["source"] == "scenes", profile["train_images"]
    per_epoch = max(1, math.ceil(images / config.batch_size))
    found = {}
    if config.epochs is not None:
        epochs = config.epochs
    else:
        if config.steps is not None:
            steps = config.steps
        elif scenes:
            steps = SCENES["epochs"] * per_epoch
            found["steps"] = (steps, f"{SCENES['epochs']} epochs of {per_epoch} steps (the default for the "
                                     "generated scenes)")
        else:
            steps = step_budget(images, config.batch_size)
            found["steps"] = (steps, f"{FILE_EPOCHS} passes over {images} training images, within "
                                     f"{FILE_STEPS[0]}-{FILE_STEPS[1]} steps")
        epochs = max(1, math.ceil(steps / per_epoch))
        found["epochs"] = (epochs, f"{steps} steps at {per_epoch} steps per epoch (batch {config.batch_size})")
    if scenes:
        found["patience"] = (SCENES["patience"], "the default for the generated scenes")
    else:
        found["patience"] = (max(1, round(PATIENCE_FRACTION * epochs)),
                             f"{PATIENCE_FRACTION:g} of the {epochs} epochs (the rate decays to the end)")
    return found


def data_defaults(profile, config):
    """Anchors, steps, epochs and patience once the data is loaded."""
    return {**anchor_defaults(profile, config), **budget_defaults(profile, config),
            **reused(config, DATA_OPTIONS)}


ANCHOR_OPTIONS = ("min_level", "max_level", "aspect_ratios", "anchor_size")
DATA_OPTIONS = (*ANCHOR_OPTIONS, "steps", "epochs", "patience")
