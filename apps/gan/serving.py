"""The verbs that start from a run folder: evaluate, sample, reconstruct, export."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from apps.gan import autoencoder as ae
from apps.gan.data import load_data
from apps.gan.inference import grid, load_scorer, open_run, quality, save_png
from shared.backbones import save_backbone
from shared.cli import add_run_argument
from shared.data import BadInputs, list_input_files, read_images
from shared.errors import UsageError
from shared.export import export_saved_model
from shared.records import read_json, write_json

log = logging.getLogger("annsuite")


def evaluate_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--data", help="score against the held-out split of this data set instead")
    parser.add_argument("--samples", type=int, help="generated images (default: the run's --fid-samples)")


def evaluate(args):
    """FID, KID and class coverage of the run's samples; updates metrics.json."""
    trained = open_run(args.run)
    config = trained.config
    config.skip_bad = args.skip_bad
    data = load_data(config, args.data) if args.data else load_data(config)
    real = data.x_test
    if real.shape[1:] != tuple(trained.meta["image_shape"]):
        raise UsageError(f"--data {args.data}: images of {real.shape[1:]} do not fit the run's "
                         f"{tuple(trained.meta['image_shape'])}")
    scorer = load_scorer(trained.path, real, data.x_train)
    test = quality(trained.generator, scorer, args.samples or config.fid_samples, seed=config.seed)
    path = trained.path / "metrics.json"
    metrics = read_json(path) if path.is_file() else {"seconds": 0.0, "epochs": 0}
    metrics["test"] = {**metrics.get("test", {}), **test}
    write_json(path, metrics)
    log.info("FID %.3f (real-vs-real %.3f), KID %.4f, class coverage %.3f", test["fid"],
             test["fid_real_baseline"], test["kid"], test["class_coverage"])
    return metrics


def sample_arguments(parser):
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("--n", type=int, default=64, help="number of images")
    parser.add_argument("--out", help="PNG grid (default: <run>/figures/sample.png)")
    parser.add_argument("--individual", metavar="DIR", help="also one PNG per image in DIR")
    parser.add_argument("--label", type=int, help="class of every image (conditional DCGAN)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise")


def sample(args):
    """Generate `--n` images: a grid PNG, and optionally one PNG each."""
    if args.n < 1:
        raise UsageError(f"--n must be >= 1, got {args.n}")
    trained = open_run(args.run)
    generator = trained.generator
    labels = None
    if args.label is not None:
        if not generator.num_classes or not 0 <= args.label < generator.num_classes:
            raise UsageError(f"--label {args.label}: needs a conditional run with that class")
        labels = np.full(args.n, args.label, "int32")
    images = generator.generate(args.n, seed=args.seed, labels=labels)
    out = save_png(grid(images), args.out or trained.path / "figures" / "sample.png")
    files = []
    if args.individual:
        files = [str(save_png(image.clip(0, 255), Path(args.individual) / f"sample-{i:04d}.png"))
                 for i, image in enumerate(images)]
    print(out)
    return {"grid": str(out), "files": files, "count": int(args.n)}


def reconstruct_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    parser.add_argument("--out", help="folder of reconstructions (default: <run>/reconstructions)")


def reconstruct(args):
    """Autoencoder: write `<name>.png` reconstructions of image files."""
    trained = open_run(args.run)
    if trained.config.model != "autoencoder":
        raise UsageError(f"{args.run}: reconstruct needs an autoencoder run (this one is a DCGAN)")
    size, _, channels = trained.meta["image_shape"]
    bad = BadInputs(args.skip_bad)
    images, kept = read_images(list_input_files(args.inputs), size, channels, bad)
    bad.summary()
    if not kept:
        raise UsageError("no readable input images")
    output = trained.generator.model.predict(images, verbose=0) * 255.0
    out = Path(args.out or trained.path / "reconstructions")
    files = [str(save_png(np.round(o), out / f"{Path(p).stem}.png")) for o, p in zip(output, kept)]
    mse = float(np.mean((output - images) ** 2) / 255.0 ** 2)
    print(f"{len(files)} reconstruction(s) in {out}, mean squared error {mse:.5f}")
    return {"files": files, "mse": mse}


def export_arguments(parser):
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("--out", help="SavedModel folder (default: <run>/saved_model)")


def to_uint8(images):
    import tensorflow as tf

    return tf.cast(tf.clip_by_value(tf.round(images), 0.0, 255.0), tf.uint8)


def export_generator(trained, out):
    import tensorflow as tf

    generator = trained.generator
    network = generator.model.ema_generator
    codes = generator.codes(8, seed=0)
    labels = np.arange(8, dtype="int32") % max(1, generator.num_classes)
    signature = [tf.TensorSpec([None, generator.latent_dim], tf.float32, name="noise")]
    if generator.num_classes:
        signature.append(tf.TensorSpec([None], tf.int32, name="label"))

        def serve(noise, label):
            return {"images": to_uint8((network([noise, label], training=False) + 1.0) * 127.5)}
        examples = {"noise": codes, "label": labels}
    else:
        def serve(noise):
            return {"images": to_uint8((network(noise, training=False) + 1.0) * 127.5)}
        examples = {"noise": codes}
    expected = {"images": serve(*examples.values())["images"].numpy()}
    return export_saved_model([network], serve, signature, out, examples, expected, tolerance=1.0)


def export_autoencoder(trained, out):
    import tensorflow as tf

    encoder, decoder, _ = ae.parts(trained.generator.model)
    shape = trained.meta["image_shape"]
    images = trained.generator.generate(8, seed=0)
    codes = trained.generator.codes(8, seed=0)

    def encode(image):
        result = encoder(image, training=False)
        return {"code": result[0] if isinstance(result, (list, tuple)) else result}

    def decode(code):
        return {"images": to_uint8(decoder(code, training=False) * 255.0)}

    first = export_saved_model([encoder], encode, [tf.TensorSpec([None, *shape], tf.float32, name="image")],
                               Path(out) / "encoder", {"image": images}, {"code": encode(images)["code"].numpy()})
    second = export_saved_model([decoder], decode, [tf.TensorSpec([None, codes.shape[1]], tf.float32, name="code")],
                                Path(out) / "decoder", {"code": codes}, {"images": decode(codes)["images"].numpy()},
                                tolerance=1.0)
    return {"encoder": first, "decoder": second}


def export(args):
    """SavedModel(s): the generator (noise -> uint8), or the encoder and decoder."""
    trained = open_run(args.run)
    out = Path(args.out or trained.path / "saved_model")
    if trained.config.model == "dcgan":
        return export_generator(trained, out)
    return export_autoencoder(trained, out)


def export_encoder_arguments(parser):
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("out", metavar="DIR", help="preset folder for `apps.classifier train --preset DIR`")


def export_encoder(args):
    """The autoencoder's convolutional backbone as a keras-hub preset folder."""
    trained = open_run(args.run)
    if trained.config.model != "autoencoder":
        raise UsageError(f"{args.run}: export-encoder needs an autoencoder run (this one is a DCGAN)")
    backbone = ae.parts(trained.generator.model)[2]
    path = save_backbone(backbone, args.out)
    size, _, channels = trained.meta["image_shape"]
    print(f"{path}  (use: python -m apps.classifier train --preset {path} "
          f"--image-size {size} --channels {channels})")
    return {"path": str(path), "image_size": size, "channels": channels}
