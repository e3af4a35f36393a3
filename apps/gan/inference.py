"""Using a trained run: generate, score, grids, reconstructions, loading.

Every image here is float32 in [0, 255] (NHWC) unless named uint8.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras
import numpy as np

from apps.gan import autoencoder as ae
from apps.gan.config import GanConfig
from apps.gan.model import DCGAN  # noqa: F401 - registers the class for loading
from apps.gan.quality import Scorer
from shared.errors import UsageError
from shared.records import read_json
from shared.training import load_run

GRID_TILE = 64  # pixels of one image in a grid, at least


@dataclasses.dataclass
class Generator:
    """A trained model with what sampling needs: kind, classes, code statistics."""

    model: keras.Model
    kind: str
    num_classes: int = 0
    code_mean: np.ndarray | None = None
    code_cov: np.ndarray | None = None

    @property
    def latent_dim(self):
        if self.kind == "dcgan":
            return self.model.latent_dim
        return int(self.code_mean.shape[0])

    def codes(self, count, seed=0):
        """Noise (DCGAN) or codes drawn from the fitted code Gaussian (autoencoder)."""
        rng = np.random.default_rng(seed)
        if self.kind == "dcgan":
            return rng.standard_normal((count, self.latent_dim)).astype("float32")
        return rng.multivariate_normal(self.code_mean, self.code_cov, count).astype("float32")

    def decode(self, codes, labels=None):
        if self.kind == "dcgan":
            if self.num_classes and labels is None:
                labels = np.arange(len(codes), dtype="int32") % self.num_classes
            return self.model.sample(codes, labels)
        decoder = ae.parts(self.model)[1]
        return decoder.predict(codes, batch_size=256, verbose=0) * 255.0

    def generate(self, count, seed=0, labels=None):
        return self.decode(self.codes(count, seed), labels)


def code_statistics(model, images, variational):
    """Mean and covariance of the codes the decoder should be sampled from."""
    if variational:
        dim = ae.parts(model)[1].input_shape[-1]
        return np.zeros(dim), np.eye(dim)
    codes = ae.encode(model, images).astype("float64")
    return codes.mean(0), np.cov(codes, rowvar=False) + 1e-6 * np.eye(codes.shape[1])


def make_generator(model, config, images=None, num_classes=0):
    if config.model == "dcgan":
        return Generator(model, "dcgan", num_classes if config.conditional else 0)
    if images is None:  # statistics filled in by the caller (open_run: codes.json)
        return Generator(model, "autoencoder")
    mean, cov = code_statistics(model, images, config.variational)
    return Generator(model, "autoencoder", code_mean=mean, code_cov=cov)


def grid(images, columns=8, gap=4):
    """Tile images [0, 255] into one uint8 RGB picture, enlarged to >= GRID_TILE
    pixels, with `gap` grey pixels between tiles."""
    images = np.clip(np.asarray(images), 0, 255).astype("uint8")
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    count, height, width, _ = images.shape
    scale = max(1, GRID_TILE // height)
    images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    tile_h, tile_w = height * scale + gap, width * scale + gap
    rows = -(-count // columns)
    canvas = np.full((rows * tile_h - gap, min(count, columns) * tile_w - gap, 3), 128, "uint8")
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        canvas[row * tile_h:row * tile_h + height * scale,
               column * tile_w:column * tile_w + width * scale] = image
    return canvas


def interpolation(generator, steps=10, seed=0, start=None, end=None):
    """Images decoded along the line between two codes."""
    codes = generator.codes(2, seed)
    start = codes[0] if start is None else start
    end = codes[1] if end is None else end
    weights = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]
    labels = np.zeros(steps, "int32") if generator.num_classes else None
    return generator.decode((1 - weights) * start + weights * end, labels)


def save_png(array, path):
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.asarray(array, "uint8")
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(path)
    return path


@dataclasses.dataclass
class TrainedRun:
    path: Path
    config: GanConfig
    meta: dict
    generator: Generator


def open_run(run_dir):
    """Load a trained run: its config, data.json and best model."""
    path = Path(run_dir)
    config = GanConfig(**load_run(path)["config"])
    checkpoint = path / "checkpoints" / "best.keras"
    if not checkpoint.is_file() or not (path / "data.json").is_file():
        raise UsageError(f"{checkpoint}: no trained model in this run folder (train first)")
    meta = read_json(path / "data.json")
    model = keras.saving.load_model(checkpoint, safe_mode=True, compile=False)
    generator = make_generator(model, config, num_classes=len(meta["class_names"]))
    if config.model == "autoencoder":
        codes = read_json(path / "codes.json")
        generator.code_mean, generator.code_cov = np.asarray(codes["mean"]), np.asarray(codes["cov"])
    return TrainedRun(path, config, meta, generator)


def load_scorer(run_dir, real, reference):
    net = keras.saving.load_model(Path(run_dir) / "feature_net.keras", safe_mode=True)
    return Scorer(net, real, reference)


def quality(generator, scorer, count, seed=0):
    """FID, KID, class coverage of `count` samples, with the real-vs-real baseline."""
    scores = scorer.score(generator.generate(count, seed))
    return {**scores, **scorer.baseline(count, seed)}
