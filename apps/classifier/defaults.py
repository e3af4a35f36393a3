"""The classifier's defaults from the data profile: one rule per option, with its reason.

`resolve_defaults(profile, config, gpu)` gives {option: (value, reason)};
the App base applies each one the user left unset, logs it and saves it in
`config.json`. Two kinds of data:

- small images (the built-in digits, MNIST IDX, folders of images under
  64 px): today's recipe, unchanged on the digits (image size 16 there,
  width 16, batch 64, 25 epochs, patience 5, the geometric augmentation
  layers, Adam at a constant-then-cosine rate, no smoothing);
- photos (folders whose median image side is 64 px or more): what small
  photo sets from scratch need (random resized crops, colour jitter, flips,
  label smoothing, AdamW, a warm-up, a budget of optimizer steps that gives
  a few hundred images many epochs, an image size the machine can afford).

Profile keys read: `format` ("digits", "idx", "folder"), and for folders
`median_side`; after loading, `train_examples` and `given` (the options the
user set, whose values the other rules then build on).
"""

from __future__ import annotations

import math

from apps.classifier.data import DEFAULT_SIZE

PHOTO_SIDE = 64          # median image side from which a folder counts as photos
PHOTO_SIZE = {"cpu": 96, "gpu": 224}  # largest training size for photos per machine
SMALL_EPOCHS = 25        # budget of the small-image recipe (today's)
PHOTO_GPU_STEPS = 3000  # photo budget on a GPU
PHOTO_EPOCHS = 100       # photos: at most this many epochs (at least 10)
PHOTO_PIXEL_STEPS = 400 * 32 * 48 * 48  # CPU compute cap: steps x batch x backbone positions, width 16 (~5 min)
LARGE_DATA = 2000        # training images from which photos get half-strength augmentation
BACKBONE_SIDE = {"cpu": 48, "gpu": 112}  # photos: largest side the backbone works at (space-to-depth stem)


def is_photo(profile):
    return profile.get("format") == "folder" and profile.get("median_side", 0) >= PHOTO_SIDE


def image_size_rule(profile, gpu):
    """(size, reason) from the image sizes and the machine."""
    kind = profile["format"]
    if kind != "folder":
        return DEFAULT_SIZE[kind], f"the default for {kind} data"
    side = profile.get("median_side", 0)
    if not is_photo(profile):
        size = max(16, min(side, PHOTO_SIDE)) if side else DEFAULT_SIZE["folder"]
        return size, f"median image side {side} px: small images train at their own size"
    machine = "gpu" if gpu else "cpu"
    size = min(side, PHOTO_SIZE[machine])
    return size, f"photos (median side {side} px), at most {PHOTO_SIZE[machine]} px on a {machine.upper()}"


def stem_rule(profile, image_size, gpu, pretrained):
    """(stride, reason): photos are folded into channels until the backbone side fits the machine."""
    if not is_photo(profile) or pretrained:
        return 1, "small images or pretrained weights: no stem"
    machine = "gpu" if gpu else "cpu"
    stride = next((s for s in (1, 2, 4) if image_size / s <= BACKBONE_SIDE[machine] and image_size % s == 0), 1)
    return stride, (f"photos at {image_size} px: the backbone works at {image_size // stride} px "
                    f"(at most {BACKBONE_SIDE[machine]} on a {machine.upper()})")


def batch_rule(examples):
    if examples >= 512:
        return 64, f"{examples} training images (>= 512): 64"
    return 32, f"{examples} training images (< 512): 32, more steps per epoch"


