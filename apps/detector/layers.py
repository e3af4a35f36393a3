"""The detector's serializable layers: what `RUN/model.keras` carries around the network.

    image bytes -> DecodeDetectionImages -> images (S x S) -> network -> AnchorDetections
                            `------------- each image's own size -------------^

`AnchorDetections` holds the anchors (as the parameters that generate them,
`boxes.make_anchors`), the class names and the NMS options; its boxes are in
the pixels of each input image. `import apps` imports this module, so
`keras.saving.load_model(RUN/model.keras, safe_mode=True)` finds both layers
and, imported here, the losses of the network's compile config.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from apps.detector.boxes import (
    decode_boxes,
    detection_output_spec,
    detection_outputs,
    make_anchors,
    non_max_suppression,
)
from apps.detector.losses import BoxLoss, FocalLoss
from apps.detector.sliding_window import SlidingWindowDetector
from apps.detector.two_stage_layers import NETWORK_CLASSES as TWO_STAGE_CLASSES
from apps.detector.two_stage_layers import ProposalDetections
from shared.layers import DecodeImages

# Registered by their module; named here so that model.keras loads after `import apps`.
NETWORK_CLASSES = (BoxLoss, FocalLoss, SlidingWindowDetector, ProposalDetections, *TWO_STAGE_CLASSES)
OUTPUTS = ("boxes", "scores", "classes", "labels", "num_detections")


@keras.saving.register_keras_serializable(package="annsuite")
class DecodeDetectionImages(DecodeImages):
    """Encoded PNG/JPEG/GIF/BMP bytes (N,) -> {"images", "image_shapes"}.

    `images`: float32 (N, size, size, 3) in [0, 255], each image resized
    (stretched, bilinear) as the training images were; `image_shapes`:
    float32 (N, 2), each file's (height, width), so that boxes can go back
    to its pixels. Images of any sizes may share one call.

    Example:
        >>> DecodeDetectionImages(64)(tf.constant([png_bytes]))["image_shapes"]  # [[H, W]]
    """

    def __init__(self, image_size, channels=3, **kwargs):
        super().__init__(image_size, channels, **kwargs)

    def decode_with_shape(self, data):
        image = tf.io.decode_image(data, channels=self.channels, expand_animations=False)
        shape = tf.cast(tf.shape(image)[:2], tf.float32)
        size = (self.image_size, self.image_size)
        image = tf.image.resize(tf.cast(image, tf.float32), size, method="bilinear")
        return tf.ensure_shape(image, (*size, self.channels)), shape

    def call(self, inputs):
        data = tf.reshape(tf.convert_to_tensor(inputs, tf.string), [-1])
        images, shapes = tf.map_fn(self.decode_with_shape, data, fn_output_signature=(tf.float32, tf.float32))
        return {"images": images, "image_shapes": shapes}

    def compute_output_spec(self, inputs):
        batch = inputs.shape[0]
        return {"images": keras.KerasTensor((batch, self.image_size, self.image_size, self.channels), "float32"),
                "image_shapes": keras.KerasTensor((batch, 2), "float32")}


@keras.saving.register_keras_serializable(package="annsuite")
class AnchorDetections(keras.layers.Layer):
    """[box offsets (N, A, 4), class probabilities (N, A, C + 1), image shapes (N, 2)] -> detections.

    Decodes the offsets against the anchors, keeps boxes with non-maximum
    suppression and scales them from the model's S x S input to each
    image's (height, width). Outputs, padded to `max_detections` rows:
    `boxes` (N, D, 4) xyxy in input pixels, `scores` (N, D), `classes`
    (N, D) int32 0-based (-1 past `num_detections`), `labels` (N, D)
    class names ("" past it), `num_detections` (N,) int32.

    Args:
        class_names: the C class names, in class-id order.
        image_size: the side S of the network's input.
        min_level, max_level, num_scales, aspect_ratios, anchor_size: the
            anchors (`boxes.make_anchors`), in the heads' order.
        iou_threshold, score_threshold, max_detections: NMS options.
        nms: "per_class" or "keras_hub" (class-agnostic).
    """

    def __init__(self, class_names, image_size, min_level, max_level, num_scales, aspect_ratios, anchor_size,
                 iou_threshold=0.5, score_threshold=0.05, max_detections=100, nms="per_class", **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if len(class_names) < 1 or len(set(class_names)) != len(class_names):
            raise ValueError(f"class_names must be distinct names, got {class_names!r}")
        self.class_names = [str(name) for name in class_names]
        self.image_size = int(image_size)
        self.min_level, self.max_level, self.num_scales = int(min_level), int(max_level), int(num_scales)
        self.aspect_ratios = [float(ratio) for ratio in aspect_ratios]
        self.anchor_size = float(anchor_size)
        self.iou_threshold, self.score_threshold = float(iou_threshold), float(score_threshold)
        self.max_detections, self.nms = int(max_detections), str(nms)
        self.anchors = make_anchors(self.image_size, self.min_level, self.max_level, self.num_scales,
                                    self.aspect_ratios, self.anchor_size)

    def build(self, input_shape):
        self.built = True

    def call(self, inputs):
        offsets, probabilities, shapes = inputs
        boxes = decode_boxes(tf.constant(self.anchors), tf.cast(offsets, tf.float32), self.image_size)
        found = non_max_suppression(boxes, tf.cast(probabilities, tf.float32)[..., 1:], self.iou_threshold,
                                    self.score_threshold, self.max_detections, self.nms)
        return detection_outputs(found, shapes, self.image_size, self.class_names)

    def compute_output_spec(self, inputs):
        return detection_output_spec(inputs[0].shape[0], self.max_detections)

    def get_config(self):
        return {**super().get_config(), "class_names": self.class_names, "image_size": self.image_size,
                "min_level": self.min_level, "max_level": self.max_level, "num_scales": self.num_scales,
                "aspect_ratios": self.aspect_ratios, "anchor_size": self.anchor_size,
                "iou_threshold": self.iou_threshold, "score_threshold": self.score_threshold,
                "max_detections": self.max_detections, "nms": self.nms}


def inference_model(network, class_names, config, image_size):
    """model.keras: encoded image bytes -> boxes (input pixels), scores, classes, labels, num_detections."""
    image_bytes = keras.Input((), dtype="string", name="image_bytes")
    decoded = DecodeDetectionImages(image_size, name="decode_images")(image_bytes)
    outputs = network(decoded["images"])
    found = AnchorDetections(
        class_names, image_size, config.min_level, config.max_level, config.num_scales, config.ratios,
        config.anchor_size, config.iou_threshold, config.score_threshold, config.max_detections, config.nms,
        name="detections")([outputs["boxes"], outputs["classes"], decoded["image_shapes"]])
    return keras.Model(image_bytes, found, name="object_detector")


def detection_layer(model):
    """The AnchorDetections layer of a model.keras: its anchors, class names, image size, NMS options."""
    return model.get_layer("detections")


def per_image(outputs):
    """Batched outputs of model.keras (numpy) -> one dict per image of its kept rows."""
    counts = np.asarray(outputs["num_detections"])
    return [{key: np.asarray(outputs[key][index][:count]) for key in ("boxes", "scores", "classes", "labels")}
            for index, count in enumerate(counts)]
