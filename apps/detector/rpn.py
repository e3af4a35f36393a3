"""The region proposal network (Faster R-CNN's first stage) and its targets.

At every location of every pyramid level sit K anchors (the single-stage
model's, `boxes.make_anchors`). A 3x3 convolution shared across levels,
then two 1x1 convolutions: one objectness logit per anchor and 4 box
deltas per anchor. Training targets (`rpn_targets`): anchors with IoU >=
`POSITIVE_IOU` with a box (and each box's best anchor) are objects,
those under `NEGATIVE_IOU` with every box background, the rest ignored; a
mini-batch of `samples` anchors per image, at most half of them objects,
is what the RPN's losses see.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from apps.detector.boxes import encode_targets
from apps.detector.proposals import sample_labels

POSITIVE_IOU = 0.7
NEGATIVE_IOU = 0.3
POSITIVE_FRACTION = 0.5


def rpn_heads(levels, filters, anchors_per_location):
    """{"rpn_logits": (B, A), "rpn_deltas": (B, A, 4)} of every anchor, levels concatenated."""
    conv = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name="rpn_conv")
    objectness = keras.layers.Conv2D(anchors_per_location, 1, name="rpn_objectness")
    deltas = keras.layers.Conv2D(anchors_per_location * 4, 1, name="rpn_box_deltas",
                                 kernel_initializer=keras.initializers.RandomNormal(stddev=0.01))
    logits, offsets = [], []
    for feature in levels:
        x = conv(feature)
        logits.append(keras.layers.Reshape((-1,))(objectness(x)))
        offsets.append(keras.layers.Reshape((-1, 4))(deltas(x)))
    if len(levels) > 1:
        logits = keras.layers.Concatenate(axis=1)(logits)
        offsets = keras.layers.Concatenate(axis=1)(offsets)
    else:
        logits, offsets = logits[0], offsets[0]
    return {"rpn_logits": keras.layers.Activation("linear", dtype="float32", name="rpn_logits")(logits),
            "rpn_deltas": keras.layers.Activation("linear", dtype="float32", name="rpn_deltas")(offsets)}


def rpn_targets(anchors, boxes, random, samples, positive_iou=POSITIVE_IOU, negative_iou=NEGATIVE_IOU,
                positive_fraction=POSITIVE_FRACTION):
    """The RPN's targets of one image (in-graph, for tf.data).

    Args:
        anchors: (A, 4) xyxy; boxes: (n, 4) the image's objects (n may be 0).
        random: (A,) uniform numbers: the order anchors are sampled in.
        samples: anchors per image the losses see.

    Returns:
        {"rpn_objectness": (A,) int32 1 object, 0 background, -1 not sampled,
         "rpn_boxes": (A, 5) deltas and a flag (1 for sampled objects)}.
    """
    boxes = tf.reshape(tf.cast(boxes, tf.float32), [-1, 4])
    classes = tf.zeros(tf.shape(boxes)[:1], tf.int32)
    encoded = encode_targets(anchors, boxes, classes, positive_iou, negative_iou)
    objectness = tf.minimum(encoded["classes"], 1)  # 1..C -> 1; 0 and -1 stay
    sampled = sample_labels(objectness, random, samples, positive_fraction)
    flag = tf.cast(tf.equal(sampled, 1), tf.float32)[:, None]
    return {"rpn_objectness": tf.cast(sampled, tf.int32),
            "rpn_boxes": tf.concat([encoded["boxes"][:, :4], flag], axis=-1)}
