"""The two-stage detector: Faster R-CNN made small (`--model two_stage`).

    images -> backbone -> pyramid -> RPN (objectness + deltas of every anchor)
      -> proposals (decode, clip, drop tiny boxes, NMS, top `--proposals`)
      -> RoI pooling under each proposal of P_min (after a 1x1 convolution to
         `--roi-channels`) (`--roi pool`: the shared RoiPooling, Fast R-CNN;
         `--roi align`: RoI Align, one bilinear sample per bin)
      -> head: 2 fully connected layers -> C + 1 class logits and
         class-specific box deltas (4 per class)

Trained with `fit` (approximate joint training: proposals are constants
for the second stage): the RPN learns on sampled anchors (targets from
tf.data), the head on regions sampled from the proposals and the true
boxes (`proposals.roi_targets`, in the training step). The four losses are
summed and each one is a metric of its own (`rpn_objectness_loss`,
`rpn_box_loss`, `roi_class_loss`, `roi_box_loss`; `val_` on validation).

Outputs of a call: {"proposals": (B, R, 4), "proposal_scores": (B, R),
"classes": (B, R, C + 1) probabilities (zero rows for padding proposals),
"boxes": (B, R, C, 4) each class's refined box, xyxy input pixels}.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from apps.detector.boxes import make_anchors
from apps.detector.model import load_backbone, pyramid
from apps.detector.proposals import decode_deltas, decode_proposals, roi_targets
from apps.detector.rpn import rpn_heads
from shared.layers.roi_pooling import RoiPooling

LOSSES = ("loss", "rpn_objectness_loss", "rpn_box_loss", "roi_class_loss", "roi_box_loss")
HIDDEN = 128  # units of each of the head's two fully connected layers


@keras.saving.register_keras_serializable(package="annsuite")
class RoiAlign(keras.layers.Layer):
    """RoI Align with one bilinear sample at the centre of each bin (`tf.image.crop_and_resize`).

    Args:
        pool_size: samples per side of the output.
        spatial_scale: feature-map cells per input pixel (1 / stride).

    Call arguments: features (B, H, W, C); boxes (B, N, 4) xyxy input pixels.
    Returns (B, N, pool_size, pool_size, C).
    """

    def __init__(self, pool_size=7, spatial_scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)
        self.spatial_scale = float(spatial_scale)

    def call(self, features, boxes):
        features, boxes = tf.cast(features, tf.float32), tf.cast(boxes, tf.float32)
        batch, count = tf.shape(boxes)[0], tf.shape(boxes)[1]
        height, width = tf.cast(tf.shape(features)[1], tf.float32), tf.cast(tf.shape(features)[2], tf.float32)
        x0, y0, x1, y1 = tf.unstack(tf.reshape(boxes, [-1, 4]) * self.spatial_scale, axis=-1)
        # One sample at the centre of each bin; crop_and_resize samples from the first to the last
        # point given, in coordinates where cell i's centre is i.
        half_x, half_y = (x1 - x0) / (2 * self.pool_size), (y1 - y0) / (2 * self.pool_size)
        x0, x1, y0, y1 = x0 + half_x - 0.5, x1 - half_x - 0.5, y0 + half_y - 0.5, y1 - half_y - 0.5
        normalised = tf.stack([y0 / tf.maximum(height - 1, 1.0), x0 / tf.maximum(width - 1, 1.0),
                               y1 / tf.maximum(height - 1, 1.0), x1 / tf.maximum(width - 1, 1.0)], axis=-1)
        owners = tf.repeat(tf.range(batch), count)
        crops = tf.image.crop_and_resize(features, normalised, owners, (self.pool_size, self.pool_size))
        return tf.reshape(crops, [batch, count, self.pool_size, self.pool_size, features.shape[-1]])

    def compute_output_shape(self, features_shape, boxes_shape):
        return (features_shape[0], boxes_shape[1], self.pool_size, self.pool_size, features_shape[-1])

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "spatial_scale": self.spatial_scale}


def smooth_l1(error):
    error = tf.abs(error)
    return tf.where(error < 1.0, 0.5 * error**2, error - 0.5)


def mean_over(values, mask):
    mask = tf.cast(mask, tf.float32)
    return tf.reduce_sum(values * mask) / tf.maximum(tf.reduce_sum(mask), 1.0)


def rpn_losses(outputs, targets):
    """(objectness BCE over the sampled anchors, smooth L1 over their objects)."""
    labels = targets["rpn_objectness"]
    bce = tf.nn.sigmoid_cross_entropy_with_logits(tf.cast(labels > 0, tf.float32), outputs["rpn_logits"])
    boxes = tf.cast(targets["rpn_boxes"], tf.float32)
    box = tf.reduce_sum(smooth_l1(boxes[..., :4] - outputs["rpn_deltas"]), axis=-1)
    return mean_over(bce, labels >= 0), mean_over(box, boxes[..., 4] > 0)


def roi_losses(logits, deltas, sampled, num_classes):
    """(cross-entropy over the sampled regions, smooth L1 of their true class's deltas)."""
    labels = sampled["labels"]
    cross = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.maximum(labels, 0), logits)
    chosen = tf.one_hot(tf.maximum(labels - 1, 0), num_classes)[..., None]  # (B, K, C, 1)
    predicted = tf.reduce_sum(deltas * chosen, axis=2)
    box = tf.reduce_sum(smooth_l1(sampled["deltas"] - predicted), axis=-1)
    return mean_over(cross, labels >= 0), mean_over(box, labels > 0)


