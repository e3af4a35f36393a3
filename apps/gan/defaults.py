"""The GAN's defaults from the data (the App `defaults` hook): image shape and training budget.

Before loading (`format`): the image size and channels of the format. Once
loaded (`train_images`, `image_size`): the DCGAN's budget in optimizer
steps, from the image size and the number of training images, turned into
epochs. The built-in digits (16x16, 1,437 training images) get the
reference budget `DEFAULT_STEPS` (100 epochs at batch 64); larger images
have more to learn per image and many images more to cover, so the budget
grows with both, sub-linearly, up to `MAX_BUDGET_FACTOR` times the
reference (the CPU time of a step grows with the pixels too). A budget
longer than the reference also lets both learning rates fall linearly to
zero (`--lr-decay`): the generator then settles instead of circling the
equilibrium at a constant rate, which is where a long run's FID stalls.
"""

from __future__ import annotations

from apps.gan.config import DEFAULT_AUTOENCODER_EPOCHS, DEFAULT_STEPS
from shared.app import steps_per_epoch

DEFAULT_SIZE = {"digits": 16, "shapes": 16, "idx": 28}
GRAY = ("digits", "shapes", "idx")
REFERENCE_PIXELS = 16 * 16  # the built-in digits, whose budget is DEFAULT_STEPS
REFERENCE_IMAGES = 1437
PIXEL_EXPONENT = 0.5  # budget ~ sqrt(pixels): 28x28 gets 1.75x, 32x32 2x
IMAGES_EXPONENT = 0.25  # budget ~ images^(1/4) above the reference count
MAX_BUDGET_FACTOR = 2.0
FID_EVALUATIONS = 20  # FID while training about this often per run (every 5 epochs at least apart)
MIN_FID_EVERY = 5


def default_shape(kind):
    """(image size, channels) of a format when the options leave them unset.

    Channels None: the data's own (a `.npz` file keeps its channels).
    """
    channels = 1 if kind in GRAY else None if kind == "npz" else 3
    return DEFAULT_SIZE.get(kind, 32), channels


def budget_steps(image_size, train_images):
    """The DCGAN's default budget in optimizer steps for images of `image_size` (square)."""
    pixels = max(1.0, image_size ** 2 / REFERENCE_PIXELS)
    images = max(1.0, train_images / REFERENCE_IMAGES)
    factor = min(MAX_BUDGET_FACTOR, pixels ** PIXEL_EXPONENT * images ** IMAGES_EXPONENT)
    return int(round(DEFAULT_STEPS * factor / 50.0)) * 50 if factor > 1.0 else DEFAULT_STEPS


def default_epochs(config, train_images, image_size=16):
    """The epochs of the default budget for `train_images` training images of `image_size`."""
    if config.model == "autoencoder":
        return DEFAULT_AUTOENCODER_EPOCHS
    steps = budget_steps(image_size, train_images)
    return max(1, round(steps / steps_per_epoch(train_images, config.batch_size)))


def budget_reason(config, profile):
    if config.model == "autoencoder":
        return "the autoencoder's default"
    size, count = profile.get("image_size", 16), profile["train_images"]
    steps = budget_steps(size, count)
    return (f"about {steps} steps of {config.batch_size} images (the budget for {count} training "
            f"images of {size}x{size}; {DEFAULT_STEPS} for the 1,437 16x16 digits)")


def data_defaults(profile, config):
    """{option: (value, reason)} of the options the data decides when unset.

    `profile`: `format` (detect_format), and once the data is loaded
    `train_images`, `image_size` and `channels`.
    """
    found = {}
    kind = profile.get("format")
    if kind:
        size, channels = default_shape(kind)
        found["image_size"] = (size, f"the default for {kind} data")
        if channels is not None:
            found["channels"] = (channels, f"the default for {kind} data")
        elif "channels" in profile:
            found["channels"] = (profile["channels"], "the channels of the .npz arrays")
    if "train_images" in profile:
        epochs = default_epochs(config, profile["train_images"], profile.get("image_size", 16))
        found["epochs"] = (epochs, budget_reason(config, profile))
        every = max(MIN_FID_EVERY, epochs // FID_EVALUATIONS)
        found["fid_every"] = (every, f"about {FID_EVALUATIONS} FID evaluations in {epochs} epochs, "
                                     f"at least {MIN_FID_EVERY} epochs apart")
        size = profile.get("image_size", 16)
        long = budget_steps(size, profile["train_images"]) > DEFAULT_STEPS
        if config.model == "dcgan" and config.epochs is None and long:  # with the default budget only
            found["lr_decay"] = (True, "a budget longer than the digits': the rates fall linearly to zero")
    return found
