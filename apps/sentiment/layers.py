"""The sentiment app's serializable layers (what `RUN/model.keras` holds besides shared ones).

- `ClassProbabilities`: a sigmoid (N, 1) as two-class probabilities (N, 2).
- `BagOfWords`: token ids (N, T) -> one count, 0/1 or tf-idf vector per text.
- `TextClassifier`: raw strings -> labels around a keras-hub preprocessor
  (the transformer). keras-hub tokenizers keep their vocabulary as a model
  asset, loaded after a Functional model has been rebuilt by calling its
  layers, so a Functional model holding one cannot be reloaded; this small
  Model calls the preprocessor only when it runs.

The word models' text layer is `shared.text.TextToIds` (kind "word",
punctuation "drop"), and the label names are `shared.layers.ClassLabels`;
both are registered by `import apps`.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from shared.layers import ClassLabels
from shared.text import PAD_ID

BAG_MODES = ("tf_idf", "multi_hot", "count")


@keras.saving.register_keras_serializable(package="annsuite")
class ClassProbabilities(keras.layers.Layer):
    """Sigmoid outputs (N, 1) -> (N, 2) probabilities [1 - p, p]; softmax outputs (N, K) kept."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.built = True

    def call(self, outputs):
        outputs = tf.cast(outputs, tf.float32)
        if outputs.shape[-1] == 1:
            return tf.concat([1.0 - outputs, outputs], axis=-1)
        return outputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], max(2, input_shape[-1]))


@keras.saving.register_keras_serializable(package="annsuite")
class BagOfWords(keras.layers.Layer):
    """Token ids (N, T), 0-padded -> (N, vocabulary_size) float vectors.

    Args:
        vocabulary_size: ids 0 to vocabulary_size - 1 (0 is padding, never counted).
        mode: "count" (occurrences), "multi_hot" (1 where present) or "tf_idf"
            (occurrences x `idf`).
        idf: for "tf_idf", one inverse document frequency per id.

    Example:
        >>> BagOfWords(6, "count")(tf.constant([[4, 5, 4, 0]]))  # [[0, 0, 0, 0, 2, 1]]
    """

    def __init__(self, vocabulary_size, mode="count", idf=None, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if mode not in BAG_MODES:
            raise ValueError(f"mode must be one of {', '.join(BAG_MODES)}; got {mode!r}")
        if mode == "tf_idf" and (idf is None or len(idf) != vocabulary_size):
            raise ValueError(f"mode 'tf_idf' needs {vocabulary_size} idf weights, got "
                             f"{None if idf is None else len(idf)}")
        self.vocabulary_size = int(vocabulary_size)
        self.mode = mode
        self.idf = [float(value) for value in idf] if idf is not None else None
        weights = self.idf if mode == "tf_idf" else [1.0] * self.vocabulary_size
        self.weights_per_id = tf.constant([0.0 if i == PAD_ID else w for i, w in enumerate(weights)], tf.float32)

    def build(self, input_shape):
        self.built = True

    def call(self, ids):
        counts = tf.math.bincount(tf.cast(ids, tf.int32), minlength=self.vocabulary_size,
                                  maxlength=self.vocabulary_size, dtype=tf.float32, axis=-1)
        if self.mode == "multi_hot":
            counts = tf.minimum(counts, 1.0)
        return counts * self.weights_per_id

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.vocabulary_size)

    def get_config(self):
        return {**super().get_config(), "vocabulary_size": self.vocabulary_size, "mode": self.mode,
                "idf": self.idf}


@keras.saving.register_keras_serializable(package="annsuite")
class TextClassifier(keras.Model):
    """Raw strings (N,) -> {label, class_id, probability, probabilities}.

    Args:
        preprocessor: a layer from strings to the network's features (a
            keras-hub `TextClassifierPreprocessor`).
        network: the trained classifier on those features.
        class_names: the label of each class, in output order.
    """

    def __init__(self, preprocessor, network, class_names, **kwargs):
        super().__init__(**kwargs)
        self.preprocessor = preprocessor
        self.network = network
        self.class_names = [str(name) for name in class_names]
        self.class_probabilities = ClassProbabilities(name="class_probabilities")
        self.class_labels = ClassLabels(self.class_names, name="class_labels")
        self.built = True  # the parts are built; the preprocessor runs only in `call`

    def call(self, texts, training=False):
        texts = tf.reshape(tf.convert_to_tensor(texts, tf.string), [-1])
        outputs = self.network(self.preprocessor(texts), training=training)
        return self.class_labels(self.class_probabilities(outputs))

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "class_names": self.class_names,
                "preprocessor": keras.saving.serialize_keras_object(self.preprocessor),
                "network": keras.saving.serialize_keras_object(self.network)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        preprocessor = keras.saving.deserialize_keras_object(config.pop("preprocessor"))
        network = keras.saving.deserialize_keras_object(config.pop("network"))
        return cls(preprocessor, network, **config)
