"""The two-stage model's part of the detector's App hooks (`--model two_stage`).

`apps.detector.app` asks these for what differs from the single-stage
model: building, its tf.data targets, compiling (the model computes its
own four losses), scoring (per-class NMS of class-specific boxes instead
of anchor decoding), the TensorBoard picture (the RPN's top proposals
beside the final detections) and model.keras (`ProposalDetections`).
"""

from __future__ import annotations

import logging

import keras
import numpy as np
from PIL import Image, ImageDraw

from apps.detector import figures
from apps.detector.boxes import anchors_for
from apps.detector.evaluation import MapCallback, coco_metrics, split_detections
from apps.detector.layers import DecodeDetectionImages
from apps.detector.two_stage import build_two_stage
from apps.detector.two_stage_data import two_stage_dataset
from apps.detector.two_stage_layers import ProposalDetections, class_box_nms
from shared.callbacks import ImageLogger
from shared.distribute import predict

log = logging.getLogger("annsuite")

GRID_IMAGES = 8
TOP_PROPOSALS = 8  # proposals drawn per scene
PROPOSAL_COLOUR = (255, 160, 0)
BATCH = 16  # images per predict call (the RoI crops of a batch are held at once)


def predict_two_stage(model, images, config, batch_size=BATCH):
    """(detections, proposals) of (N, S, S, 3) images: a list per image of each.

    detections: {"boxes", "scores", "classes"} after per-class NMS;
    proposals: {"boxes", "scores"} of the RPN, best first.
    """
    detections, proposals = [], []
    for start in range(0, len(images), batch_size):
        outputs = predict(model, images[start: start + batch_size], batch_size)
        found = class_box_nms(outputs["boxes"], outputs["classes"], config.iou_threshold, config.score_threshold,
                              config.max_detections)
        detections.extend(split_detections({key: np.asarray(value) for key, value in found.items()}))
        for boxes, scores in zip(outputs["proposals"], outputs["proposal_scores"]):
            keep = scores > 0
            proposals.append({"boxes": np.asarray(boxes)[keep], "scores": np.asarray(scores)[keep]})
    return detections, proposals


def evaluate_two_stage(model, examples, config, class_names):
    """COCO metrics of the two-stage network on an `Examples` split (plus its size)."""
    detections, _ = predict_two_stage(model, examples.images, config)
    return {**coco_metrics(examples.boxes, examples.classes, detections, class_names), "images": len(examples)}


class TwoStageMapCallback(MapCallback):
    """`MapCallback` scoring the two-stage network (no anchors: class-specific boxes of proposals)."""

    def __init__(self, log_dir, examples, config, class_names):
        super().__init__(log_dir, examples, None, config, class_names)

    def scores(self, model, epoch):
        metrics = evaluate_two_stage(model, self.examples, self.config, self.class_names)
        log.info("epoch %d: validation mAP %.4f, mAP@0.5 %.4f", epoch + 1, metrics["map"], metrics["map50"])
        keys = ["map", "map50", "recall100", *(f"ap_{name}" for name in self.class_names)]
        return {key: metrics[key] for key in keys}


def draw_proposals(image, found, scale, count=TOP_PROPOSALS):
    """uint8 picture of the `count` best proposals (outlines, objectness score)."""
    picture = Image.fromarray(np.clip(np.round(image), 0, 255).astype("uint8"))
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    draw = ImageDraw.Draw(picture)
    for box, score in list(zip(found["boxes"], found["scores"]))[:count]:
        corners = [float(value) * scale for value in box]
        draw.rectangle(corners, outline=PROPOSAL_COLOUR, width=1)
        draw.text((corners[0] + 2, corners[1] + 1), f"{score:.2f}", fill=PROPOSAL_COLOUR)
    return np.asarray(picture)


def proposal_images(examples, config, class_names):
    """make_images(model, epoch) for ImageLogger: the RPN's top proposals | the detections, per scene."""
    images = examples.images[:GRID_IMAGES]
    truths = list(zip(examples.boxes[:GRID_IMAGES], examples.classes[:GRID_IMAGES]))
    scale = max(1, 256 // images.shape[1])

    def make_images(model, epoch):
        detections, proposals = predict_two_stage(model, images, config)
        tiles = []
        for image, found, proposed, truth in zip(images, detections, proposals, truths):
            tiles.append(draw_proposals(image, proposed, scale))
            tiles.append(figures.draw_detections(image, found, class_names, truth, scale))
        rows = [np.concatenate(tiles[i: i + 4], axis=1) for i in range(0, len(tiles), 4)]
        if len(rows) > 1 and rows[-1].shape != rows[0].shape:
            rows[-1] = np.pad(rows[-1], [(0, 0), (0, rows[0].shape[1] - rows[-1].shape[1]), (0, 0)])
        return {"proposals_and_detections": np.concatenate(rows, axis=0),
                "detections": figures.detection_grid(images, detections, class_names, truths, scale=scale)}

    return make_images


class TwoStageHooks:
    """What `--model two_stage` changes in the detector's hooks."""

    def build(self, config, image_size, num_classes):
        return build_two_stage(config, image_size, num_classes)

    def datasets(self, config, data):
        anchors = anchors_for(config, data.image_size)
        return (two_stage_dataset(data.train, anchors, config, training=True),
                two_stage_dataset(data.validation, anchors, config))

    def compile(self, task, config, learning_rate):
        task.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=10.0))

    def callbacks(self, run, subset, class_names):
        return [TwoStageMapCallback(run.path, subset, run.config, class_names),
                ImageLogger(run.path, proposal_images(subset, run.config, class_names))]

    def evaluate(self, network, examples, config, class_names):
        return evaluate_two_stage(network, examples, config, class_names)

    def inference_model(self, network, class_names, config, image_size):
        """model.keras: encoded image bytes -> boxes (input pixels), scores, classes, labels, num_detections."""
        image_bytes = keras.Input((), dtype="string", name="image_bytes")
        decoded = DecodeDetectionImages(image_size, name="decode_images")(image_bytes)
        outputs = network(decoded["images"])
        found = ProposalDetections(class_names, image_size, config.iou_threshold, config.score_threshold,
                                   config.max_detections, name="detections")(
            [outputs["boxes"], outputs["classes"], decoded["image_shapes"]])
        return keras.Model(image_bytes, found, name="object_detector")

    def summary(self, config, image_size):
        return {"model": "two_stage", "proposals_per_image": config.test_proposals, "roi": config.roi}
