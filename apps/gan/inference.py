"""Using a trained model: generate, grids, interpolations, reconstructions, figures.

Every image here is float32 in [0, 255] (NHWC) unless named uint8.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from apps.gan import autoencoder as ae
from apps.gan.serving import class_names_of, generate, image_spec
from shared.callbacks import SummaryWriterCallback
from shared.data import read_image_files
from shared.distribute import predict
from shared.errors import UsageError
from shared.images import save_png

GRID_TILE = 64  # pixels of one image in a grid, at least
GRID_COUNT = 64  # images of the sample grids


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
    """The Generator of a network being trained: the autoencoder's code Gaussian fitted to `images`."""
    if config.model == "dcgan":
        return Generator(model, "dcgan", num_classes if config.conditional else 0)
    if images is None:
        return Generator(model, "autoencoder")
    mean, cov = code_statistics(model, images, config.variational)
    return Generator(model, "autoencoder", code_mean=mean, code_cov=cov)


def class_labels(num_classes, label, count):
    """The classes of `count` images: all `label`, or cycling (conditional), or None."""
    if label is None:
        return np.arange(count, dtype="int32") % num_classes if num_classes else None
    if not num_classes or not 0 <= label < num_classes:
        raise UsageError(f"--label {label}: needs a conditional run with that class")
    return np.full(count, label, "int32")


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


def reconstruct(model, images):
    """An autoencoder's reconstructions of images [0, 255], in [0, 255]."""
    return predict(model, images) * 255.0


def noise_seeds(inputs):
    """Integer noise seeds from predict's inputs (UsageError otherwise)."""
    seeds = []
    for value in inputs:
        try:
            seed = int(str(value))
        except ValueError:
            raise UsageError(f"INPUT {value!r}: a DCGAN run takes noise seeds (integers >= 0)") from None
        if not 0 <= seed < 2 ** 63:
            raise UsageError(f"INPUT {value!r}: noise seeds are integers from 0 to 2**63 - 1")
        seeds.append(seed)
    return seeds


def generate_files(model, seeds, label, folder):
    """One image per noise seed (model.keras) as `<folder>/seed-<seed>[-class-<label>].png`:
    rows of seed, (label,) file."""
    labels = class_labels(len(class_names_of(model)), label, len(seeds))
    images = generate(model, seeds, labels)["images"]
    rows = []
    for index, (seed, image) in enumerate(zip(seeds, images)):
        row, name = {"seed": seed}, f"seed-{seed}"
        if labels is not None:
            row["label"] = int(labels[index])
            name += f"-class-{row['label']}"
        row["file"] = str(save_png(image, Path(folder) / f"{name}.png"))
        rows.append(row)
    return rows


def reconstruct_files(model, inputs, folder, skip_bad=False):
    """Reconstructions (model.keras) of image files (folders expanded) as `<folder>/<stem>.png`.

    Returns rows of file, reconstruction, mse (in [0, 1] units) and the
    mean squared error over all of them; UsageError when none is readable.
    """
    encoded, kept = read_image_files(inputs, image_spec(model)[1], skip_bad)
    if not kept:
        raise UsageError("no readable input images")
    outputs = model.predict(tf.constant(list(encoded)), batch_size=256, verbose=0)
    rows = [{"file": str(path), "reconstruction": str(save_png(image, Path(folder) / f"{Path(path).stem}.png")),
             "mse": round(float(error), 6)} for path, image, error in zip(kept, outputs["images"], outputs["mse"])]
    return rows, float(np.mean(outputs["mse"]))


def epoch_images(generator_of, x_fixed):
    """make_images(model, epoch) for ImageLogger: samples of fixed noise (and reconstructions)."""

    def make_images(model, epoch):
        generator = generator_of(model)
        images = {"samples": grid(generator.generate(GRID_COUNT, seed=1))}
        if generator.kind == "autoencoder":
            pairs = np.stack([x_fixed, reconstruct(model, x_fixed)], axis=1)
            images["reconstructions"] = grid(pairs.reshape(-1, *x_fixed.shape[1:]))
        return images

    return make_images


def write_figures(run_path, generator, step):
    """Sample grid and latent interpolation strip: PNGs and a TensorBoard image."""
    run_path = Path(run_path)
    samples = grid(generator.generate(GRID_COUNT, seed=1))
    strip = grid(interpolation(generator), columns=10)
    save_png(samples, run_path / "figures" / "samples.png")
    save_png(strip, run_path / "figures" / "interpolation.png")
    writer = SummaryWriterCallback(run_path, subdir="train")
    writer.write_images({"interpolation": strip}, step=step)
    writer.close_writers()
