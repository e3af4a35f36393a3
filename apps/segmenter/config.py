"""The segmenter's training options."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import TrainConfig, check_choice, check_positive, option

MODELS = ("unet", "fcn")
UPSAMPLING = ("transpose", "bilinear", "nearest")
LOSSES = ("ce", "dice", "ce+dice")
SCHEDULES = ("constant", "cosine", "warmup_cosine")


@dataclass
class SegmenterConfig(TrainConfig):
    """Options of `python -m apps.segmenter train`."""

    epochs: int | None = option(None, "maximum epochs (of the frozen-encoder phase with --backbone); default from --steps")
    steps: int | None = option(None, "training budget in optimizer steps; default from the data (generated: 10 epochs)")
    batch_size: int = option(16, "images per batch (per worker); default from the data")
    learning_rate: float = option(2e-3, "learning rate (the peak one with a warm-up or cosine schedule)")
    lr_schedule: str = option("constant", "constant, cosine decay to a hundredth over each phase, or warmup_cosine (linear warm-up, then cosine); default from the data", SCHEDULES)
    model: str = option("unet", "unet (skip connections) or fcn (the baseline without them)", MODELS)
    backbone: str | None = option(None, "pretrained U-Net encoder: a registry name (mobilenetv2, resnet50, vgg, resnet...), a keras-hub preset folder or a .keras backbone file")
    weights: str = option("none", "weights of a registry --backbone: none, imagenet or a .weights.h5 file")
    fine_tune_epochs: int = option(4, "epochs with the encoder unfrozen (--backbone)")
    unfreeze_blocks: int = option(20, "top blocks of the encoder unfrozen for fine-tuning")
    depth: int = option(3, "number of 2x down-samplings (U-Net and FCN)")
    base_filters: int = option(8, "filters of the first level; doubled at every level")
    upsampling: str = option("transpose", "U-Net up-sampling", UPSAMPLING)
    batch_norm: bool = option(True, "batch normalisation in the convolution blocks")
    dropout: float = option(0.0, "dropout rate in the deeper blocks")
    image_size: int | None = option(None, "square size images are scaled to (a multiple of 2**depth); default from the image sizes (64 generated)")
    crop: int | None = option(None, "train on random crops of this size of the scaled images (a multiple of 2**depth); predict on whole images; default from the image size")
    tile: int = option(512, "whole images larger than this (after scaling) are predicted in overlapping tiles of this size, stitched")
    classes: str | None = option(None, "comma-separated class names: the masks hold class ids 0..K-1 (no value mapping)")
    mask_values: str | None = option(None, "original mask values of classes 0..K-1, comma-separated (0,255); default from the masks")
    loss: str = option("ce", "sparse categorical cross-entropy, soft Dice, or their sum", LOSSES)
    class_weights: str = option("none", "none, balanced (inverse pixel frequency), or comma-separated weights")
    ignore_index: int | None = option(None, "mask value left out of loss and metrics (void); CamVid layout: 11")
    augment: bool = option(True, "random flips and crops, identical on image and mask")
    augment_scale: float = option(0.75, "smallest side share of the random scale crops (augmentation strength)")
    jitter: float = option(0.0, "colour jitter strength (brightness, contrast, saturation); default from the data")
    scenes: int = option(1200, "number of generated scenes (default data)")

    def __post_init__(self):
        super().__post_init__()
        for name in ("model", "upsampling", "loss", "lr_schedule"):
            check_choice(self, name)
        for name in ("depth", "base_filters", "scenes", "tile"):
            check_positive(self, name)
        for name in ("fine_tune_epochs", "unfreeze_blocks"):
            check_positive(self, name, allow_zero=True)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if self.depth > 6:
            raise ValueError(f"depth must be <= 6, got {self.depth!r}")
        if self.image_size is not None and self.image_size % (2 ** self.depth):
            raise ValueError(f"image_size must be a multiple of 2**depth = {2 ** self.depth}, got {self.image_size!r}")
        for name in ("steps", "crop"):
            if getattr(self, name) is not None:
                check_positive(self, name)
        if self.crop is not None and self.crop % (2 ** self.depth):
            raise ValueError(f"crop must be a multiple of 2**depth = {2 ** self.depth}, got {self.crop!r}")
        if self.tile % (2 ** self.depth):
            raise ValueError(f"tile must be a multiple of 2**depth = {2 ** self.depth}, got {self.tile!r}")
        if not 0.1 <= self.augment_scale <= 1.0 or not 0.0 <= self.jitter <= 1.0:
            raise ValueError("augment_scale must be in [0.1, 1] and jitter in [0, 1]")
        if self.ignore_index is not None and not 0 <= self.ignore_index <= 255:
            raise ValueError(f"ignore_index must be in [0, 255], got {self.ignore_index!r}")
        if self.class_weights not in ("none", "balanced"):
            parse_weights(self.class_weights)


def parse_weights(text):
    """'1,2.5,3' -> [1.0, 2.5, 3.0]; raises ValueError quoting the text."""
    try:
        weights = [float(item) for item in text.split(",") if item.strip()]
    except ValueError:
        raise ValueError(f"class_weights must be none, balanced or numbers like 1,2,0.5; got {text!r}") from None
    if not weights or min(weights) < 0:
        raise ValueError(f"class_weights must be non-negative numbers, got {text!r}")
    return weights