def photo_budget(examples, batch_size, side, width, gpu):
    """(steps, reason): as many epochs as the machine affords, between 10 and PHOTO_EPOCHS.

    A few hundred photos from scratch need many epochs; the CPU budget is
    PHOTO_PIXEL_STEPS (steps x batch x backbone positions of a width-16 model,
    about five minutes of a 2-core CPU), scaled by the batch, side and width.
    """
    per_epoch = max(1, math.ceil(examples / batch_size))
    if gpu:
        cap, why = PHOTO_GPU_STEPS, f"{PHOTO_GPU_STEPS} steps on a GPU"
    else:
        cap = PHOTO_PIXEL_STEPS / (batch_size * side * side * (width / 16) ** 2)
        why = f"the CPU budget: {int(cap)} steps of {batch_size} images at a {side}-px backbone side"
    steps = int(min(PHOTO_EPOCHS * per_epoch, max(10 * per_epoch, cap)))
    return steps, f"photos: {why}, within 10-{PHOTO_EPOCHS} epochs"


def training_rules(profile, config, gpu):
    """Everything but the image size, once the data is loaded."""
    examples, given = int(profile["train_examples"]), profile.get("given", ())
    batch, batch_reason = batch_rule(examples)
    batch = config.batch_size if "batch_size" in given else batch
    rules = {"batch_size": (batch, batch_reason)}
    per_epoch = max(1, math.ceil(examples / batch))
    photo = is_photo(profile)
    width = config.width if "width" in given else 16
    rules["width"] = (16, "16 base filters: a few hundred to a few thousand images from scratch")
    if config.steps:
        steps, reason = config.steps, "--steps"
    elif photo:
        stride = config.stem_stride if "stem_stride" in given else stem_rule(
            profile, config.image_size, gpu, config.pretrained)[0]
        steps, reason = photo_budget(examples, batch, config.image_size // stride, width, gpu)
    else:
        steps, reason = SMALL_EPOCHS * per_epoch, f"small images: {SMALL_EPOCHS} epochs"
    epochs = max(1, math.ceil(steps / per_epoch))
    rules["epochs"] = (epochs, f"a budget of {steps} optimizer steps ({reason}) = {epochs} epochs of {per_epoch}")
    if photo:  # the loss of a few dozen validation photos jumps while the rate is high
        rules["patience"] = (max(5, math.ceil(epochs / 2)), f"half of the {epochs} epochs: a noisy validation loss")
    else:
        rules["patience"] = (max(5, math.ceil(epochs / 5)), f"a fifth of the {epochs} epochs, at least 5")
    if photo:
        strength = 1.0 if examples < LARGE_DATA else 0.5
        rules.update({
            "augmentation": ("photo", "photos: random resized crops, colour jitter and flips"),
            "augment_strength": (strength, f"{examples} training images ({'<' if strength == 1 else '>='} "
                                           f"{LARGE_DATA}): {'full' if strength == 1 else 'half'} strength"),
            "label_smoothing": (0.1, "photos: crops can cut the object out, so labels are not certain"),
            "weight_decay": (0.05, "photos from scratch: AdamW regularises few images"),
            "warmup_fraction": (0.05, "AdamW with BatchNorm from scratch: 5% warm-up"),
        })
    else:
        rules.update({
            "augmentation": ("geometric", "small images: rotation, shift, zoom, contrast, noise"),
            "augment_strength": (1.0, "small images: the standard factors"),
            "label_smoothing": (0.0, "small images: clean labels, no smoothing"),
            "weight_decay": (0.0, "small images: Adam, no weight decay"),
            "warmup_fraction": (0.0, "small images: a short budget, no warm-up"),
        })
    return rules


def resolve_defaults(profile, config, gpu=False):
    """{option: (value, reason)}: the image size from the scan, the rest once the data is loaded."""
    if "format" not in profile:
        return {}
    rules = {}
    if not config.preset:
        rules["image_size"] = image_size_rule(profile, gpu)
        size = config.image_size if "image_size" in profile.get("given", ()) else rules["image_size"][0]
        rules["stem_stride"] = stem_rule(profile, size, gpu, config.pretrained)
    if "train_examples" in profile:
        rules.update(training_rules(profile, config, gpu))
    return rules
