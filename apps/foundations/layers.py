"""The foundations app's own layer: the mlp network's P(class 1) decoded inside model.keras.

`import apps` imports this module (apps/__init__.py MODEL_MODULES), so
`keras.saving.load_model("RUN/model.keras", safe_mode=True)` finds the layer.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="annsuite")
class BinaryDecision(keras.layers.Layer):
    """P(class 1) of shape (N, 1) -> {"probability": (N,) float32, "label": (N,) int32}.

    The label is 1 where the probability is above `threshold`, else 0 (the
    data's labels are 0/1; a CSV's -1/1 labels are read as 0/1).

    Args:
        threshold: the probability above which a point is class 1.
        **kwargs: standard layer arguments.

    Example:
        >>> BinaryDecision()(np.array([[0.2], [0.9]], "float32"))["label"]  # [0, 1]
    """

    def __init__(self, threshold=0.5, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if not 0.0 < float(threshold) < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {threshold!r}")
        self.threshold = float(threshold)

    def build(self, input_shape):
        self.built = True

    def call(self, probability):
        probability = ops.cast(probability[:, 0], "float32")
        return {"probability": probability, "label": ops.cast(probability > self.threshold, "int32")}

    def compute_output_spec(self, probability):
        batch = probability.shape[0]
        return {"probability": keras.KerasTensor((batch,), dtype="float32"),
                "label": keras.KerasTensor((batch,), dtype="int32")}

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
