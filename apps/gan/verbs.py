"""The GAN's own verbs on a trained run: sample, reconstruct, export-encoder.

Each takes the App (for `load`) and the parsed arguments, and returns the
verb's result dict; `extra_verbs(app)` declares them for the command line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from apps.gan import autoencoder as ae
from apps.gan.arguments import export_encoder_arguments, reconstruct_arguments, sample_arguments
from apps.gan.inference import Generator, class_labels, grid, reconstruct_files
from apps.gan.serving import class_names_of, code_gaussian, generate, image_spec
from shared.backbones import save_backbone
from shared.cli import Verb
from shared.errors import UsageError
from shared.images import save_png


def run_generator(trained):
    """The Generator that scores a trained run: the DCGAN's best network (the classes of its
    model.keras); the decoder and code Gaussian of the autoencoder's model.keras."""
    if trained.config.model == "dcgan":
        return Generator(trained.network, "dcgan", len(class_names_of(trained.model)))
    mean, cov = code_gaussian(trained.model)
    return Generator(trained.model, "autoencoder", code_mean=mean, code_cov=cov)


def sample_verb(app, args):
    """Generate `--n` images: a grid PNG, and optionally one PNG each.

    DCGAN: image i is that of noise seed `--seed` + i (`predict`'s); autoencoder:
    codes drawn from the code Gaussian with `--seed`."""
    if args.n < 1:
        raise UsageError(f"--n must be >= 1, got {args.n}")
    trained = app.load(args.run)
    if trained.config.model == "dcgan":
        labels = class_labels(len(class_names_of(trained.model)), args.label, args.n)
        images = generate(trained.model, args.seed + np.arange(args.n), labels)["images"]
    else:
        images = run_generator(trained).generate(args.n, seed=args.seed, labels=None)
    out = save_png(grid(images), args.out or trained.path / "figures" / "sample.png")
    files = []
    if args.individual:
        files = [str(save_png(image, Path(args.individual) / f"sample-{i:04d}.png"))
                 for i, image in enumerate(images)]
    sys.stdout.write(f"{out}\n")
    return {"grid": str(out), "files": files, "count": int(args.n)}


def autoencoder_run(app, run_dir, verb):
    trained = app.load(run_dir)
    if trained.config.model != "autoencoder":
        raise UsageError(f"{run_dir}: {verb} needs an autoencoder run (this one is a DCGAN)")
    return trained


def reconstruct_verb(app, args):
    """Autoencoder: write `<name>.png` reconstructions of image files."""
    trained = autoencoder_run(app, args.run, "reconstruct")
    out = Path(args.out or trained.path / "reconstructions")
    rows, mse = reconstruct_files(trained.model, args.inputs, out, args.skip_bad)
    sys.stdout.write(f"{len(rows)} reconstruction(s) in {out}, mean squared error {mse:.5f}\n")
    return {"files": [row["reconstruction"] for row in rows], "mse": mse}


def export_encoder_verb(app, args):
    """The autoencoder's convolutional backbone as a keras-hub preset folder."""
    trained = autoencoder_run(app, args.run, "export-encoder")
    path = save_backbone(ae.parts(trained.model)[2], args.out)
    size, channels = image_spec(trained.model)
    sys.stdout.write(f"{path}  (use: python -m apps.classifier train --preset {path} "
                     f"--image-size {size} --channels {channels})\n")
    return {"path": str(path), "image_size": size, "channels": channels}


def extra_verbs(app):
    """sample, reconstruct and export-encoder, bound to `app`."""
    return [
        Verb("sample", "a PNG grid of new images (and one PNG each)",
             lambda args: sample_verb(app, args), sample_arguments),
        Verb("reconstruct", "autoencoder: reconstructions of image files",
             lambda args: reconstruct_verb(app, args), reconstruct_arguments),
        Verb("export-encoder", "autoencoder: the encoder's backbone as a keras-hub preset folder",
             lambda args: export_encoder_verb(app, args), export_encoder_arguments),
    ]
