"""Sample quality: Fréchet distance, KID and class coverage in a feature space.

The feature space is the penultimate layer of a small classifier trained on
the same real data (the Inception network of the usual FID cannot be
downloaded here), or with `--fid-backbone NAME` a keras.applications
ImageNet network when its weights are on this machine.
"""

from __future__ import annotations

import logging
import warnings

import keras
import numpy as np
from scipy import linalg

from shared.distribute import predict
from shared.errors import UsageError

log = logging.getLogger("annsuite")


def frechet_distance(mean_a, cov_a, mean_b, cov_b):
    """||m_a - m_b||^2 + Tr(C_a + C_b - 2 (C_a C_b)^(1/2)) of two Gaussians."""
    with warnings.catch_warnings():  # a singular product (few samples) still has a usable root
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = np.real(linalg.sqrtm(cov_a @ cov_b))
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2.0 * root))


def fid(features_a, features_b):
    """Fréchet distance between Gaussians fitted to two feature sets."""
    a, b = np.asarray(features_a, "float64"), np.asarray(features_b, "float64")
    return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def kid(features_a, features_b):
    """Kernel Inception Distance: unbiased MMD^2 with the kernel (x.y / d + 1)^3."""
    a, b = np.asarray(features_a, "float64"), np.asarray(features_b, "float64")
    dim = a.shape[1]

    def kernel(x, y):
        return (x @ y.T / dim + 1.0) ** 3

    kaa, kbb, kab = kernel(a, a), kernel(b, b), kernel(a, b)
    m, n = len(a), len(b)
    return float((kaa.sum() - np.trace(kaa)) / (m * (m - 1)) + (kbb.sum() - np.trace(kbb)) / (n * (n - 1))
                 - 2.0 * kab.mean())


def class_coverage(probabilities):
    """Entropy of the predicted-class histogram over its maximum, log(classes)."""
    classes = probabilities.shape[1]
    counts = np.bincount(probabilities.argmax(1), minlength=classes).astype("float64")
    share = counts / counts.sum()
    entropy = -np.sum(share[share > 0] * np.log(share[share > 0]))
    return float(max(0.0, entropy) / np.log(classes)) if classes > 1 else 1.0


def build_feature_net(image_shape, num_classes, width=32):
    """Rescale -> two strided convs -> 64 `features` -> softmax over the classes."""
    images = keras.Input(tuple(image_shape), name="images")
    x = keras.layers.Rescaling(1.0 / 255.0)(images)
    for filters in (width, width * 2):
        x = keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(64, activation="relu", name="features")(x)
    x = keras.layers.Dropout(0.3)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="classes")(x)
    model = keras.Model(images, outputs, name="feature_net")
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train_feature_net(x, y, num_classes, epochs, seed):
    """Fit the feature classifier on real images; returns (model, train accuracy)."""
    model = build_feature_net(x.shape[1:], num_classes)
    history = model.fit(x, y, batch_size=64, epochs=epochs, verbose=0, shuffle=True)
    accuracy = float(history.history["accuracy"][-1])
    log.info("FID feature classifier: %d epochs, train accuracy %.3f", epochs, accuracy)
    return model, accuracy


def imagenet_features(name, image_shape):
    """A keras.applications ImageNet network as a feature extractor (pooled)."""
    try:
        network = getattr(keras.applications, name)(include_top=False, weights="imagenet", pooling="avg")
    except Exception as error:  # noqa: BLE001 - offline reads the same to a user
        raise UsageError(f"--fid-backbone {name}: ImageNet weights unavailable ({type(error).__name__})") from None
    images = keras.Input(tuple(image_shape))
    x = keras.layers.Resizing(75, 75)(images)
    x = keras.layers.Concatenate()([x] * 3) if image_shape[-1] == 1 else x
    return keras.Model(images, network(x))


class Scorer:
    """Scores generated images against a fixed set of real ones.

    Args:
        feature_net: the classifier trained by `train_feature_net`.
        real: real held-out images in [0, 255].
        reference: other real images (train split) for the real-vs-real baseline.
        extractor: optional other feature model (ImageNet backbone).
    """

    def __init__(self, feature_net, real, reference=None, extractor=None):
        self.feature_net = feature_net
        self.extractor = extractor or keras.Model(feature_net.inputs, feature_net.get_layer("features").output)
        self.real_features = self.features(real)
        self.reference = reference

    def features(self, images):
        return predict(self.extractor, np.asarray(images, "float32"))

    def score(self, images):
        """{"fid", "kid", "class_coverage"} of images in [0, 255]."""
        images = np.clip(images, 0, 255)
        features = self.features(images)
        probabilities = predict(self.feature_net, images)
        return {"fid": fid(features, self.real_features), "kid": kid(features, self.real_features),
                "class_coverage": class_coverage(probabilities)}

    def baseline(self, count, seed=0):
        """FID and KID of `count` real reference images against the real set."""
        rng = np.random.default_rng(seed)
        pick = rng.choice(len(self.reference), min(count, len(self.reference)), replace=False)
        scores = self.score(self.reference[pick])
        return {"fid_real_baseline": scores["fid"], "kid_real_baseline": scores["kid"],
                "class_coverage_real": scores["class_coverage"]}
