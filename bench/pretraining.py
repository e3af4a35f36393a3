"""Autoencoder pre-training when labels are few (the course's use of autoencoders).

`python -m bench pretraining`:
1. the GAN app trains its convolutional autoencoder on every training image
   of the default digits, without their labels (`--model autoencoder`);
2. `export-encoder` writes the encoder's `vgg` backbone as a preset folder;
3. a folder data set in the classifier's format is written from the same
   split: LABELS_PER_CLASS labelled training images per class,
   VALIDATION_PER_CLASS for validation, and the GAN app's test split (which
   the autoencoder never saw) as `test/`;
4. the classifier trains twice at an equal budget of EPOCHS epochs: from
   the preset (frozen encoder + new head, then fine-tuning at a 10x lower
   learning rate, HEAD_EPOCHS + the rest) and from scratch, the same `vgg`
   backbone at the same width, randomly initialised.
Both without augmentation (a horizontal flip, on for folders, turns
digits into other shapes), early stopping off. Repeated over SEEDS (the
labelled subset, the initial weights and the data order change with the
seed); reported: the test accuracy of both per seed and their means.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

LABELS_PER_CLASS = 10
VALIDATION_PER_CLASS = 5
EPOCHS = 40
HEAD_EPOCHS = 20
SEEDS = (0, 1, 2)


def write_folder(root, images, labels):
    """PNG files in `root/<class>/` (the classifier's folder format)."""
    from PIL import Image

    for index, (image, label) in enumerate(zip(images, labels)):
        folder = Path(root) / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        pixels = np.clip(np.rint(image[..., 0]), 0, 255).astype("uint8")
        Image.fromarray(pixels, mode="L").save(folder / f"{index:05d}.png")


def few_labels(data, root, seed):
    """train/ (few per class), val/, test/ folders from the GAN app's split."""
    rng = np.random.default_rng(seed)
    picked = {"train": [], "val": []}
    for label in np.unique(data.y_train):
        members = rng.permutation(np.flatnonzero(data.y_train == label))
        picked["train"].extend(members[:LABELS_PER_CLASS])
        picked["val"].extend(members[LABELS_PER_CLASS:LABELS_PER_CLASS + VALIDATION_PER_CLASS])
    for split, indices in picked.items():
        write_folder(Path(root) / split, data.x_train[indices], data.y_train[indices])
    write_folder(Path(root) / "test", data.x_test, data.y_test)
    return {split: len(indices) for split, indices in picked.items()} | {"test": len(data.y_test)}


def classifier(root, run_dir, seed, extra):
    from apps.classifier import main

    common = ["train", "--data", str(root), "--image-size", "16", "--channels", "1", "--no-augment",
              "--patience", "0", "--seed", str(seed), "--run-dir", str(run_dir)]
    return main([*common, *extra])["test"]["accuracy"]


def run(args):
    from apps.gan import main as gan_main
    from apps.gan.config import GanConfig
    from apps.gan.data import load_data

    root = Path(tempfile.mkdtemp(prefix="bench-pretraining-"))
    config = GanConfig(model="autoencoder")
    autoencoder = gan_main(["train", "--model", "autoencoder", "--run-dir", str(root / "autoencoder")])
    preset = gan_main(["export-encoder", "--run", str(root / "autoencoder"), str(root / "encoder")])["path"]
    data = load_data(config)
    result = {"labels_per_class": LABELS_PER_CLASS, "validation_per_class": VALIDATION_PER_CLASS,
              "epochs": EPOCHS, "autoencoder_seconds": autoencoder["seconds"],
              "autoencoder_reconstruction_mse": autoencoder["test"]["reconstruction_mse"],
              "width": config.width, "seeds": list(SEEDS), "runs": []}
    for seed in SEEDS:
        folder = root / f"digits-{seed}"
        sizes = few_labels(data, folder, seed)
        pretrained = classifier(folder, root / f"pretrained-{seed}", seed, [
            "--preset", preset, "--epochs", str(HEAD_EPOCHS), "--fine-tune-epochs", str(EPOCHS - HEAD_EPOCHS)])
        scratch = classifier(folder, root / f"scratch-{seed}", seed, [
            "--backbone", "vgg", "--width", str(config.width), "--epochs", str(EPOCHS)])
        result["runs"].append({"seed": seed, "images": sizes, "pretrained_accuracy": round(pretrained, 4),
                               "scratch_accuracy": round(scratch, 4)})
    for side in ("pretrained", "scratch"):
        values = [r[f"{side}_accuracy"] for r in result["runs"]]
        result[f"{side}_accuracy_mean"] = round(float(np.mean(values)), 4)
        result[f"{side}_accuracy_std"] = round(float(np.std(values)), 4)
    result["pretrained_wins"] = sum(r["pretrained_accuracy"] > r["scratch_accuracy"] for r in result["runs"])
    return result
