"""Class activation maps: which pixels made the model choose its class.

`cam` (Zhou et al. 2016): the last feature map weighted by the dense
weights of the class; exact for our head (global average pooling, dense).
`gradcam` (Selvaraju et al. 2017): channels weighted by the mean gradient
of the class score; works for any differentiable head.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import tensorflow as tf

from apps.classifier import figures
from shared.images import save_png

log = logging.getLogger("annsuite")

METHODS = ("cam", "gradcam")


def features_and_probabilities(model, images):
    """Run the model in inference mode, keeping the backbone's feature map."""
    x = images
    for layer in model.layers[1:]:
        if layer.name == "augmentation":
            continue
        x = layer(x, training=False) if layer.name in ("backbone", "dropout") else layer(x)
        if layer.name == "backbone":
            features = x
    return features, x


def class_activation_maps(model, images, method="cam"):
    """(maps scaled to [0, 1] at the image size, predicted class ids)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    images = tf.convert_to_tensor(images, tf.float32)
    with tf.GradientTape() as tape:
        features, probabilities = features_and_probabilities(model, images)
        if len(features.shape) != 4:
            raise ValueError("class activation maps need a backbone with a spatial feature map")
        predicted = tf.argmax(probabilities, axis=-1)
        score = tf.reduce_sum(tf.gather(probabilities, predicted, batch_dims=1))
    if method == "cam":
        kernel = model.get_layer("classes").kernel  # (channels, classes)
        weights = tf.transpose(tf.gather(kernel, predicted, axis=1))  # (N, channels)
    else:
        weights = tf.reduce_mean(tape.gradient(score, features), axis=(1, 2))
    maps = tf.nn.relu(tf.einsum("nhwc,nc->nhw", features, weights))
    maps = tf.image.resize(maps[..., None], images.shape[1:3])[..., 0]
    peak = tf.reduce_max(maps, axis=(1, 2), keepdims=True)
    return (maps / tf.maximum(peak, 1e-8)).numpy(), predicted.numpy()


def write_explanations(model, run_path, images, names, class_names, method):
    """CAM overlays of `images` as PNG files and TensorBoard images of the run."""
    maps, predicted = class_activation_maps(model, images, method)
    out = Path(run_path) / "figures" / method
    overlays, files = [], []
    for name, image, cam, label in zip(names, images, maps, predicted):
        overlay = figures.cam_overlay_image(image, cam, f"{method}: {class_names[label]}")
        files.append(str(save_png(overlay, out / f"{name}.png")))
        overlays.append(overlay)
    height = min(o.shape[0] for o in overlays)
    width = min(o.shape[1] for o in overlays)
    writer = tf.summary.create_file_writer(str(Path(run_path) / "explain"))
    with writer.as_default():
        batch = np.stack([o[:height, :width] for o in overlays])
        tf.summary.image(method, batch, step=0, max_outputs=len(batch))
    writer.close()
    log.info("%d %s overlays written to %s", len(files), method, out)
    return {"files": files, "classes": [class_names[i] for i in predicted]}
