"""`explain`: what the pyramid sees inside each detection, via RoI pooling.

For a few held-out images (the run's `examples/`), the finest pyramid
level's feature map is cropped and max-pooled to 7 x 7 under every box
that model.keras detects, with the shared
`RoiPooling` layer (the Fast R-CNN operation); the channel mean of each
crop is drawn beside the image. Written to `<run>/figures/roi_pooling.png`.
"""

from __future__ import annotations

import logging

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from apps.detector import figures  # noqa: E402
from apps.detector.layers import detection_layer, per_image  # noqa: E402
from shared.callbacks import figure_to_image  # noqa: E402
from shared.images import save_png  # noqa: E402
from shared.layers.roi_pooling import RoiPooling  # noqa: E402

log = logging.getLogger("annsuite")

POOL_SIZE = 7
MAX_BOXES = 4


def pooled_features(model, images, boxes, level):
    """(N, boxes, 7, 7, C) RoI-pooled maps of pyramid level `level`."""
    feature_model = keras.Model(model.inputs, model.get_layer(f"P{level}").output)
    features = feature_model.predict(images, verbose=0)
    return np.asarray(RoiPooling(POOL_SIZE, spatial_scale=1.0 / 2**level)(features, boxes))


def explain_figure(images, found, pooled, class_names):
    figure, axes = plt.subplots(len(images), MAX_BOXES + 1, figsize=(2 * (MAX_BOXES + 1), 2 * len(images)),
                                squeeze=False)
    for row, (image, image_found) in enumerate(zip(images, found)):
        axes[row, 0].imshow(figures.draw_detections(image, image_found, class_names, scale=4, min_score=0.0))
        for column in range(MAX_BOXES):
            axis = axes[row, column + 1]
            if column < len(image_found["scores"]):
                axis.imshow(pooled[row, column].mean(axis=-1), cmap="viridis")
                axis.set_title(f"{class_names[int(image_found['classes'][column])]} "
                               f"{image_found['scores'][column]:.2f}", fontsize=8)
        for axis in axes[row]:
            axis.axis("off")
    return figure


def explain(model, network, encoded, folder):
    """Write `<folder>/roi_pooling.png` for encoded images: model.keras's detections, the network's features."""
    layer, batch = detection_layer(model), tf.constant(list(encoded))
    decoded = model.get_layer("decode_images")(batch)
    images, shapes = np.asarray(decoded["images"]), np.asarray(decoded["image_shapes"])
    found = [{k: v[:MAX_BOXES] for k, v in f.items()} for f in per_image(model.predict(batch, verbose=0))]
    boxes = np.zeros((len(images), MAX_BOXES, 4), "float32")
    for index, image_found in enumerate(found):  # file pixels -> the network's S x S input
        height, width = shapes[index]
        image_found["boxes"] = image_found["boxes"] * layer.image_size / np.array([width, height, width, height])
        boxes[index, : len(image_found["boxes"])] = image_found["boxes"]
    pooled = pooled_features(network, images, boxes, layer.min_level)
    picture = figure_to_image(explain_figure(images, found, pooled, layer.class_names))
    path = save_png(picture, folder / "roi_pooling.png")
    log.info("RoI-pooled features of %d detections written to %s", sum(len(f["scores"]) for f in found), path)
    return {"path": str(path), "pooled_shape": list(pooled.shape)}
