"""Region proposals and the second stage's targets (Faster R-CNN, Ren et al. 2015).

Boxes are `xyxy` pixels of the model's input, as everywhere in the app.
Deltas are `boxes.VARIANCE`-scaled centre/size offsets (dy, dx, dh, dw),
the encoding the RPN shares with the single-stage heads
(`boxes.encode_targets`); `encode_deltas`/`decode_deltas` here are the same
encoding for boxes that differ per image (the proposals), with any leading
batch dimensions.

    RPN objectness + deltas of every anchor
      -> decode_proposals: decode, clip, drop tiny boxes, NMS, top N
      -> roi_targets (training): proposals + true boxes, matched to the
         true boxes, a sampled mini-batch per image with a positive fraction
"""

from __future__ import annotations

import tensorflow as tf

from apps.detector.boxes import VARIANCE, decode_boxes

IGNORE = -1


def rank(values):
    """Position of each value along the last axis in ascending order (0 = smallest)."""
    return tf.argsort(tf.argsort(values, axis=-1, stable=True), axis=-1, stable=True)


def sample_labels(labels, random, count, positive_fraction):
    """A mini-batch of at most `count` labelled items per row (last axis).

    Args:
        labels: int, > 0 positive (an object class or "object"), 0
            background, < 0 ignored.
        random: uniform [0, 1) numbers of the same shape: the random order.
        count: items kept per row.
        positive_fraction: at most round(count * fraction) positives; the
            rest are negatives (fewer when a row has too few).

    Returns:
        `labels` where sampled, IGNORE elsewhere.
    """
    labels = tf.convert_to_tensor(labels)
    random = tf.cast(random, tf.float32)
    most_positives = int(round(count * positive_fraction))
    positive, negative = labels > 0, tf.equal(labels, 0)
    keep_positive = positive & (rank(tf.where(positive, random, 2.0)) < most_positives)
    room = count - tf.reduce_sum(tf.cast(keep_positive, tf.int32), axis=-1, keepdims=True)
    keep_negative = negative & (rank(tf.where(negative, random, 2.0)) < room)
    return tf.where(keep_positive | keep_negative, labels, tf.cast(IGNORE, labels.dtype))


def to_centres(boxes):
    """xyxy (..., 4) -> (centre y, centre x, height, width)."""
    x0, y0, x1, y1 = tf.unstack(boxes, axis=-1)
    return (y0 + y1) / 2, (x0 + x1) / 2, y1 - y0, x1 - x0


def encode_deltas(references, boxes):
    """Deltas (..., 4) that move `references` onto `boxes` (same shapes)."""
    ry, rx, rh, rw = to_centres(tf.cast(references, tf.float32))
    by, bx, bh, bw = to_centres(tf.cast(boxes, tf.float32))
    rh, rw = tf.maximum(rh, 1e-3), tf.maximum(rw, 1e-3)
    deltas = tf.stack([(by - ry) / rh, (bx - rx) / rw, tf.math.log(tf.maximum(bh, 1e-3) / rh),
                       tf.math.log(tf.maximum(bw, 1e-3) / rw)], axis=-1)
    return deltas / tf.constant(VARIANCE)


def decode_deltas(references, deltas, image_size):
    """`references` (..., 4) moved by `deltas` (..., 4), xyxy clipped to the image."""
    ry, rx, rh, rw = to_centres(tf.cast(references, tf.float32))
    dy, dx, dh, dw = tf.unstack(tf.cast(deltas, tf.float32) * tf.constant(VARIANCE), axis=-1)
    limit = tf.math.log(1000.0 / 16)  # as torchvision: no exp overflow from a wild delta
    y, x = ry + dy * rh, rx + dx * rw
    h, w = rh * tf.exp(tf.minimum(dh, limit)), rw * tf.exp(tf.minimum(dw, limit))
    boxes = tf.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], axis=-1)
    return tf.clip_by_value(boxes, 0.0, float(image_size))


def pairwise_iou(first, second):
    """IoU of every box of `first` (B, N, 4) with every box of `second` (B, M, 4): (B, N, M)."""
    a, b = first[:, :, None, :], second[:, None, :, :]
    width = tf.maximum(tf.minimum(a[..., 2], b[..., 2]) - tf.maximum(a[..., 0], b[..., 0]), 0.0)
    height = tf.maximum(tf.minimum(a[..., 3], b[..., 3]) - tf.maximum(a[..., 1], b[..., 1]), 0.0)
    overlap = width * height
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return overlap / tf.maximum(area_a + area_b - overlap, 1e-6)


