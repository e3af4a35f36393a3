"""Input scaling of the ImageNet-pretrained keras.applications models."""

import keras

MODES = ("tf", "caffe", "torch")
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCH_MEAN = (0.485, 0.456, 0.406)
TORCH_STD = (0.229, 0.224, 0.225)


@keras.saving.register_keras_serializable(package="annsuite")
class ImagenetPreprocessing(keras.layers.Layer):
    """Map RGB images in [0, 255] to what a pretrained network expects.

    The serializable equivalent of `keras.applications.*.preprocess_input`
    (a Lambda layer holding that function would not load in safe mode).

    Args:
        mode: "tf" (scale to [-1, 1]: MobileNet, Inception), "caffe"
            (RGB -> BGR, subtract the ImageNet mean: VGG, ResNet50) or
            "torch" (scale to [0, 1], normalise by ImageNet mean and std).
        **kwargs: standard layer arguments.

    Example:
    ```python
    y = ImagenetPreprocessing("tf")(keras.ops.ones((1, 8, 8, 3)) * 255.0)  # all 1.0
    ```
    """

    def __init__(self, mode="tf", **kwargs):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode = mode

    def call(self, inputs):
        x = keras.ops.cast(inputs, self.compute_dtype)
        if self.mode == "tf":
            return x / 127.5 - 1.0
        if self.mode == "caffe":
            return keras.ops.flip(x, axis=-1) - keras.ops.convert_to_tensor(CAFFE_MEAN_BGR, x.dtype)
        mean = keras.ops.convert_to_tensor(TORCH_MEAN, x.dtype)
        std = keras.ops.convert_to_tensor(TORCH_STD, x.dtype)
        return (x / 255.0 - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"mode": self.mode})
        return config
