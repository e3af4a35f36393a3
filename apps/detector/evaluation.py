"""COCO-style evaluation with pycocotools (the reference implementation).

`coco_metrics(truth_boxes, truth_classes, detections, class_names)` gives
mAP@[.5:.95] (`map`), mAP@0.5 (`map50`), mAP@0.75 (`map75`), recall at 100
detections (`recall100`) and per-class AP (`ap_<class>`, IoU .5:.95) and
AP@0.5 (`ap50_<class>`). Boxes are xyxy pixels. `MapCallback` scores
validation images with them after every epoch.
"""

from __future__ import annotations

import contextlib
import io
import logging

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from apps.detector.boxes import detect
from shared.callbacks import ValidationMetrics
from shared.distribute import predict

log = logging.getLogger("annsuite")


def coco_ground_truth(boxes, classes, class_names):
    annotations = []
    for image_id, (image_boxes, image_classes) in enumerate(zip(boxes, classes)):
        for box, label in zip(np.asarray(image_boxes).reshape(-1, 4), image_classes):
            width, height = float(box[2] - box[0]), float(box[3] - box[1])
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": int(label) + 1,
                                "bbox": [float(box[0]), float(box[1]), width, height],
                                "area": width * height, "iscrowd": 0})
    coco = COCO()
    coco.dataset = {"images": [{"id": i} for i in range(len(boxes))], "annotations": annotations,
                    "categories": [{"id": i + 1, "name": n} for i, n in enumerate(class_names)]}
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def detection_results(detections):
    """Detections (list per image of dicts boxes/scores/classes) -> COCO results."""
    results = []
    for image_id, found in enumerate(detections):
        for box, score, label in zip(found["boxes"], found["scores"], found["classes"]):
            results.append({"image_id": image_id, "category_id": int(label) + 1, "score": float(score),
                            "bbox": [float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])]})
    return results


def empty_metrics(class_names):
    metrics = {"map": 0.0, "map50": 0.0, "map75": 0.0, "recall100": 0.0}
    for name in class_names:
        metrics[f"ap_{name}"] = 0.0
        metrics[f"ap50_{name}"] = 0.0
    return metrics


def coco_metrics(truth_boxes, truth_classes, detections, class_names):
    """COCO metrics of detections against the truth (see the module doc)."""
    truth = coco_ground_truth(truth_boxes, truth_classes, class_names)
    results = detection_results(detections)
    if not results or not truth.dataset["annotations"]:
        return empty_metrics(class_names)
    with contextlib.redirect_stdout(io.StringIO()):
        predicted = truth.loadRes(results)
        evaluator = COCOeval(truth, predicted, "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    stats = evaluator.stats
    metrics = {"map": stats[0], "map50": stats[1], "map75": stats[2], "recall100": stats[8]}
    # precision: [IoU thresholds, recall points, classes, area ranges, max dets]
    precision = evaluator.eval["precision"][:, :, :, 0, -1]
    for index, name in enumerate(class_names):
        values = precision[:, :, index]
        metrics[f"ap_{name}"] = float(values[values > -1].mean()) if (values > -1).any() else 0.0
        at50 = values[0]
        metrics[f"ap50_{name}"] = float(at50[at50 > -1].mean()) if (at50 > -1).any() else 0.0
    return {key: max(float(value), 0.0) for key, value in metrics.items()}


def split_detections(found):
    """Batched NMS output (numpy) -> list per image of kept boxes/scores/classes."""
    per_image = []
    for index, count in enumerate(found["num_detections"]):
        per_image.append({key: np.asarray(found[key][index][:count]) for key in ("boxes", "scores", "classes")})
    return per_image


def predict_detections(model, images, anchors, config, batch_size=64):
    """Run the model and NMS on (N, S, S, 3) images: a list per image."""
    size = images.shape[1]
    per_image = []
    for start in range(0, len(images), batch_size):
        outputs = predict(model, images[start: start + batch_size], batch_size)
        found = {k: np.asarray(v) for k, v in detect(outputs, anchors, size, config).items()}
        per_image.extend(split_detections(found))
    return per_image


def evaluate_examples(model, examples, anchors, config, class_names):
    """COCO metrics of the model on an `Examples` split (plus its size)."""
    detections = predict_detections(model, examples.images, anchors, config)
    metrics = coco_metrics(examples.boxes, examples.classes, detections, class_names)
    return {**metrics, "images": len(examples)}


class MapCallback(ValidationMetrics):
    """COCO mAP of fixed validation images after each epoch, into the logs
    (`val_map`, `val_map50`, `val_recall100`, `val_ap_<class>`): TensorBoard,
    history.csv and the best checkpoint see them.

    Args:
        log_dir: the run folder.
        examples: the validation `Examples` scored.
        anchors: (A, 4) xyxy anchors of the model.
        config: the run's config (NMS options).
        class_names: the class names, in class-id order.
    """

    def __init__(self, log_dir, examples, anchors, config, class_names):
        super().__init__(log_dir, self.scores)
        self.examples = examples
        self.anchors = anchors
        self.config = config
        self.class_names = class_names

    def scores(self, model, epoch):
        metrics = evaluate_examples(model, self.examples, self.anchors, self.config, self.class_names)
        log.info("epoch %d: validation mAP %.4f, mAP@0.5 %.4f", epoch + 1, metrics["map"], metrics["map50"])
        keys = ["map", "map50", "recall100", *(f"ap_{name}" for name in self.class_names)]
        return {key: metrics[key] for key in keys}
