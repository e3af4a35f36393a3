"""evaluate, predict and export: everything that starts from a run folder."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import sys
from pathlib import Path

import numpy as np

import apps.detector.losses  # noqa: F401 - registers the losses the checkpoint names
from apps.detector import figures
from apps.detector.boxes import anchors_for, detect
from apps.detector.config import DetectorConfig
from apps.detector.data import Examples, load_data, load_files, read_inputs
from apps.detector.evaluation import evaluate_examples, predict_detections
from shared.data import BadInputs, list_input_files
from shared.export import export_saved_model
from shared.records import read_json, write_json
from shared.training import load_best_model, load_run

log = logging.getLogger("annsuite")


@dataclasses.dataclass
class TrainedRun:
    """A finished run: its folder, config, classes, image size, model, anchors."""

    path: Path
    config: DetectorConfig
    class_names: list
    image_size: int
    model: object
    anchors: np.ndarray


def open_run(run_dir, skip_bad=False):
    saved = load_run(run_dir)["config"]
    labels = read_json(Path(run_dir) / "labels.json")
    config = dataclasses.replace(DetectorConfig(**saved), image_size=labels["image_size"], skip_bad=skip_bad)
    return TrainedRun(Path(run_dir), config, labels["class_names"], labels["image_size"],
                      load_best_model(run_dir), anchors_for(config, labels["image_size"]))


def evaluate(args):
    """COCO metrics on the run's held-out test split, or on all of --data."""
    trained = open_run(args.run, args.skip_bad)
    if args.data:
        examples, _, skipped = load_files(args.data, trained.image_size, trained.class_names, args.skip_bad)
    else:
        examples, skipped = load_data(trained.config).test, 0
    metrics = evaluate_examples(trained.model, examples, trained.anchors, trained.config, trained.class_names)
    result = {"test": metrics, "data": args.data or "held-out test split", "skipped": skipped}
    write_json(trained.path / "evaluation.json", result)
    log.info("evaluation: mAP %.4f, mAP@0.5 %.4f on %d images", metrics["map"], metrics["map50"], len(examples))
    return result


def scaled(found, width, height, size):
    factor = np.array([width / size, height / size, width / size, height / size], "float32")
    return {**found, "boxes": found["boxes"] * factor}


def predict(args):
    """Draw boxes on image files; write detections.json (boxes in file pixels)."""
    trained = open_run(args.run, args.skip_bad)
    bad = BadInputs(args.skip_bad)
    paths = list_input_files(args.inputs)
    images, originals, kept = read_inputs(paths, trained.image_size, bad)
    bad.summary()
    out = Path(args.out) if args.out else trained.path / "predictions"
    out.mkdir(parents=True, exist_ok=True)
    found = predict_detections(trained.model, images, trained.anchors, trained.config)
    report = {}
    for path, original, image_found in zip(kept, originals, found):
        height, width = original.shape[:2]
        image_found = scaled(image_found, width, height, trained.image_size)
        keep = image_found["scores"] >= args.min_score
        report[str(path)] = [{"box": [round(float(v), 2) for v in box], "class": trained.class_names[int(label)],
                              "score": round(float(score), 4)}
                             for box, score, label in zip(image_found["boxes"][keep], image_found["scores"][keep],
                                                          image_found["classes"][keep])]
        picture = figures.draw_detections(original, image_found, trained.class_names, min_score=args.min_score)
        write_png(out / f"{Path(path).stem}.png", picture)
    write_json(out / "detections.json", report)
    sys.stdout.write(json.dumps(report, indent=1) + "\n")
    return {"detections": report, "path": str(out / "detections.json")}


def write_png(path, array):
    from PIL import Image

    Image.fromarray(array).save(path)


def encode_png(image):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.clip(np.round(image), 0, 255).astype("uint8")).save(buffer, format="PNG")
    return buffer.getvalue()


def serving_function(trained):
    """Encoded image bytes -> boxes (input pixels), scores, classes, labels."""
    import tensorflow as tf

    size, names = trained.image_size, tf.constant(trained.class_names)
    anchors = tf.constant(trained.anchors)

    def decode(data):
        image = tf.io.decode_image(data, channels=3, expand_animations=False)
        shape = tf.cast(tf.shape(image)[:2], tf.float32)
        image = tf.image.resize(tf.cast(image, tf.float32), (size, size), method="bilinear")
        return tf.ensure_shape(image, (size, size, 3)), shape

    def serve(image_bytes):
        images, shapes = tf.map_fn(decode, image_bytes, fn_output_signature=(tf.float32, tf.float32))
        found = detect(trained.model(images, training=False), anchors, size, trained.config)
        factor = tf.stack([shapes[:, 1], shapes[:, 0], shapes[:, 1], shapes[:, 0]], axis=1) / size
        labels = tf.where(found["classes"] >= 0, tf.gather(names, tf.maximum(found["classes"], 0)), "")
        return {"boxes": found["boxes"] * factor[:, None, :], "scores": found["scores"],
                "classes": found["classes"], "labels": labels, "num_detections": found["num_detections"]}

    return serve


def expected_outputs(trained, images):
    """What the Keras model and our NMS give on decoded images (S x S files)."""
    found = predict_detections(trained.model, images, trained.anchors, trained.config)
    limit = trained.config.max_detections
    result = {"boxes": np.zeros((len(images), limit, 4), "float32"), "scores": np.zeros((len(images), limit), "float32"),
              "classes": np.full((len(images), limit), -1, "int32"),
              "labels": np.full((len(images), limit), b"", dtype=object),
              "num_detections": np.array([len(f["scores"]) for f in found], "int32")}
    for index, image_found in enumerate(found):
        count = len(image_found["scores"])
        result["boxes"][index, :count] = image_found["boxes"]
        result["scores"][index, :count] = image_found["scores"]
        result["classes"][index, :count] = image_found["classes"]
        result["labels"][index, :count] = [trained.class_names[int(c)].encode() for c in image_found["classes"]]
    return result


def export(args):
    """SavedModel serving encoded image bytes, verified on test images."""
    import tensorflow as tf

    trained = open_run(args.run)
    data = load_data(trained.config)
    examples: Examples = data.test if len(data.test) else data.validation
    images = np.clip(np.round(examples.images[:8]), 0, 255)  # the pixels a PNG keeps
    return export_saved_model(
        [trained.model], serving_function(trained), [tf.TensorSpec([None], tf.string, name="image_bytes")],
        Path(args.out) if args.out else trained.path / "saved_model",
        examples={"image_bytes": np.array([encode_png(image) for image in images], dtype=object)},
        expected=expected_outputs(trained, images))
