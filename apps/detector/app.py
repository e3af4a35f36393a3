"""The detector's App declaration: its hooks on the shared lifecycle."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import weakref
from pathlib import Path

import numpy as np
import tensorflow as tf

from apps.detector import explain, figures
from apps.detector.anchorfit import box_shapes
from apps.detector.boxes import anchors_for
from apps.detector.config import DetectorConfig
from apps.detector.data import load_data, load_files, make_dataset, read_inputs
from apps.detector.defaults import SCENES, data_defaults, scan_defaults
from apps.detector.evaluation import MapCallback, evaluate_examples, predict_detections
from apps.detector.layers import detection_layer, inference_model, per_image
from apps.detector.model import build_model, compile_model
from apps.detector.serving import export_model
from apps.detector.sliding_window import SlidingWindowHooks
from apps.detector.two_stage_hooks import TwoStageHooks
from shared.app import App, Phase
from shared.backbones import save_backbone
from shared.callbacks import ImageLogger
from shared.cli import Verb, add_run_argument
from shared.data import BadInputs, list_input_files
from shared.errors import UsageError
from shared.images import save_png
from shared.records import write_json
from shared.schedules import warmup_cosine

log = logging.getLogger("annsuite")

GRID_IMAGES = 8
PARITY_IMAGES = 8
EXAMPLES = 8
EXAMPLES_FOLDER = "examples"
PREDICT_BATCH = 64
# What the other models change in the hooks (--model); the single-stage model is the hooks' own code.
MODELS = {"two_stage": TwoStageHooks(), "sliding_window": SlidingWindowHooks()}


def epoch_images(examples, anchors, config, class_names):
    """make_images(model, epoch) for ImageLogger: boxes on validation scenes."""
    images = examples.images[:GRID_IMAGES]
    truths = list(zip(examples.boxes[:GRID_IMAGES], examples.classes[:GRID_IMAGES]))
    scale = max(1, 256 // images.shape[1])

    def make_images(model, epoch):
        found = predict_detections(model, images, anchors, config)
        return {"detections": figures.detection_grid(images, found, class_names, truths, scale=scale)}

    return make_images


def detection_row(path, found, min_score):
    """One predict row: the file and its detections scoring >= min_score (boxes in the file's pixels)."""
    keep = found["scores"] >= min_score
    detections = [{"box": [round(float(v), 2) for v in box], "class": label.decode("utf-8"),
                   "score": round(float(score), 4)}
                  for box, score, label in zip(found["boxes"][keep], found["scores"][keep], found["labels"][keep])]
    return {"file": str(path), "detections": detections}


class DetectorApp(App):
    name = "detector"
    description = "Object detection with anchors, focal loss and NMS."
    config_class = DetectorConfig
    monitor = "val_map"
    mode = "max"
    train_help = "train a detector (default data: generated scenes of shapes)"
    predict_help = "draw boxes on image files and write detections.json"
    evaluate_help = "COCO mAP of a trained run on held-out data"
    evaluate_data_help = "evaluate on every image of this data set (VOC, COCO or CSV) instead"
    export_help = "SavedModel that serves encoded image bytes: boxes, scores, classes"
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
        if "train_images" not in profile:
            return scan_defaults(profile["source"], config)
        return data_defaults(profile, config)

    def profile(self, data):
        """The source, the training images and their boxes' shapes (in input pixels)."""
        return {"source": data.source, "train_images": len(data.train), "image_size": data.image_size,
                "box_shapes": box_shapes(data.train.boxes)}

    def load_data(self, config):
        return load_data(config)

    def train_examples(self, data):
        return len(data.train)

    # ---- training ----
    def on_run_start(self, run, data):
        # For people: written from the data, never read back (model.keras carries the classes and the size).
        write_json(run.path / "labels.json", {"class_names": data.class_names, "image_size": data.image_size,
                                              "source": data.source})
        images = next((e.images for e in (data.test, data.validation, data.train) if len(e)), data.train.images)
        for index, image in enumerate(images[:EXAMPLES]):  # held-out images: export parity, explain
            save_png(image, run.path / EXAMPLES_FOLDER / f"test-{index:03d}.png")
        config = run.config
        log.info("%d anchors (%d per location, levels P%d-P%d)", len(anchors_for(config, data.image_size)),
                 config.anchors_per_location, config.min_level, config.max_level)

    def build_task(self, config, data):
        build = MODELS[config.model].build if config.model in MODELS else build_model
        model, backbone = build(config, data.image_size, len(data.class_names))
        if backbone is not None:
            self.backbones[model] = backbone
        return model

    def datasets(self, config, data):
        if config.model in MODELS:
            return MODELS[config.model].datasets(config, data)
        anchors = anchors_for(config, data.image_size)
        return (make_dataset(data.train, anchors, config, training=True),
                make_dataset(data.validation, anchors, config))

    def callbacks(self, run, data, task):
        config, anchors = run.config, anchors_for(run.config, data.image_size)
        subset = data.validation.take(np.arange(min(config.map_images, len(data.validation))))
        if config.model == "two_stage":
            return MODELS["two_stage"].callbacks(run, subset, data.class_names)
        return [MapCallback(run.path, subset, anchors, config, data.class_names),
                ImageLogger(run.path, epoch_images(subset, anchors, config, data.class_names))]

    def phases(self, config, data, task):
        return [Phase("train", config.epochs or SCENES["epochs"], config.learning_rate, decay=True)]

    def compile(self, task, phase, config, steps):
        rate = warmup_cosine(phase.learning_rate, steps * max(phase.epochs, 1), config.warmup_fraction or 0.0)
        if config.model in MODELS:
            return MODELS[config.model].compile(task, config, rate)
        compile_model(task, config, learning_rate=rate)

    def after_fit(self, run, data, task):
        if run.config.save_backbone and task in self.backbones:
            save_backbone(self.backbones[task], run.config.save_backbone)

    def test_metrics(self, model, data, config):
        if config.model == "two_stage":
            return MODELS["two_stage"].evaluate(model, data.test, config, data.class_names)
        return evaluate_examples(model, data.test, anchors_for(config, data.image_size), config, data.class_names)

    def summary(self, run, data, model):
        extra = MODELS[run.config.model].summary(run.config, data.image_size) if run.config.model in MODELS else {}
        return {**super().summary(run, data, model), "class_names": data.class_names, **extra}

    def inference_model(self, network, data, config):
        """Encoded image bytes -> boxes (input pixels), scores, classes, labels, num_detections."""
        if config.model == "two_stage":
            return MODELS["two_stage"].inference_model(network, data.class_names, config, data.image_size)
        return inference_model(network, data.class_names, config, data.image_size)

    # ---- a trained run: model.keras carries the classes, the image size, the anchors and NMS ----
    def run_config(self, trained, skip_bad=False):
        """The run's config at model.keras's image size and NMS options."""
        layer = detection_layer(trained.model)
        return dataclasses.replace(
            trained.config, image_size=layer.image_size, iou_threshold=layer.iou_threshold,
            score_threshold=layer.score_threshold, max_detections=layer.max_detections, nms=layer.nms,
            skip_bad=skip_bad)

    def evaluate(self, trained, data=None, skip_bad=False):
        """COCO metrics of the network on the run's held-out test split, or on all of `data`."""
        layer = detection_layer(trained.model)
        config = self.run_config(trained, skip_bad or (trained.config.skip_bad and not data))
        if data:
            examples, _, skipped = load_files(data, layer.image_size, layer.class_names, skip_bad)
        else:
            examples, skipped = load_data(config).test, 0
        if config.model == "two_stage":
            metrics = MODELS["two_stage"].evaluate(trained.network, examples, config, layer.class_names)
        else:
            metrics = evaluate_examples(trained.network, examples, layer.anchors, config, layer.class_names)
        result = {"test": metrics, "data": data or "held-out test split", "skipped": skipped}
        write_json(trained.path / "evaluation.json", result)
        log.info("evaluation: mAP %.4f, mAP@0.5 %.4f on %d images", metrics["map"], metrics["map50"], len(examples))
        return result

    def predict_rows(self, trained, inputs, min_score=0.3, skip_bad=False, out=None):
        """file and detections (box in file pixels, class, score) of each image file.

        With `out`, a picture of each image with its boxes is written there too.
        """
        bad = BadInputs(skip_bad)
        encoded, originals, kept = read_inputs(list_input_files(inputs), bad)
        bad.summary()
        outputs = trained.model.predict(tf.constant(encoded), batch_size=PREDICT_BATCH, verbose=0)
        names, rows = detection_layer(trained.model).class_names, []
        for path, original, found in zip(kept, originals, per_image(outputs)):
            rows.append(detection_row(path, found, min_score))
            if out is not None:
                picture = figures.draw_detections(original, found, names, min_score=min_score)
                save_png(picture, Path(out) / f"{Path(path).stem}.png")
        return rows

    def export(self, trained, out):
        return export_model(trained.model, example_images(trained.path, PARITY_IMAGES), out)

    # ---- command line ----
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
            parser.add_argument("--count", type=int, default=4, help="held-out images (of the run's examples/) to explain")

        return [Verb("explain", "RoI-pooled backbone features of each detection (Fast R-CNN style) as PNG",
                     self.explain_verb, arguments)]

    def explain_verb(self, args):
        trained = self.load(args.run)
        if trained.config.model != "single_stage":
            raise UsageError(f"{args.run}: explain shows the single-stage model's pyramid; this run is "
                             f"{trained.config.model}")
        return explain.explain(trained.model, trained.network, example_images(trained.path, args.count),
                               trained.path / "figures")


def example_images(path, count):
    """PNG bytes of up to `count` held-out images the run folder keeps (written at train time)."""
    files = sorted((path / EXAMPLES_FOLDER).glob("*.png"))[:count]
    if not files:
        raise UsageError(f"{path}: no {EXAMPLES_FOLDER}/ images (written when it trained); train it again")
    return [file.read_bytes() for file in files]


APP = DetectorApp()
