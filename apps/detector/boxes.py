"""Anchors, box encoding and decoding, matching and non-maximum suppression.

Boxes are `xyxy` in pixels of the model's input everywhere in the app
(x_min, y_min, x_max, y_max, continuous coordinates, the pixel [i, i+1)).
Anchors come from keras-hub's `AnchorGenerator`; IoU, encoding and decoding
use `keras.utils.bounding_boxes`; the matcher is ours (see `match_anchors`).
Non-maximum suppression is per class (`tf.image.combined_non_max_suppression`)
or keras-hub's class-agnostic `NonMaxSuppression`.

Class targets per anchor: 0 background, 1..C the object classes, -1
ignored (IoU between `negative_iou` and `positive_iou`).
"""

from __future__ import annotations

import functools

import keras
import keras_hub
import numpy as np
import tensorflow as tf

# Box deltas are divided by these (the usual Faster R-CNN/SSD scaling).
VARIANCE = (0.1, 0.1, 0.2, 0.2)
IGNORE = -1


def make_anchors(image_size, min_level, max_level, num_scales, aspect_ratios, anchor_size):
    """(num_anchors, 4) float32 xyxy anchors of every level, finest first.

    Order: level, then cell (row-major), then anchor of the cell: the order
    of the heads' reshaped outputs. keras-hub puts anchor centres on the
    cell corners (0, s, 2s...); they are moved to the cell centres here.
    """
    generator = keras_hub.layers.AnchorGenerator(
        "xyxy", min_level=min_level, max_level=max_level, num_scales=num_scales,
        aspect_ratios=list(aspect_ratios), anchor_size=anchor_size)
    levels = generator(np.zeros((1, image_size, image_size, 3), "float32"))
    anchors = []
    for level in range(min_level, max_level + 1):
        anchors.append(np.asarray(levels[f"P{level}"], "float32") + 2**level / 2)
    return np.concatenate(anchors, axis=0)


@functools.lru_cache(maxsize=8)
def cached_anchors(image_size, min_level, max_level, num_scales, aspect_ratios, anchor_size):
    anchors = make_anchors(image_size, min_level, max_level, num_scales, aspect_ratios, anchor_size)
    anchors.flags.writeable = False  # shared by every caller
    return anchors


def anchors_for(config, image_size):
    """The anchors of `config` at `image_size` (computed once per process)."""
    return cached_anchors(int(image_size), config.min_level, config.max_level, config.num_scales,
                          tuple(config.ratios), config.anchor_size)


def match_anchors(anchors, boxes, positive_iou=0.5, negative_iou=0.4):
    """Match anchors to boxes: (matched box index, match value) per anchor.

    Match values: 1 positive, -1 background, -2 ignored. Every box also
    gets its best anchor, so a box smaller than every anchor still trains.
    Our own: keras-hub 0.32's `BoxMatcher(force_match_for_each_col=True)`
    force-matches its internal padding column too, which makes anchor 0 a
    positive for a box that does not exist. `boxes` must be unpadded; with
    no boxes every anchor is background (matched index 0).
    """
    iou = keras.utils.bounding_boxes.compute_iou(anchors, boxes, "xyxy")  # (A, n)
    count = tf.shape(anchors)[0]
    padded = tf.concat([iou, -tf.ones([count, 1], iou.dtype)], axis=1)
    best = tf.reduce_max(padded, axis=1)
    matched = tf.cast(tf.argmax(padded, axis=1), tf.int32)
    matched = tf.where(best < 0, 0, matched)
    values = tf.where(best >= positive_iou, 1, tf.where(best < negative_iou, -1, -2))
    best_anchor = tf.cast(tf.argmax(iou, axis=0), tf.int32)  # (n,)
    forced = tf.tensor_scatter_nd_update(-tf.ones([count], tf.int32), best_anchor[:, None],
                                         tf.range(tf.shape(best_anchor)[0]))
    return tf.where(forced >= 0, forced, matched), tf.where(forced >= 0, 1, values)


