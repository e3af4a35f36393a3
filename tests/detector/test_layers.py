"""The layers model.keras carries: image decoding with each file's size, anchors + NMS + labels."""

import numpy as np
import pytest
import tensorflow as tf

from apps.detector.boxes import anchors_for
from apps.detector.config import DetectorConfig
from apps.detector.layers import AnchorDetections, DecodeDetectionImages, per_image
from shared.data import resize_images
from shared.images import encode_png

NAMES = ["ellipse", "rectangle", "triangle"]


def detections_layer(config, size=64):
    return AnchorDetections(NAMES, size, config.min_level, config.max_level, config.num_scales, config.ratios,
                            config.anchor_size, config.iou_threshold, config.score_threshold, 5, config.nms)


def test_decoding_resizes_like_training_and_keeps_each_files_size():
    rng = np.random.default_rng(0)
    pictures = [rng.integers(0, 256, shape).astype("uint8") for shape in ((40, 24, 3), (64, 64, 3))]
    decoded = DecodeDetectionImages(32)(tf.constant([encode_png(p) for p in pictures]))
    assert decoded["images"].shape == (2, 32, 32, 3)
    np.testing.assert_array_equal(decoded["image_shapes"].numpy(), [[40, 24], [64, 64]])
    for picture, image in zip(pictures, decoded["images"].numpy()):
        np.testing.assert_allclose(image, resize_images(picture, 32), atol=1e-3)


@pytest.mark.parametrize("nms", ["per_class", "keras_hub"])
def test_one_confident_anchor_is_one_detection_in_the_files_pixels(nms):
    config = DetectorConfig(nms=nms)
    layer = detections_layer(config)
    anchors = anchors_for(config, 64)
    np.testing.assert_array_equal(layer.anchors, anchors)
    probabilities = np.zeros((2, len(anchors), 4), "float32")
    probabilities[..., 0] = 1.0
    probabilities[:, 100] = [0.1, 0.0, 0.0, 0.9]  # anchor 100: a triangle, offsets zero: the anchor itself
    shapes = tf.constant([[64.0, 64.0], [128.0, 32.0]])  # (height, width)
    found = layer([tf.zeros((2, len(anchors), 4)), tf.constant(probabilities), shapes])
    rows = per_image({k: v.numpy() for k, v in found.items()})
    box = np.clip(anchors[100], 0, 64)
    np.testing.assert_allclose(rows[0]["boxes"], [box], atol=1e-3)
    np.testing.assert_allclose(rows[1]["boxes"], [box * [0.5, 2, 0.5, 2]], atol=1e-3)
    assert [r["labels"].tolist() for r in rows] == [[b"triangle"], [b"triangle"]]
    np.testing.assert_allclose(found["scores"].numpy()[:, 0], 0.9, atol=1e-6)
    assert found["classes"].numpy()[:, 1:].tolist() == [[-1] * 4] * 2
    assert found["labels"].numpy()[:, 1:].tolist() == [[b""] * 4] * 2


def test_the_layers_configs_hold_every_argument():
    layer = detections_layer(DetectorConfig(aspect_ratios="1.0", anchor_size=3.0))
    again = AnchorDetections.from_config(layer.get_config())
    assert again.get_config() == layer.get_config() and again.class_names == NAMES
    np.testing.assert_array_equal(again.anchors, layer.anchors)
    decode = DecodeDetectionImages.from_config(DecodeDetectionImages(48, name="d").get_config())
    assert decode.image_size == 48 and decode.channels == 3
