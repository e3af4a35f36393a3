"""The sliding-window detector: where the course starts (`--model sliding_window`).

A small CNN classifies a `window_size` x `window_size` crop as one of the
C classes or background. Inference crops the image under every window
(the anchors of the single-stage model: `num_scales` x `aspect_ratios`
shapes at each level, slid with the level's stride), classifies every crop
and keeps the windows themselves as boxes after per-class NMS: the window
count is the number of classifier evaluations per image, and no box is
ever refined. Training crops a sampled mini-batch of windows per image
(`SAMPLES`, at most `POSITIVE_FRACTION` of them objects): windows with IoU
>= `--positive-iou` with a box (and each box's best window) learn its
class, those under `--negative-iou` background, the rest are ignored.

Outputs of a call: {"boxes": zeros (B, W, 4) (box offsets: none),
"classes": (B, W, C + 1) probabilities}, the single-stage model's
outputs with the windows as its anchors, so that its evaluation, its
TensorBoard picture and model.keras (`AnchorDetections`) serve it as they are.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from apps.detector.boxes import anchors_for, encode_targets, make_anchors
from apps.detector.proposals import sample_labels
from apps.detector.two_stage import RoiAlign
from apps.detector.two_stage_data import target_dataset

SAMPLES = 64
POSITIVE_FRACTION = 0.5


@keras.saving.register_keras_serializable(package="annsuite")
class SlidingWindowDetector(keras.Model):
    """A crop classifier slid over the image (see the module doc).

    Args:
        classifier: functional model, (window_size, window_size, 3) crops
            in [0, 255] -> C + 1 logits.
        image_size, num_classes: the input side and C.
        min_level, max_level, num_scales, aspect_ratios, anchor_size: the
            windows (`boxes.make_anchors`).
        window_size: the crops' side; samples: crops per training image; seed: their sampling.
    """

    def __init__(self, classifier, image_size, num_classes, min_level, max_level, num_scales, aspect_ratios,
                 anchor_size, window_size=16, samples=SAMPLES, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.classifier = classifier
        self.image_size, self.num_classes = int(image_size), int(num_classes)
        self.min_level, self.max_level, self.num_scales = int(min_level), int(max_level), int(num_scales)
        self.aspect_ratios, self.anchor_size = [float(r) for r in aspect_ratios], float(anchor_size)
        self.window_size, self.samples, self.seed = int(window_size), int(samples), int(seed)
        self.windows = make_anchors(self.image_size, self.min_level, self.max_level, self.num_scales,
                                    self.aspect_ratios, self.anchor_size)
        self.cropper = RoiAlign(self.window_size, spatial_scale=1.0, name="crops")
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.trackers = [keras.metrics.Mean(name="loss"), keras.metrics.Mean(name="crop_accuracy")]

    def build(self, input_shape=None):
        self.built = True

    @property
    def metrics(self):
        return list(self.trackers)

    def classify(self, images, windows, training=False):
        """Logits (B, N, C + 1) of the crops of images (B, S, S, 3) under windows (B, N, 4)."""
        crops = self.cropper(images, windows)
        batch, count = tf.shape(windows)[0], tf.shape(windows)[1]
        flat = tf.reshape(crops, [-1, self.window_size, self.window_size, 3])
        logits = tf.cast(self.classifier(flat, training=training), tf.float32)
        return tf.reshape(logits, [batch, count, self.num_classes + 1])

    def call(self, images, training=False):
        windows = tf.constant(self.windows)[None]

        def one_image(image):  # one image's windows at a time: memory stays that of one image
            return tf.nn.softmax(self.classify(image[None], windows)[0])

        probabilities = tf.map_fn(one_image, tf.cast(images, tf.float32),
                                  fn_output_signature=tf.TensorSpec([len(self.windows), self.num_classes + 1]))
        return {"boxes": tf.zeros([tf.shape(images)[0], len(self.windows), 4]), "classes": probabilities}

    def sampled_loss(self, images, targets, training):
        """(cross-entropy, accuracy) over the windows sampled in `targets`."""
        labels = targets["window_classes"]
        order = tf.where(labels >= 0, 1.0 + keras.random.uniform(tf.shape(labels), seed=self.seed_generator), -1.0)
        _, chosen = tf.math.top_k(order, k=self.samples)
        windows = tf.gather(tf.constant(self.windows), chosen)
        chosen_labels = tf.gather(labels, chosen, batch_dims=1)
        logits = self.classify(images, windows, training)
        mask = tf.cast(chosen_labels >= 0, tf.float32)
        cross = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.maximum(chosen_labels, 0), logits)
        right = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), chosen_labels), tf.float32)
        count = tf.maximum(tf.reduce_sum(mask), 1.0)
        loss = tf.reduce_sum(cross * mask) / count
        if self.losses:
            loss += tf.add_n([tf.cast(value, tf.float32) for value in self.losses])
        return loss, tf.reduce_sum(right * mask) / count

    def report(self, values):
        for tracker, value in zip(self.trackers, values):
            tracker.update_state(value)
        return {tracker.name: tracker.result() for tracker in self.trackers}

    def train_step(self, data):
        images, targets = data
        with tf.GradientTape() as tape:
            loss, accuracy = self.sampled_loss(images, targets, training=True)
        variables = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        return self.report((loss, accuracy))

    def test_step(self, data):
        images, targets = data
        return self.report(self.sampled_loss(images, targets, training=False))

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "classifier": keras.saving.serialize_keras_object(self.classifier),
                "image_size": self.image_size, "num_classes": self.num_classes, "min_level": self.min_level,
                "max_level": self.max_level, "num_scales": self.num_scales, "aspect_ratios": self.aspect_ratios,
                "anchor_size": self.anchor_size, "window_size": self.window_size, "samples": self.samples,
                "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["classifier"] = keras.saving.deserialize_keras_object(config["classifier"])
        return cls(**config)


def crop_classifier(window_size, width, num_classes):
    """(window_size, window_size, 3) crop in [0, 255] -> C + 1 logits: three conv stages, one hidden layer.

    Flattened, not globally pooled: a crop that holds a whole object and one
    that cuts it, or holds it small in a corner, differ by where the object is.
    """
    crops = keras.Input((window_size, window_size, 3), name="crops")
    x = keras.layers.Rescaling(1.0 / 255.0)(crops)
    for stage, filters in enumerate((width, 2 * width, 4 * width)):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal",
                                name=f"conv{stage + 1}")(x)
        x = keras.layers.ReLU()(keras.layers.BatchNormalization(name=f"norm{stage + 1}")(x))
        if stage < 2:
            x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)  # where in the crop the object lies is the question: no global pooling
    x = keras.layers.Dense(4 * width, activation="relu", name="hidden")(x)
    return keras.Model(crops, keras.layers.Dense(num_classes + 1, name="logits")(x), name="crop_classifier")


def build_sliding_window(config, image_size, num_classes):
    """(model, None): float images (S, S, 3) in [0, 255] -> window probabilities (no backbone to save)."""
    model = SlidingWindowDetector(
        crop_classifier(config.window_size, config.width, num_classes), image_size, num_classes,
        config.min_level, config.max_level, config.num_scales, config.ratios, config.anchor_size,
        window_size=config.window_size, seed=config.seed, name="sliding_window_detector")
    return model, None


def sliding_window_dataset(examples, windows, config, training=False):
    """(images, {"window_classes": (W,) sampled labels, -1 not sampled, ...}) batches."""
    windows = tf.constant(windows)

    def make_targets(boxes, classes, seed):
        labels = encode_targets(windows, boxes, classes, config.positive_iou, config.negative_iou)["classes"]
        order = tf.random.stateless_uniform([windows.shape[0]], seed)
        return {"window_classes": sample_labels(labels, order, SAMPLES, POSITIVE_FRACTION)}

    return target_dataset(examples, config, make_targets, training)


class SlidingWindowHooks:
    """What `--model sliding_window` changes in the detector's hooks (scoring and model.keras: nothing)."""

    def build(self, config, image_size, num_classes):
        return build_sliding_window(config, image_size, num_classes)

    def datasets(self, config, data):
        windows = anchors_for(config, data.image_size)
        return (sliding_window_dataset(data.train, windows, config, training=True),
                sliding_window_dataset(data.validation, windows, config))

    def compile(self, task, config, learning_rate):
        task.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=10.0))

    def summary(self, config, image_size):
        return {"model": "sliding_window", "classifier_evaluations_per_image": len(anchors_for(config, image_size)),
                "window_size": config.window_size}
