"""The detector's App declaration: its hooks on the shared lifecycle."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import weakref
from pathlib import Path

import numpy as np

from apps.detector import explain, figures
from apps.detector.boxes import anchors_for
from apps.detector.config import DetectorConfig
from apps.detector.data import DEFAULT_SIZE, load_data, load_files, make_dataset, read_inputs
from apps.detector.evaluation import MapCallback, evaluate_examples, predict_detections
from apps.detector.model import build_model, compile_model
from apps.detector.serving import Detector, export_model
from shared.app import App, Phase
from shared.backbones import save_backbone
from shared.callbacks import ImageLogger
from shared.cli import Verb, add_run_argument
from shared.data import BadInputs, list_input_files
from shared.images import save_png
from shared.records import read_json, write_json

log = logging.getLogger("annsuite")

GRID_IMAGES = 8
PARITY_IMAGES = 8
SOURCES = {"scenes": "the generated scenes", "files": "annotated image files"}
VERB_HELP = {"evaluate": "COCO mAP of a trained run on held-out data",
             "export": "SavedModel that serves encoded image bytes: boxes, scores, classes"}


def epoch_images(examples, anchors, config, class_names):
    """make_images(model, epoch) for ImageLogger: boxes on validation scenes."""
    images = examples.images[:GRID_IMAGES]
    truths = list(zip(examples.boxes[:GRID_IMAGES], examples.classes[:GRID_IMAGES]))
    scale = max(1, 256 // images.shape[1])

    def make_images(model, epoch):
        found = predict_detections(model, images, anchors, config)
        return {"detections": figures.detection_grid(images, found, class_names, truths, scale=scale)}

    return make_images


def detection_rows(detector, path, original, found, min_score):
    """One predict row: the file and its detections (boxes in the file's pixels)."""
    height, width = original.shape[:2]
    size = detector.image_size
    factor = np.array([width / size, height / size, width / size, height / size], "float32")
    found = {**found, "boxes": found["boxes"] * factor}
    keep = found["scores"] >= min_score
    detections = [{"box": [round(float(v), 2) for v in box], "class": detector.class_names[int(label)],
                   "score": round(float(score), 4)}
                  for box, score, label in zip(found["boxes"][keep], found["scores"][keep], found["classes"][keep])]
    return {"file": str(path), "detections": detections}, found


class DetectorApp(App):
    name = "detector"
    description = "Object detection with anchors, focal loss and NMS."
    config_class = DetectorConfig
    monitor = "val_map"
    mode = "max"
    train_help = "train a detector (default data: generated scenes of shapes)"
    predict_help = "draw boxes on image files and write detections.json"
    inputs_help = "image files or folders"

    def __init__(self):
        # The backbone of each model, for --save-backbone. Not an attribute of the
        # Keras model: Keras would track it as a layer of the checkpoint.
        self.backbones = weakref.WeakKeyDictionary()

    # ---- data ----
    def scan(self, config):
        return {"source": "files" if config.data else "scenes"}

    def defaults(self, profile, config):
        if "source" not in profile:
            return {}
        source = profile["source"]
        return {"image_size": (DEFAULT_SIZE[source], f"the default for {SOURCES[source]}")}

    def load_data(self, config):
        return load_data(config)

    def train_examples(self, data):
        return len(data.train)

    # ---- training ----
    def on_run_start(self, run, data):
        write_json(run.path / "labels.json", {"class_names": data.class_names, "image_size": data.image_size,
                                              "source": data.source})
        config = run.config
        log.info("%d anchors (%d per location, levels P%d-P%d)", len(anchors_for(config, data.image_size)),
                 config.anchors_per_location, config.min_level, config.max_level)

    def build_task(self, config, data):
        model, backbone = build_model(config, data.image_size, len(data.class_names))
        self.backbones[model] = backbone
        return model

    def datasets(self, config, data):
        anchors = anchors_for(config, data.image_size)
        return (make_dataset(data.train, anchors, config, training=True),
                make_dataset(data.validation, anchors, config))

    def callbacks(self, run, data, task):
        config, anchors = run.config, anchors_for(run.config, data.image_size)
        subset = data.validation.take(np.arange(min(config.map_images, len(data.validation))))
        return [MapCallback(run.path, subset, anchors, config, data.class_names),
                ImageLogger(run.path, epoch_images(subset, anchors, config, data.class_names))]

    def phases(self, config, data, task):
        return [Phase("train", config.epochs, config.learning_rate, decay=True)]

    def compile(self, task, phase, config, steps):
        compile_model(task, config, learning_rate=phase.learning_rate, decay_steps=steps * max(phase.epochs, 1))

    def after_fit(self, run, data, task):
        if run.config.save_backbone:
            save_backbone(self.backbones[task], run.config.save_backbone)

    def test_metrics(self, model, data, config):
        return evaluate_examples(model, data.test, anchors_for(config, data.image_size), config, data.class_names)

    def summary(self, run, data, model):
        return {**super().summary(run, data, model), "class_names": data.class_names}

    # ---- a trained run: labels.json holds the classes and the image size ----
    def restore(self, path, config):
        labels = read_json(path / "labels.json")
        return {**labels, "anchors": anchors_for(config, labels["image_size"])}

    def run_config(self, trained, skip_bad=None):
        """The run's config at its image size (and with `skip_bad` when given)."""
        skip_bad = trained.config.skip_bad if skip_bad is None else skip_bad
        return dataclasses.replace(trained.config, image_size=int(trained.state["image_size"]), skip_bad=skip_bad)

    def detector(self, trained, config=None):
        state = trained.state
        return Detector(trained.model, state["anchors"], int(state["image_size"]), list(state["class_names"]),
                        config or self.run_config(trained))

    def evaluate(self, trained, data=None, skip_bad=False):
        """COCO metrics on the run's held-out test split, or on all of `data`."""
        detector = self.detector(trained, self.run_config(trained, skip_bad))
        if data:
            examples, _, skipped = load_files(data, detector.image_size, detector.class_names, skip_bad)
        else:
            examples, skipped = load_data(detector.config).test, 0
        metrics = evaluate_examples(detector.model, examples, detector.anchors, detector.config,
                                    detector.class_names)
        result = {"test": metrics, "data": data or "held-out test split", "skipped": skipped}
        write_json(trained.path / "evaluation.json", result)
        log.info("evaluation: mAP %.4f, mAP@0.5 %.4f on %d images", metrics["map"], metrics["map50"], len(examples))
        return result

    def predict_rows(self, trained, inputs, min_score=0.3, skip_bad=False, out=None):
        """file and detections (box in file pixels, class, score) of each image file.

        With `out`, a picture of each image with its boxes is written there too.
        """
        detector = self.detector(trained)
        bad = BadInputs(skip_bad)
        images, originals, kept = read_inputs(list_input_files(inputs), detector.image_size, bad)
        bad.summary()
        rows = []
        for path, original, found in zip(kept, originals, detector.detections(images)):
            row, found = detection_rows(detector, path, original, found, min_score)
            rows.append(row)
            if out is not None:
                picture = figures.draw_detections(original, found, detector.class_names, min_score=min_score)
                save_png(picture, Path(out) / f"{Path(path).stem}.png")
        return rows

    def export(self, trained, out):
        data = load_data(self.run_config(trained))
        examples = data.test if len(data.test) else data.validation
        return export_model(self.detector(trained), examples.images[:PARITY_IMAGES], out)

    # ---- command line ----
    def verbs(self):
        verbs = super().verbs()
        for verb in verbs:
            verb.help = VERB_HELP.get(verb.name, verb.help)
            if verb.name == "evaluate":
                verb.add_arguments = evaluate_arguments
        return verbs

    def predict_arguments(self, parser):
        add_run_argument(parser)
        parser.add_argument("inputs", nargs="+", metavar="INPUT", help=self.inputs_help)
        parser.add_argument("--out", help="folder of pictures and detections.json (default: <run>/predictions)")
        parser.add_argument("--min-score", type=float, default=0.3, help="lowest score drawn and listed")

    def predict_options(self, args):
        out = Path(args.out) if args.out else Path(args.run) / "predictions"
        return args.inputs, {"min_score": args.min_score, "skip_bad": args.skip_bad, "out": out}

    def write_predictions(self, trained, rows, args):
        """detections.json ({file: detections}) in the pictures' folder, and on stdout."""
        out = Path(args.out) if args.out else trained.path / "predictions"
        report = {row["file"]: row["detections"] for row in rows}
        write_json(out / "detections.json", report)
        sys.stdout.write(json.dumps(report, indent=1) + "\n")
        return {"detections": report, "path": str(out / "detections.json"), "predictions": rows}

    def extra_verbs(self):
        def arguments(parser):
            add_run_argument(parser)
            parser.add_argument("--count", type=int, default=4, help="test images to explain")

        return [Verb("explain", "RoI-pooled backbone features of each detection (Fast R-CNN style) as PNG",
                     self.explain_verb, arguments)]

    def explain_verb(self, args):
        trained = self.load(args.run)
        detector = self.detector(trained, self.run_config(trained, args.skip_bad))
        images = load_data(detector.config).test.images[: args.count]
        return explain.explain(detector, images, trained.path / "figures")


def evaluate_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--data", help="evaluate on every image of this data set (VOC, COCO or CSV) instead")


APP = DetectorApp()
