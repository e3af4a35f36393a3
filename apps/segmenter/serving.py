"""The segmenter's model on raw inputs (`RUN/model.keras`) and its SavedModel export.

`inference_model` wraps the trained network: encoded image bytes are
decoded at their own size, resized (bilinear) to the training scale,
segmented whole by the fully convolutional network (in overlapping tiles,
stitched, when that scale is larger than the tile limit), and the
probabilities resized back (bilinear) to the input's size; `mask` holds the
data's original mask values. The export serves that model itself.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from apps.segmenter.layers import DecodeFullSize, SegmentationMasks
from apps.segmenter.tiles import ExtractTiles, StitchTiles
from shared.export import export_saved_model

OUTPUTS = ("mask", "class_ids", "probabilities", "class_shares")
OVERLAP = 0.25  # share of a tile shared with its neighbours


def tiled(network, images, tile):
    """Overlap-tile prediction of `network` on `images` (tiles of `tile` px, a quarter shared)."""
    overlap = int(tile * OVERLAP) // 2 * 2
    tiles = ExtractTiles(tile, overlap, name="extract_tiles")(images)
    return StitchTiles(tile, overlap, name="stitch_tiles")([network(tiles), images])


def inference_model(network, image_size, class_names, values=None, tile=None):
    """Encoded image bytes (one size per call) -> mask (original values), class ids, probabilities,
    class shares at that size; tiles of `tile` px when `image_size` is larger."""
    image_bytes = keras.Input((), dtype="string", name="image_bytes")
    images = DecodeFullSize(3, name="decode_images")(image_bytes)
    resized = keras.layers.Resizing(image_size, image_size, interpolation="bilinear",
                                    name="resize_images")(images)
    probabilities = tiled(network, resized, tile) if tile and image_size > tile else network(resized)
    outputs = SegmentationMasks(class_names, values, name="segmentation_masks")([probabilities, images])
    return keras.Model(image_bytes, outputs, name="image_segmenter")


def mask_values(model):
    """The original mask value of each class that a model.keras carries (None: the ids)."""
    return model.get_layer("segmentation_masks").values


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
