"""The detector's training options."""

from __future__ import annotations

from dataclasses import dataclass

from shared.architectures import BACKBONES
from shared.config import TrainConfig, check_choice, check_positive, option

NMS_KINDS = ("per_class", "keras_hub")
MODELS = ("single_stage", "two_stage", "sliding_window")
ROI_KINDS = ("pool", "align")


def parse_floats(text, name):
    try:
        values = [float(item) for item in str(text).split(",") if item.strip()]
    except ValueError:
        raise ValueError(f"{name} must be comma-separated numbers, got {text!r}") from None
    if not values or min(values) <= 0:
        raise ValueError(f"{name} must hold positive numbers, got {text!r}")
    return values


@dataclass
class DetectorConfig(TrainConfig):
    """Options of `python -m apps.detector train`."""

    epochs: int | None = option(None, "maximum epochs (default: from --steps and the data; 12 for the scenes)")
    steps: int | None = option(None, "budget in optimizer steps; sets --epochs when that is not given "
                               "(default: from the data)")
    batch_size: int = option(16, "images per batch (per worker; default: from the data)")
    learning_rate: float = option(2e-3, "peak learning rate (Adam, warm-up then cosine decay)")
    warmup_fraction: float | None = option(None, "fraction of the steps of linear learning-rate warm-up "
                                           "(default: from the data)")
    patience: int = option(8, "early-stopping patience in epochs on val_map (0: off; default: from the data)")
    image_size: int | None = option(None, "square input size; default 64 for the generated scenes, 128 for files")
    num_scenes: int = option(1800, "generated scenes of the default data")
    classes: str | None = option(None, "comma-separated class names of a real data set; other names are bad input")
    model: str = option("single_stage", "single_stage (RetinaNet-style), two_stage (Faster R-CNN: RPN, "
                        "RoI pooling, box head) or sliding_window (a crop classifier slid over the image)", MODELS)
    backbone: str = option("vgg", "backbone from the shared registry", tuple(BACKBONES))
    preset: str | None = option(None, "a keras-hub backbone preset name or folder (e.g. written by --save-backbone)")
    weights: str = option("none", "backbone weights: none, imagenet, or a .weights.h5/.keras file")
    width: int = option(12, "base filters of the built-in backbones")
    min_level: int = option(2, "finest pyramid level (stride 2**level; default: fitted to the boxes)")
    max_level: int = option(4, "coarsest pyramid level (default: fitted to the boxes)")
    num_scales: int = option(2, "anchor scales per level (2**(i/num_scales))")
    aspect_ratios: str = option("0.5,1.0,2.0", "anchor aspect ratios height/width, comma-separated "
                                "(default: fitted to the boxes)")
    anchor_size: float = option(2.0, "anchor side in strides of its level (default: fitted to the boxes)")
    fpn_filters: int = option(48, "channels of the feature pyramid")
    head_convs: int = option(1, "3x3 convolutions of each head before its output")
    positive_iou: float = option(0.5, "an anchor with IoU >= this with a box learns that box")
    negative_iou: float = option(0.4, "an anchor with IoU < this with every box is background")
    focal_gamma: float = option(2.0, "focal loss focusing parameter gamma")
    focal_alpha: float = option(0.25, "focal loss weight of object anchors (background: 1 - alpha)")
    score_threshold: float = option(0.05, "lowest score a detection keeps")
    iou_threshold: float = option(0.5, "non-maximum suppression IoU threshold")
    max_detections: int = option(100, "detections per image after NMS")
    nms: str = option("per_class", "per_class (tf.image.combined_non_max_suppression) or keras_hub (class-agnostic)", NMS_KINDS)
    proposals: int = option(64, "two_stage: RPN proposals kept per image after NMS while training")
    test_proposals: int = option(32, "two_stage: RPN proposals kept per image at inference")
    rpn_samples: int = option(128, "two_stage: anchors per image in the RPN's losses (at most half objects)")
    roi: str = option("pool", "two_stage: pool (the shared RoiPooling, Fast R-CNN) or align (bilinear crops)",
                      ROI_KINDS)
    roi_size: int = option(7, "two_stage: side of the pooled feature of each region")
    roi_channels: int = option(16, "two_stage: channels of the map the regions are pooled from (a 1x1 "
                               "convolution of the finest pyramid level; 0: the level itself)")
    roi_samples: int = option(32, "two_stage: regions per image the box head learns on (at most 1/4 objects)")
    window_size: int = option(16, "sliding_window: side of the crops the classifier sees")
    augment: bool = option(True, "random flips, scale/crop and colour changes that keep boxes right")
    map_images: int = option(200, "validation images scored with COCO mAP after every epoch")
    save_backbone: str | None = option(None, "write the trained backbone as a keras-hub preset folder (or a .keras file)")

    def __post_init__(self):
        super().__post_init__()
        check_choice(self, "backbone")
        check_choice(self, "nms")
        check_choice(self, "model")
        check_choice(self, "roi")
        for name in ("num_scenes", "width", "num_scales", "anchor_size", "fpn_filters",
                     "max_detections", "map_images", "proposals", "test_proposals", "rpn_samples",
                     "roi_size", "roi_samples", "window_size"):
            check_positive(self, name)
        check_positive(self, "head_convs", allow_zero=True)
        check_positive(self, "roi_channels", allow_zero=True)
        if self.image_size is not None and (self.image_size < 32 or self.image_size % 2**self.max_level):
            raise ValueError(f"image_size must be >= 32 and a multiple of 2**max_level, got {self.image_size!r}")
        if not 1 <= self.min_level <= self.max_level <= 7:
            raise ValueError(f"levels must satisfy 1 <= min_level <= max_level <= 7, got "
                             f"{self.min_level!r}..{self.max_level!r}")
        parse_floats(self.aspect_ratios, "aspect_ratios")
        for name in ("positive_iou", "negative_iou", "score_threshold", "iou_threshold", "focal_alpha"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)!r}")
        if self.negative_iou > self.positive_iou:
            raise ValueError(f"negative_iou must be <= positive_iou, got {self.negative_iou!r}")
        check_positive(self, "focal_gamma", allow_zero=True)
        if self.model == "two_stage" and self.roi_samples > self.proposals:
            raise ValueError(f"roi_samples must be <= proposals, got {self.roi_samples!r} > {self.proposals!r}")
        if self.model == "two_stage" and self.nms != "per_class":
            raise ValueError(f"the two_stage model's NMS is per class (class-specific boxes), got nms {self.nms!r}")
        if self.steps is not None:
            check_positive(self, "steps")
        if self.warmup_fraction is not None and not 0.0 <= self.warmup_fraction < 1.0:
            raise ValueError(f"warmup_fraction must be in [0, 1), got {self.warmup_fraction!r}")

    @property
    def class_list(self):
        return [name.strip() for name in self.classes.split(",") if name.strip()] if self.classes else None

    @property
    def ratios(self):
        return parse_floats(self.aspect_ratios, "aspect_ratios")

    @property
    def anchors_per_location(self):
        return self.num_scales * len(self.ratios)

    @property
    def pretrained(self):
        return bool(self.preset) or self.weights != "none"