def encode_targets(anchors, boxes, classes, positive_iou=0.5, negative_iou=0.4):
    """Training targets of one image (in-graph, for tf.data).

    Args:
        anchors: (A, 4) xyxy.
        boxes: (n, 4) xyxy of the image's objects (n may be 0).
        classes: (n,) int32 class ids, 0-based.

    Returns:
        {"boxes": (A, 5) encoded deltas and a positive flag,
         "classes": (A,) int32 0 background, 1..C, -1 ignored}.
    """
    boxes = tf.cast(boxes, tf.float32)
    matched, values = match_anchors(anchors, boxes, positive_iou, negative_iou)
    # A dummy last row keeps the gather valid when the image has no boxes.
    padded_boxes = tf.concat([boxes, tf.constant([[0.0, 0.0, 1.0, 1.0]])], axis=0)
    padded_classes = tf.concat([tf.cast(classes, tf.int32), [0]], axis=0)
    matched_boxes = tf.gather(padded_boxes, matched)
    deltas = keras.utils.bounding_boxes.encode_box_to_deltas(
        anchors, matched_boxes, "xyxy", "xyxy", encoding_format="center_yxhw", variance=VARIANCE)
    positive = tf.equal(values, 1)
    labels = tf.where(positive, tf.gather(padded_classes, matched) + 1, 0)
    labels = tf.where(tf.equal(values, -2), IGNORE, labels)
    flag = tf.cast(positive, tf.float32)[:, None]
    return {"boxes": tf.concat([deltas, flag], axis=-1), "classes": tf.cast(labels, tf.int32)}


def decode_boxes(anchors, deltas, image_size):
    """Deltas (B, A, 4) -> xyxy boxes clipped to the image."""
    boxes = keras.utils.bounding_boxes.decode_deltas_to_boxes(
        anchors, deltas, "xyxy", "xyxy", encoded_format="center_yxhw", variance=VARIANCE)
    return tf.clip_by_value(boxes, 0.0, float(image_size))


def non_max_suppression(boxes, scores, iou_threshold=0.5, score_threshold=0.05,
                        max_detections=100, kind="per_class"):
    """Boxes (B, A, 4) and class scores (B, A, C) -> the kept detections.

    Returns:
        {"boxes": (B, D, 4), "scores": (B, D), "classes": (B, D) int32,
         "num_detections": (B,) int32}; rows past num_detections hold
        zeros and class -1.
    """
    if kind == "keras_hub":
        nms = keras_hub.layers.NonMaxSuppression(
            "xyxy", from_logits=False, iou_threshold=iou_threshold,
            confidence_threshold=score_threshold, max_detections=max_detections)
        found = nms(boxes, scores)
        boxes, scores, classes = found["boxes"], found["confidence"], found["labels"]
        count = found["num_detections"]
    else:
        boxes, scores, classes, count = tf.image.combined_non_max_suppression(
            boxes[:, :, None, :], scores, max_output_size_per_class=max_detections,
            max_total_size=max_detections, iou_threshold=iou_threshold,
            score_threshold=score_threshold, clip_boxes=False)
    count = tf.cast(count, tf.int32)
    valid = tf.range(max_detections)[None, :] < count[:, None]
    return {"boxes": tf.where(valid[..., None], tf.cast(boxes, tf.float32), 0.0),
            "scores": tf.where(valid, tf.cast(scores, tf.float32), 0.0),
            "classes": tf.where(valid, tf.cast(classes, tf.int32), -1),
            "num_detections": count}


def detect(outputs, anchors, image_size, config):
    """The model's outputs -> detections after NMS (class ids 0-based)."""
    boxes = decode_boxes(anchors, outputs["boxes"], image_size)
    return non_max_suppression(boxes, outputs["classes"][..., 1:], config.iou_threshold,
                               config.score_threshold, config.max_detections, config.nms)


def detection_outputs(found, shapes, image_size, class_names):
    """The detectors' outputs from NMS results: boxes in each input image's pixels, labels by name."""
    shapes = tf.cast(shapes, tf.float32)
    factor = tf.stack([shapes[:, 1], shapes[:, 0], shapes[:, 1], shapes[:, 0]], axis=1) / image_size
    classes = found["classes"]
    labels = tf.where(classes >= 0, tf.gather(tf.constant(class_names), tf.maximum(classes, 0)), "")
    return {"boxes": found["boxes"] * factor[:, None, :], "scores": found["scores"], "classes": classes,
            "labels": labels, "num_detections": found["num_detections"]}


def detection_output_spec(batch, limit):
    """The KerasTensors of `detection_outputs` (`limit` detections per image)."""
    return {"boxes": keras.KerasTensor((batch, limit, 4), "float32"),
            "scores": keras.KerasTensor((batch, limit), "float32"),
            "classes": keras.KerasTensor((batch, limit), "int32"),
            "labels": keras.KerasTensor((batch, limit), "string"),
            "num_detections": keras.KerasTensor((batch,), "int32")}