def decode_proposals(anchors, deltas, logits, image_size, count, pre_nms=300, iou_threshold=0.7, min_size=2.0):
    """The RPN's outputs -> the top `count` proposals per image.

    Decodes every anchor's deltas, clips to the image, keeps the `pre_nms`
    highest objectness scores, drops boxes thinner than `min_size` pixels,
    runs NMS at `iou_threshold` and keeps the best `count`.

    Args:
        anchors: (A, 4) xyxy; deltas: (B, A, 4); logits: (B, A) objectness logits.

    Returns:
        (boxes (B, count, 4), scores (B, count), valid (B, count) bool);
        rows past an image's valid proposals are zeros.
    """
    boxes = decode_boxes(tf.constant(anchors), tf.cast(deltas, tf.float32), image_size)
    scores = tf.sigmoid(tf.cast(logits, tf.float32))
    top_scores, index = tf.math.top_k(scores, k=min(pre_nms, int(anchors.shape[0])))
    top_boxes = tf.gather(boxes, index, batch_dims=1)
    wide = ((top_boxes[..., 2] - top_boxes[..., 0]) >= min_size) & ((top_boxes[..., 3] - top_boxes[..., 1]) >= min_size)
    top_scores = tf.where(wide, top_scores, -1.0)
    kept, kept_scores, _, found = tf.image.combined_non_max_suppression(
        top_boxes[:, :, None, :], top_scores[:, :, None], max_output_size_per_class=count, max_total_size=count,
        iou_threshold=iou_threshold, score_threshold=0.0, clip_boxes=False)
    valid = tf.range(count)[None, :] < tf.cast(found, tf.int32)[:, None]
    return tf.where(valid[..., None], kept, 0.0), tf.where(valid, kept_scores, 0.0), valid


def roi_targets(proposals, valid, true_boxes, true_classes, random, count, positive_fraction=0.25,
                foreground_iou=0.5):
    """A sampled mini-batch of regions per image and what the second stage learns on it.

    The true boxes join the proposals (so every object has a region from
    the first step); regions with IoU >= `foreground_iou` with a true box
    learn its class (1..C) and deltas, the others background (0).

    Args:
        proposals: (B, R, 4); valid: (B, R) bool.
        true_boxes: (B, M, 4); true_classes: (B, M) 0-based, -1 padding.
        random: (B, R + M) uniform numbers (the sampling order).
        count: regions per image; positive_fraction: of them, at most.

    Returns:
        {"rois": (B, count, 4), "labels": (B, count) int32 (0 background,
        1..C, -1 not a sample: padding), "deltas": (B, count, 4) toward the
        matched box (meaningful where labels > 0)}.
    """
    true_boxes = tf.cast(true_boxes, tf.float32)
    true_classes = tf.cast(true_classes, tf.int32)
    regions = tf.concat([tf.cast(proposals, tf.float32), true_boxes], axis=1)
    usable = tf.concat([valid, true_classes >= 0], axis=1)
    iou = tf.where((true_classes >= 0)[:, None, :], pairwise_iou(regions, true_boxes), -1.0)
    best, matched = tf.reduce_max(iou, axis=-1), tf.argmax(iou, axis=-1, output_type=tf.int32)
    classes = tf.gather(true_classes, matched, batch_dims=1) + 1
    labels = tf.where(best >= foreground_iou, classes, 0)
    labels = sample_labels(tf.where(usable, labels, IGNORE), random, count, positive_fraction)
    order = tf.where(labels >= 0, 1.0 + tf.cast(random, tf.float32), -1.0)
    _, chosen = tf.math.top_k(order, k=count)
    rois = tf.gather(regions, chosen, batch_dims=1)
    matched_boxes = tf.gather(true_boxes, tf.gather(matched, chosen, batch_dims=1), batch_dims=1)
    return {"rois": rois, "labels": tf.gather(labels, chosen, batch_dims=1),
            "deltas": encode_deltas(rois, matched_boxes)}
