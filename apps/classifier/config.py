"""The classifier's training options."""

from __future__ import annotations

from dataclasses import dataclass

from shared.architectures import BACKBONES
from shared.config import TrainConfig, check_choice, check_positive, option

INITIALIZERS = ("he_normal", "he_uniform", "glorot_uniform", "glorot_normal")
AUGMENTATIONS = ("none", "geometric", "photo")


@dataclass
class ClassifierConfig(TrainConfig):
    """Options of `python -m apps.classifier train`."""

    epochs: int = option(25, "maximum epochs (of the head phase when the backbone is pretrained); default from --steps")
    steps: int | None = option(None, "training budget in optimizer steps (sets --epochs); default from the data")
    batch_size: int = option(64, "images per batch (per worker); default from the data")
    validation_fraction: float = option(0.1, "fraction of the data held out for validation (early stopping, best checkpoint)")
    backbone: str = option("resnet", "backbone from the shared registry", tuple(BACKBONES))
    preset: str | None = option(None, "a keras-hub image backbone: preset name or local preset folder (overrides --backbone)")
    weights: str = option("none", "backbone weights: none, imagenet, or a .weights.h5/.keras file")
    image_size: int | None = option(None, "square input size; default 16 for the digits, 28 for IDX, 96 for folders")
    channels: int | None = option(None, "1 (grayscale) or 3 (RGB); default 1 for digits/IDX, 3 for folders and pretrained weights")
    width: int = option(16, "base filters of the built-in backbones; default from the data")
    stem_stride: int | None = option(None, "space-to-depth stem: the built-in backbone sees (size/s)^2 positions of 3*s*s channels (1: off); default from the data")
    dropout: float = option(0.3, "dropout rate before the classification layer")
    l2: float = option(0.0, "L2 weight decay of convolution and dense kernels")
    l1: float = option(0.0, "L1 weight decay of convolution and dense kernels")
    initializer: str = option("he_normal", "kernel initializer of the built-in backbones", INITIALIZERS)
    augment: bool | None = option(None, "augmentation on or off (--augmentation says which); default on")
    augmentation: str | None = option(None, "geometric: rotation, zoom, shift, contrast, noise (+flips for folders); photo: random resized crops, colour jitter, flips; default from the data", AUGMENTATIONS)
    augment_strength: float | None = option(None, "scales the augmentation (1: the standard factors); default from the data")
    label_smoothing: float | None = option(None, "label smoothing of the cross-entropy; default from the data")
    weight_decay: float | None = option(None, "decoupled (AdamW) weight decay, 0: Adam; default from the data")
    warmup_fraction: float | None = option(None, "fraction of the budget the rate warms up over before the cosine decay; default from the data")
    mixup: bool = option(False, "mixup of image pairs and their labels (training batches)")
    cutmix: bool = option(False, "CutMix: paste a box of another image, labels mixed by area (training batches)")
    tta: bool = option(False, "test-time augmentation: average the predictions of each image and its mirror image")
    lr_find: bool = option(False, "learning-rate range test before training: curve in TensorBoard and figures/, its suggestion is the rate unless --learning-rate is given")
    fine_tune_epochs: int = option(5, "epochs of the second phase (pretrained backbones): top blocks unfrozen")
    unfreeze_blocks: int = option(20, "blocks of the backbone unfrozen in the fine-tuning phase")
    folds: int = option(0, "K-fold cross-validation with K models (0: off)")
    save_backbone: str | None = option(None, "write the trained backbone as a keras-hub preset folder (or a .keras file)")

    def __post_init__(self):
        super().__post_init__()
        check_choice(self, "backbone")
        check_choice(self, "initializer")
        if self.augmentation is not None:
            check_choice(self, "augmentation")
        for name in ("steps", "augment_strength", "label_smoothing", "weight_decay", "warmup_fraction"):
            if getattr(self, name) is not None:
                check_positive(self, name, allow_zero=name != "steps")
        for name in ("label_smoothing", "warmup_fraction"):
            if getattr(self, name) is not None and getattr(self, name) >= 1:
                raise ValueError(f"{name} must be < 1, got {getattr(self, name)!r}")
        if self.stem_stride is not None and self.stem_stride not in (1, 2, 4):
            raise ValueError(f"stem_stride must be 1, 2 or 4, got {self.stem_stride!r}")
        if self.mixup and self.cutmix:
            raise ValueError("choose one of mixup and cutmix, got both")
        for name in ("width", "fine_tune_epochs", "unfreeze_blocks", "folds"):
            check_positive(self, name, allow_zero=name != "width")
        if self.image_size is not None and self.image_size < 8:
            raise ValueError(f"image_size must be >= 8, got {self.image_size!r}")
        if self.channels not in (None, 1, 3):
            raise ValueError(f"channels must be 1 or 3, got {self.channels!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if self.l1 < 0 or self.l2 < 0:
            raise ValueError(f"l1 and l2 must be >= 0, got l1={self.l1!r}, l2={self.l2!r}")
        if self.folds == 1:
            raise ValueError("folds must be 0 (off) or >= 2, got 1")

    @property
    def pretrained(self):
        return bool(self.preset) or self.weights != "none"