@keras.saving.register_keras_serializable(package="annsuite")
class TwoStageDetector(keras.Model):
    """Faster R-CNN made small (see the module doc).

    Args:
        features: functional model, images -> {"feature": P_min map,
            "rpn_logits": (B, A), "rpn_deltas": (B, A, 4)}.
        head: functional model, (pool, pool, channels) crops ->
            {"logits": (C + 1), "deltas": (4 C)}.
        image_size, num_classes: the input side and C.
        min_level, max_level, num_scales, aspect_ratios, anchor_size: the
            anchors (`boxes.make_anchors`), in the RPN's order.
        proposals, test_proposals: proposals kept per image in training and inference.
        roi: "pool" (RoiPooling) or "align" (RoiAlign); roi_size: their output side.
        roi_samples: regions per image the head learns on; seed: their sampling.
    """

    def __init__(self, features, head, image_size, num_classes, min_level, max_level, num_scales, aspect_ratios,
                 anchor_size, proposals=64, test_proposals=32, roi="pool", roi_size=7, roi_samples=32, seed=0,
                 **kwargs):
        super().__init__(**kwargs)
        self.features, self.head = features, head
        self.image_size, self.num_classes = int(image_size), int(num_classes)
        self.min_level, self.max_level, self.num_scales = int(min_level), int(max_level), int(num_scales)
        self.aspect_ratios, self.anchor_size = [float(r) for r in aspect_ratios], float(anchor_size)
        self.proposals, self.test_proposals = int(proposals), int(test_proposals)
        self.roi, self.roi_size, self.roi_samples, self.seed = str(roi), int(roi_size), int(roi_samples), int(seed)
        self.anchors = make_anchors(self.image_size, self.min_level, self.max_level, self.num_scales,
                                    self.aspect_ratios, self.anchor_size)
        pooling = RoiPooling if self.roi == "pool" else RoiAlign
        self.roi_layer = pooling(self.roi_size, spatial_scale=1.0 / 2**self.min_level, name=f"roi_{self.roi}")
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.trackers = [keras.metrics.Mean(name=name) for name in LOSSES]

    def build(self, input_shape=None):
        self.built = True

    @property
    def metrics(self):
        return list(self.trackers)

    def propose(self, outputs, count):
        """(proposals, scores, valid) from the RPN's outputs (constants for the second stage)."""
        deltas, logits = tf.stop_gradient(outputs["rpn_deltas"]), tf.stop_gradient(outputs["rpn_logits"])
        return decode_proposals(self.anchors, deltas, logits, self.image_size, count)

    def second_stage(self, feature, regions, training=False):
        """(class logits (B, N, C + 1), deltas (B, N, C, 4)) of regions (B, N, 4)."""
        pooled = self.roi_layer(feature, tf.stop_gradient(regions))
        batch, count = tf.shape(regions)[0], tf.shape(regions)[1]
        crops = tf.reshape(pooled, [-1, self.roi_size, self.roi_size, feature.shape[-1]])
        found = self.head(crops, training=training)
        logits = tf.reshape(tf.cast(found["logits"], tf.float32), [batch, count, self.num_classes + 1])
        deltas = tf.reshape(tf.cast(found["deltas"], tf.float32), [batch, count, self.num_classes, 4])
        return logits, deltas

    def call(self, images, training=False):
        outputs = self.features(images, training=training)
        proposals, scores, valid = self.propose(outputs, self.test_proposals)
        logits, deltas = self.second_stage(outputs["feature"], proposals, training)
        probabilities = tf.nn.softmax(logits) * tf.cast(valid, tf.float32)[..., None]
        boxes = decode_deltas(proposals[:, :, None, :], deltas, self.image_size)
        return {"proposals": proposals, "proposal_scores": scores, "classes": probabilities, "boxes": boxes}

    def compute_losses(self, images, targets, training):
        """{name: value} of the four losses and their sum (plus weight penalties) on a batch."""
        outputs = self.features(images, training=training)
        objectness, rpn_box = rpn_losses(outputs, targets)
        proposals, _, valid = self.propose(outputs, self.proposals)
        truth = targets["true_boxes"]
        random = keras.random.uniform([tf.shape(images)[0], self.proposals + tf.shape(truth)[1]],
                                      seed=self.seed_generator)
        sampled = roi_targets(proposals, valid, truth, targets["true_classes"], random, self.roi_samples)
        logits, deltas = self.second_stage(outputs["feature"], sampled["rois"], training)
        roi_class, roi_box = roi_losses(logits, deltas, sampled, self.num_classes)
        total = objectness + rpn_box + roi_class + roi_box
        if self.losses:
            total += tf.add_n([tf.cast(value, tf.float32) for value in self.losses])
        return dict(zip(LOSSES, (total, objectness, rpn_box, roi_class, roi_box)))

    def report(self, losses):
        for tracker in self.trackers:
            tracker.update_state(losses[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.trackers}

    def train_step(self, data):
        images, targets = data
        with tf.GradientTape() as tape:
            losses = self.compute_losses(images, targets, training=True)
        variables = self.trainable_variables
        self.optimizer.apply(tape.gradient(losses["loss"], variables), variables)
        return self.report(losses)

    def test_step(self, data):
        images, targets = data
        return self.report(self.compute_losses(images, targets, training=False))

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "features": keras.saving.serialize_keras_object(self.features),
                "head": keras.saving.serialize_keras_object(self.head),
                "image_size": self.image_size, "num_classes": self.num_classes, "min_level": self.min_level,
                "max_level": self.max_level, "num_scales": self.num_scales, "aspect_ratios": self.aspect_ratios,
                "anchor_size": self.anchor_size, "proposals": self.proposals,
                "test_proposals": self.test_proposals, "roi": self.roi, "roi_size": self.roi_size,
                "roi_samples": self.roi_samples, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("features", "head"):
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)


