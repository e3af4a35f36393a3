"""The GAN app's training options."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import TrainConfig, check_choice, check_positive, option

MODELS = ("dcgan", "autoencoder")
DEFAULT_STEPS = 2300  # the DCGAN's budget on the built-in digits, in training steps (apps/gan/defaults.py)
DEFAULT_AUTOENCODER_EPOCHS = 60
UPSAMPLINGS = ("transposed", "resize")
AUGMENT_POLICIES = ("translation,cutout", "translation", "cutout", "none")


@dataclass
class GanConfig(TrainConfig):
    """Options of `python -m apps.gan train`."""

    model: str = option("dcgan", "dcgan (generator + discriminator) or autoencoder", MODELS)
    epochs: int | None = option(None, "training epochs; default: the DCGAN's budget in steps from the image size and count (2,300 steps = 100 epochs of the 16x16 digits at batch 64; 4,600 = 37 epochs of 8,000 28x28 MNIST images), autoencoder 60 epochs")
    batch_size: int = option(64, "images per batch (per worker)")
    learning_rate: float = option(2e-4, "Adam learning rate of both networks (DCGAN) or of the autoencoder")
    patience: int = option(0, "early-stopping patience on the monitored metric (0: off)")
    image_size: int | None = option(None, "square image size, a multiple of 4; default 16 for digits/shapes, 28 for IDX, 32 otherwise")
    channels: int | None = option(None, "1 or 3; default 1 for digits, shapes and IDX, 3 for folders")
    latent_dim: int = option(32, "size of the noise vector (DCGAN) or of the bottleneck (autoencoder)")
    width: int = option(32, "base number of filters of every network")
    label_smoothing: float = option(0.1, "one-sided label smoothing of the discriminator's real targets")
    conditional: bool = option(False, "class-conditional DCGAN (needs labels)")
    ema_decay: float = option(0.99, "decay of the moving average of generator weights used for sampling (0: off)")
    dropout: float = option(0.1, "dropout of the discriminator")
    minibatch_std: bool = option(False, "DCGAN: the discriminator also sees the standard deviation over its batch (catches a generator that repeats itself)")
    lr_decay: bool = option(False, "DCGAN: both learning rates fall linearly to zero over the run")
    upsampling: str = option("resize", "generator upsampling: transposed (stride-2 transposed convolutions) or resize (bilinear resize + 3x3 convolution, no checkerboard artefacts)", UPSAMPLINGS)
    diff_augment: str = option("none", "DCGAN: the discriminator sees real and generated images through the same random augmentations (DiffAugment), so that it cannot memorise a small data set; none: off", AUGMENT_POLICIES)
    denoising: float = option(0.0, "autoencoder: std of Gaussian noise added to inputs (in [0, 1] units)")
    variational: bool = option(False, "autoencoder: a VAE whose decoder can be sampled")
    fid_every: int = option(5, "compute FID/KID/coverage every N epochs (and at the first)")
    fid_samples: int = option(500, "generated images per FID evaluation")
    feature_epochs: int = option(10, "epochs of the small classifier whose features FID uses")
    fid_backbone: str | None = option(None, "a keras.applications ImageNet backbone for FID features (needs its weights locally)")

    def __post_init__(self):
        super().__post_init__()
        check_choice(self, "model")
        check_choice(self, "diff_augment")
        check_choice(self, "upsampling")
        for name in ("latent_dim", "width", "fid_every", "fid_samples", "feature_epochs"):
            check_positive(self, name)
        if self.image_size is not None and (self.image_size < 8 or self.image_size % 4):
            raise ValueError(f"image_size must be a multiple of 4, >= 8; got {self.image_size!r}")
        if self.channels not in (None, 1, 3):
            raise ValueError(f"channels must be 1 or 3, got {self.channels!r}")
        for name in ("label_smoothing", "ema_decay", "dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if not 0.0 <= self.denoising <= 1.0:
            raise ValueError(f"denoising must be in [0, 1], got {self.denoising!r}")

