"""The segmenter's model on raw inputs (`RUN/model.keras`) and its SavedModel export.

`inference_model` wraps the trained network: encoded image bytes are
decoded at their own size, resized (bilinear) to the training size, segmented,
and the probabilities resized back (bilinear) to the input's size. The
export serves that model itself.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from apps.segmenter.layers import DecodeFullSize, SegmentationMasks
from shared.export import export_saved_model

OUTPUTS = ("mask", "probabilities", "class_shares")


def inference_model(network, image_size, class_names):
    """Encoded image bytes (one size per call) -> mask, probabilities, class shares at that size."""
    image_bytes = keras.Input((), dtype="string", name="image_bytes")
    images = DecodeFullSize(3, name="decode_images")(image_bytes)
    resized = keras.layers.Resizing(image_size, image_size, interpolation="bilinear",
                                    name="resize_images")(images)
    outputs = SegmentationMasks(class_names, name="segmentation_masks")([network(resized), images])
    return keras.Model(image_bytes, outputs, name="image_segmenter")


def image_spec(model):
    """(training image size, class names) that a model.keras carries."""
    return int(model.get_layer("resize_images").height), model.get_layer("segmentation_masks").class_names


def segment(model, encoded):
    """The model's outputs (numpy) on a list of encoded images of one size."""
    return model.predict(tf.constant(list(encoded)), verbose=0)


def serving_function(model):
    """Encoded image bytes (a batch of one size) -> model.keras's outputs at that size."""

    def serve(image_bytes):
        outputs = model(image_bytes, training=False)
        return {name: outputs[name] for name in OUTPUTS}

    return serve


def export_model(model, examples, out):
    """SavedModel of model.keras serving encoded image bytes, checked on `examples` (PNG bytes of one size)."""
    examples = np.array(list(examples), dtype=object)
    expected = segment(model, examples)
    return export_saved_model(
        [model], serving_function(model), [tf.TensorSpec([None], tf.string, name="image_bytes")], out,
        examples={"image_bytes": examples}, expected={name: expected[name] for name in OUTPUTS})
