"""evaluate, predict and export: everything that starts from a run folder."""

from __future__ import annotations

import dataclasses
import io
import logging
import sys
from pathlib import Path

import numpy as np

from apps.segmenter import figures, losses  # noqa: F401 - registers the losses for loading
from apps.segmenter.config import SegmenterConfig
from apps.segmenter.data import load_data
from apps.segmenter.train import confusion, scores
from shared.data import BadInputs, list_input_files, read_image
from shared.errors import DataError, UsageError
from shared.export import export_saved_model
from shared.records import read_json, write_json
from shared.training import load_best_model, load_run

log = logging.getLogger("annsuite")


@dataclasses.dataclass
class TrainedRun:
    """A finished run: its folder, config, labels and model."""

    path: Path
    config: SegmenterConfig
    labels: dict
    model: object

    @property
    def class_names(self):
        return self.labels["class_names"]

    @property
    def image_size(self):
        return int(self.labels["image_size"])


def open_run(run_dir, skip_bad=False):
    """Load config, labels and the best model of a run folder."""
    saved = load_run(run_dir)["config"]
    labels = read_json(Path(run_dir) / "labels.json")
    config = dataclasses.replace(SegmenterConfig(**saved), image_size=labels["image_size"], skip_bad=skip_bad)
    return TrainedRun(Path(run_dir), config, labels, load_best_model(run_dir))


def evaluate(args):
    """mean IoU, pixel accuracy and per-class IoU on the test split or --data."""
    trained = open_run(args.run, args.skip_bad)
    config = trained.config
    if args.data:
        config = dataclasses.replace(config, data=args.data, max_train_samples=None)
    data = load_data(config)
    if data.class_names != trained.class_names:
        raise UsageError(f"--data {args.data}: classes {data.class_names} differ from the run's {trained.class_names}")
    x = np.concatenate([data.x_train, data.x_val, data.x_test]) if args.data else data.x_test
    y = np.concatenate([data.y_train, data.y_val, data.y_test]) if args.data else data.y_test
    test = scores(confusion(trained.model, x, y, len(trained.class_names), data.ignore_index), trained.class_names)
    result = {"test": {**test, "examples": len(x)}, "data": args.data or "held-out test split"}
    write_json(trained.path / "evaluation.json", result)
    log.info("evaluation: %s", result["test"])
    return result


def predict_full_size(model, image, size):
    """Probabilities (H, W, classes) of one image at its own size.

    The image is resized to the model's size (bilinear), segmented, and the
    probabilities resized back (bilinear): the same ops as the export.
    """
    import tensorflow as tf

    height, width = image.shape[:2]
    resized = tf.image.resize(np.asarray(image, "float32")[None], (size, size), method="bilinear")
    probabilities = model(resized, training=False)
    return tf.image.resize(probabilities, (height, width), method="bilinear")[0].numpy()


def save_png(path, array):
    from PIL import Image

    Image.fromarray(np.asarray(array, "uint8")).save(path)


def predict(args):
    """Colour mask and overlay PNGs of each image, at the image's size."""
    trained = open_run(args.run, args.skip_bad)
    out = Path(args.out) if args.out else trained.path / "predictions"
    out.mkdir(parents=True, exist_ok=True)
    colours = figures.palette(len(trained.class_names))
    bad, rows = BadInputs(args.skip_bad), []
    for path in list_input_files(args.inputs):
        try:
            image = read_image(path, 3)
        except DataError as error:
            bad.report(error)
            continue
        mask = predict_full_size(trained.model, image, trained.image_size).argmax(axis=-1)
        save_png(out / f"{path.stem}_mask.png", figures.colour_mask(mask, colours))
        save_png(out / f"{path.stem}_overlay.png", figures.overlay(image, mask, colours))
        shares = np.bincount(mask.ravel(), minlength=len(trained.class_names)) / mask.size
        rows.append({"file": str(path), "mask": str(out / f"{path.stem}_mask.png"),
                     "overlay": str(out / f"{path.stem}_overlay.png"),
                     "class_shares": {n: round(float(s), 4) for n, s in zip(trained.class_names, shares, strict=True)}})
        sys.stdout.write(f"{path}\t{rows[-1]['mask']}\t{rows[-1]['overlay']}\n")
    bad.summary()
    return {"predictions": rows, "path": str(out)}


def encode_png(image):
    buffer = io.BytesIO()
    from PIL import Image

    Image.fromarray(np.clip(np.round(image), 0, 255).astype("uint8")).save(buffer, format="PNG")
    return buffer.getvalue()


def serving_function(model, size):
    """Encoded image bytes (a batch of one size) -> mask and probabilities at that size."""
    import tensorflow as tf

    def decode(data):
        return tf.cast(tf.io.decode_image(data, channels=3, expand_animations=False), tf.float32)

    def serve(image_bytes):
        images = tf.map_fn(decode, image_bytes, fn_output_signature=tf.TensorSpec([None, None, 3], tf.float32))
        height, width = tf.shape(images)[1], tf.shape(images)[2]
        resized = tf.image.resize(images, (size, size), method="bilinear")
        probabilities = tf.image.resize(model(resized, training=False), tf.stack([height, width]),
                                        method="bilinear")
        return {"probabilities": probabilities,
                "mask": tf.argmax(probabilities, axis=-1, output_type=tf.int32)}

    return serve


def export(args):
    """SavedModel serving encoded image bytes, checked on test images."""
    import tensorflow as tf

    trained = open_run(args.run)
    data = load_data(trained.config)
    images = np.clip(np.round(data.x_test[:4] if len(data.x_test) else data.x_val[:4]), 0, 255)
    probabilities = np.stack([predict_full_size(trained.model, image, trained.image_size) for image in images])
    expected = {"probabilities": probabilities, "mask": probabilities.argmax(axis=-1)}
    return export_saved_model(
        [trained.model], serving_function(trained.model, trained.image_size),
        [tf.TensorSpec([None], tf.string, name="image_bytes")],
        Path(args.out) if args.out else trained.path / "saved_model",
        examples={"image_bytes": np.array([encode_png(image) for image in images], dtype=object)},
        expected=expected)
