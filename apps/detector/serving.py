"""The detector's export signature: encoded image bytes in, boxes after NMS out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from apps.detector.boxes import detect
from apps.detector.evaluation import predict_detections
from shared.export import export_saved_model
from shared.images import encode_png


@dataclass
class Detector:
    """What decodes a trained network's outputs: anchors, image size, classes, NMS options."""

    model: object
    anchors: np.ndarray
    image_size: int
    class_names: list
    config: object

    def detections(self, images):
        """Model and NMS on (N, S, S, 3) images: a list per image (boxes, scores, classes)."""
        return predict_detections(self.model, images, self.anchors, self.config)


def serving_function(detector):
    """Encoded image bytes -> boxes (input pixels), scores, classes, labels."""
    size, names = detector.image_size, tf.constant(detector.class_names)
    anchors = tf.constant(detector.anchors)

    def decode(data):
        image = tf.io.decode_image(data, channels=3, expand_animations=False)
        shape = tf.cast(tf.shape(image)[:2], tf.float32)
        image = tf.image.resize(tf.cast(image, tf.float32), (size, size), method="bilinear")
        return tf.ensure_shape(image, (size, size, 3)), shape

    def serve(image_bytes):
        images, shapes = tf.map_fn(decode, image_bytes, fn_output_signature=(tf.float32, tf.float32))
        found = detect(detector.model(images, training=False), anchors, size, detector.config)
        factor = tf.stack([shapes[:, 1], shapes[:, 0], shapes[:, 1], shapes[:, 0]], axis=1) / size
        labels = tf.where(found["classes"] >= 0, tf.gather(names, tf.maximum(found["classes"], 0)), "")
        return {"boxes": found["boxes"] * factor[:, None, :], "scores": found["scores"],
                "classes": found["classes"], "labels": labels, "num_detections": found["num_detections"]}

    return serve


def expected_outputs(detector, images):
    """What the Keras model and our NMS give on decoded images (S x S files)."""
    found = detector.detections(images)
    limit = detector.config.max_detections
    result = {"boxes": np.zeros((len(images), limit, 4), "float32"), "scores": np.zeros((len(images), limit), "float32"),
              "classes": np.full((len(images), limit), -1, "int32"),
              "labels": np.full((len(images), limit), b"", dtype=object),
              "num_detections": np.array([len(f["scores"]) for f in found], "int32")}
    for index, image_found in enumerate(found):
        count = len(image_found["scores"])
        result["boxes"][index, :count] = image_found["boxes"]
        result["scores"][index, :count] = image_found["scores"]
        result["classes"][index, :count] = image_found["classes"]
        result["labels"][index, :count] = [detector.class_names[int(c)].encode() for c in image_found["classes"]]
    return result


def export_model(detector, images, out):
    """SavedModel serving encoded image bytes, verified on `images` (S x S, [0, 255])."""
    images = np.clip(np.round(images), 0, 255)  # the pixels a PNG keeps
    return export_saved_model(
        [detector.model], serving_function(detector), [tf.TensorSpec([None], tf.string, name="image_bytes")], out,
        examples={"image_bytes": np.array([encode_png(image) for image in images], dtype=object)},
        expected=expected_outputs(detector, images))
