"""evaluate, predict and export: everything that starts from a run folder."""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import sys
from pathlib import Path

import numpy as np

from apps.classifier.config import ClassifierConfig
from apps.classifier.data import load_data, load_eval_data, read_inputs
from shared.export import export_saved_model
from shared.records import read_json, write_json
from shared.training import load_best_model, load_run

log = logging.getLogger("annsuite")


@dataclasses.dataclass
class TrainedRun:
    """A finished run: its folder, config, classes and model."""

    path: Path
    config: ClassifierConfig
    class_names: list
    model: object

    @property
    def image_size(self):
        return self.config.image_size

    @property
    def channels(self):
        return self.config.channels


def open_run(run_dir, skip_bad=False):
    """Load config, labels and the best model of a run folder."""
    saved = load_run(run_dir)["config"]
    labels = read_json(Path(run_dir) / "labels.json")
    config = dataclasses.replace(ClassifierConfig(**saved), image_size=labels["image_size"],
                                 channels=labels["channels"], skip_bad=skip_bad)
    return TrainedRun(Path(run_dir), config, labels["class_names"], load_best_model(run_dir))


def evaluate(args):
    """Accuracy on the run's held-out test split, or on all of --data."""
    trained = open_run(args.run, args.skip_bad)
    if args.data:
        x, y = load_eval_data(trained.config, args.data, trained.class_names)
    else:
        data = load_data(trained.config)
        x, y = data.x_test, data.y_test
    probabilities = trained.model.predict(x, batch_size=256, verbose=0)
    predicted = probabilities.argmax(axis=1)
    loss = float(-np.mean(np.log(np.clip(probabilities[np.arange(len(y)), y], 1e-7, 1.0))))
    result = {"test": {"accuracy": float(np.mean(predicted == y)), "loss": loss, "examples": len(y)},
              "data": args.data or "held-out test split"}
    write_json(trained.path / "evaluation.json", result)
    log.info("evaluation: %s", result["test"])
    return result


def predict(args):
    """Label image files and folders: CSV of file, label, probability."""
    trained = open_run(args.run, args.skip_bad)
    images, paths = read_inputs(args.inputs, trained.image_size, trained.channels, args.skip_bad)
    probabilities = trained.model.predict(images, batch_size=256, verbose=0)
    rows = [{"file": str(path), "label": trained.class_names[int(p.argmax())],
             "probability": round(float(p.max()), 6)} for path, p in zip(paths, probabilities)]
    out = Path(args.out) if args.out else trained.path / "predictions.csv"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["file", "label", "probability"])
    writer.writeheader()
    writer.writerows(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text.getvalue(), encoding="utf-8")
    sys.stdout.write(text.getvalue())
    return {"predictions": rows, "path": str(out)}


def encode_png(image):
    from PIL import Image

    array = np.clip(np.round(image), 0, 255).astype("uint8")
    buffer = io.BytesIO()
    Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(buffer, format="PNG")
    return buffer.getvalue()


def serving_function(model, class_names, size, channels):
    """Encoded image bytes -> probabilities, class ids, labels (in-graph)."""
    import tensorflow as tf

    names = tf.constant(class_names)

    def decode(data):
        image = tf.io.decode_image(data, channels=channels, expand_animations=False)
        image = tf.image.resize(tf.cast(image, tf.float32), (size, size), method="bilinear")
        return tf.ensure_shape(image, (size, size, channels))

    def serve(image_bytes):
        images = tf.map_fn(decode, image_bytes, fn_output_signature=tf.float32)
        probabilities = model(images, training=False)
        class_id = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {"probabilities": probabilities, "class_id": class_id,
                "label": tf.gather(names, class_id), "probability": tf.reduce_max(probabilities, -1)}

    return serve


def export(args):
    """SavedModel serving encoded image bytes, verified on test images."""
    import tensorflow as tf

    trained = open_run(args.run)
    data = load_data(trained.config)
    x = data.x_test[:8] if len(data.x_test) else data.x_val[:8]
    x = np.clip(np.round(x), 0, 255)  # the pixels a PNG round trip keeps
    probabilities = trained.model.predict(x, verbose=0)
    expected = {"probabilities": probabilities, "class_id": probabilities.argmax(axis=1),
                "label": np.array([trained.class_names[i] for i in probabilities.argmax(axis=1)])}
    serve = serving_function(trained.model, trained.class_names, trained.image_size, trained.channels)
    return export_saved_model(
        [trained.model], serve, [tf.TensorSpec([None], tf.string, name="image_bytes")],
        Path(args.out) if args.out else trained.path / "saved_model",
        examples={"image_bytes": np.array([encode_png(image) for image in x], dtype=object)},
        expected=expected)