def box_head(roi_size, channels, num_classes):
    """(roi_size, roi_size, channels) crop -> {"logits": C + 1, "deltas": 4 C}."""
    crops = keras.Input((roi_size, roi_size, channels), name="crops")
    x = keras.layers.Flatten()(crops)
    for index in range(2):
        x = keras.layers.Dense(HIDDEN, activation="relu", name=f"fc{index + 1}")(x)
    logits = keras.layers.Dense(num_classes + 1, name="logits")(x)
    deltas = keras.layers.Dense(4 * num_classes, name="deltas",
                                kernel_initializer=keras.initializers.RandomNormal(stddev=0.001))(x)
    return keras.Model(crops, {"logits": logits, "deltas": deltas}, name="box_head")


def build_two_stage(config, image_size, num_classes):
    """(model, backbone): float images (S, S, 3) in [0, 255] -> proposals, classes, boxes."""
    image_shape = (image_size, image_size, 3)
    backbone = load_backbone(config, image_shape)
    images = keras.Input(image_shape, name="images")
    levels = pyramid(images, backbone, config)
    pooled = levels[0]
    if config.roi_channels:  # fewer channels to pool: RoiPooling's cost grows with them
        pooled = keras.layers.Conv2D(config.roi_channels, 1, activation="relu", name="roi_features")(pooled)
    outputs = {"feature": pooled, **rpn_heads(levels, config.fpn_filters, config.anchors_per_location)}
    features = keras.Model(images, outputs, name="features")
    head = box_head(config.roi_size, pooled.shape[-1], num_classes)
    model = TwoStageDetector(
        features, head, image_size, num_classes, config.min_level, config.max_level, config.num_scales,
        config.ratios, config.anchor_size, proposals=config.proposals, test_proposals=config.test_proposals,
        roi=config.roi, roi_size=config.roi_size, roi_samples=config.roi_samples, seed=config.seed,
        name="two_stage_detector")
    return model, backbone
