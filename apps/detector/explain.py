"""`explain`: what the pyramid sees inside each detection, via RoI pooling.

For a few test images, the finest pyramid level's feature map is cropped
and max-pooled to 7 x 7 under every detected box with the shared
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

from apps.detector import figures  # noqa: E402
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


def explain(detector, images, folder):
    """Write `<folder>/roi_pooling.png` for `images` with `detector` (a serving.Detector)."""
    found = [{k: v[:MAX_BOXES] for k, v in f.items()} for f in detector.detections(images)]
    boxes = np.zeros((len(images), MAX_BOXES, 4), "float32")
    for index, image_found in enumerate(found):
        boxes[index, : len(image_found["boxes"])] = image_found["boxes"]
    pooled = pooled_features(detector.model, images, boxes, detector.config.min_level)
    picture = figure_to_image(explain_figure(images, found, pooled, detector.class_names))
    path = save_png(picture, folder / "roi_pooling.png")
    log.info("RoI-pooled features of %d detections written to %s", sum(len(f["scores"]) for f in found), path)
    return {"path": str(path), "pooled_shape": list(pooled.shape)}
