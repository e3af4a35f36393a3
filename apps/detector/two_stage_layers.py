"""What `RUN/model.keras` carries around the two-stage network: its per-class NMS.

`apps.detector.layers` imports this module, so that `import apps` registers
the two-stage classes that model.keras files hold.

    image bytes -> DecodeDetectionImages -> TwoStageDetector -> ProposalDetections
                          `------------- each image's own size -------------^

The outputs and their shapes are the single-stage model's
(`layers.AnchorDetections`): boxes, scores, classes, labels, num_detections.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from apps.detector.boxes import detection_output_spec, detection_outputs
from apps.detector.two_stage import RoiAlign, TwoStageDetector

# Registered by their module; named here for `apps.detector.layers`.
NETWORK_CLASSES = (RoiAlign, TwoStageDetector)


def class_box_nms(boxes, probabilities, iou_threshold, score_threshold, max_detections):
    """Per-class NMS of class-specific boxes (B, R, C, 4) scored (B, R, C + 1) -> padded detections.

    Returns {"boxes", "scores", "classes" (0-based, -1 padding), "num_detections"}
    as `boxes.non_max_suppression` does.
    """
    kept, scores, classes, count = tf.image.combined_non_max_suppression(
        tf.cast(boxes, tf.float32), tf.cast(probabilities, tf.float32)[..., 1:],
        max_output_size_per_class=max_detections, max_total_size=max_detections,
        iou_threshold=iou_threshold, score_threshold=score_threshold, clip_boxes=False)
    count = tf.cast(count, tf.int32)
    valid = tf.range(max_detections)[None, :] < count[:, None]
    return {"boxes": tf.where(valid[..., None], kept, 0.0), "scores": tf.where(valid, scores, 0.0),
            "classes": tf.where(valid, tf.cast(classes, tf.int32), -1), "num_detections": count}


@keras.saving.register_keras_serializable(package="annsuite")
class ProposalDetections(keras.layers.Layer):
    """[class boxes (N, R, C, 4), class probabilities (N, R, C + 1), image shapes (N, 2)] -> detections.

    Per-class NMS of each class's refined box of every proposal, boxes
    scaled from the S x S input to each image's (height, width). Outputs
    as `layers.AnchorDetections`: `boxes` (N, D, 4) xyxy input pixels,
    `scores`, `classes` (-1 padding), `labels` ("" padding), `num_detections`.

    Args:
        class_names: the C class names, in class-id order.
        image_size: the side S of the network's input.
        iou_threshold, score_threshold, max_detections: NMS options.
        nms: "per_class" (the only kind: the boxes are class-specific).
    """

    def __init__(self, class_names, image_size, iou_threshold=0.5, score_threshold=0.05, max_detections=100,
                 nms="per_class", **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if len(class_names) < 1 or len(set(class_names)) != len(class_names):
            raise ValueError(f"class_names must be distinct names, got {class_names!r}")
        if nms != "per_class":
            raise ValueError(f"nms must be per_class for class-specific boxes, got {nms!r}")
        self.class_names = [str(name) for name in class_names]
        self.image_size = int(image_size)
        self.iou_threshold, self.score_threshold = float(iou_threshold), float(score_threshold)
        self.max_detections, self.nms = int(max_detections), str(nms)

    def build(self, input_shape):
        self.built = True

    def call(self, inputs):
        boxes, probabilities, shapes = inputs
        found = class_box_nms(boxes, probabilities, self.iou_threshold, self.score_threshold, self.max_detections)
        return detection_outputs(found, shapes, self.image_size, self.class_names)

    def compute_output_spec(self, inputs):
        return detection_output_spec(inputs[0].shape[0], self.max_detections)

    def get_config(self):
        return {**super().get_config(), "class_names": self.class_names, "image_size": self.image_size,
                "iou_threshold": self.iou_threshold, "score_threshold": self.score_threshold,
                "max_detections": self.max_detections, "nms": self.nms}

