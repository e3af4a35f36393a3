"""Convolution, optional batch normalisation, activation."""

import keras


@keras.saving.register_keras_serializable(package="annsuite")
class ConvBlock(keras.layers.Layer):
    """Conv2D -> BatchNormalization (optional) -> activation.

    The unit the built-in backbones (VGG stacks, AlexNet, LeNet-5, stems)
    are made of.

    Args:
        filters: number of output channels.
        kernel_size: size of the square kernel.
        strides: stride of the convolution.
        padding: "same" or "valid".
        activation: any Keras activation name.
        batch_norm: add BatchNormalization after the convolution (the
            convolution then has no bias).
        kernel_initializer: e.g. "he_normal" or "glorot_uniform".
        kernel_regularizer: a Keras regularizer (or its config), or None.
        **kwargs: standard layer arguments (`name`, `dtype`, `trainable`).

    Example:
    ```python
    block = ConvBlock(32, kernel_size=3, strides=2)
    y = block(keras.random.normal((2, 32, 32, 3)))  # (2, 16, 16, 32)
    ```
    """

    def __init__(self, filters, kernel_size=3, strides=1, padding="same", activation="relu",
                 batch_norm=True, kernel_initializer="he_normal", kernel_regularizer=None,
                 **kwargs):
        super().__init__(**kwargs)
        if filters < 1:
            raise ValueError(f"filters must be >= 1, got {filters!r}")
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.batch_norm = batch_norm
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.conv = keras.layers.Conv2D(
            filters, kernel_size, strides=strides, padding=padding, use_bias=not batch_norm,
            kernel_initializer=self.kernel_initializer,
            kernel_regularizer=self.kernel_regularizer, dtype=self.dtype_policy, name="conv")
        self.norm = (keras.layers.BatchNormalization(dtype=self.dtype_policy, name="norm")
                     if batch_norm else None)
        self.act = keras.layers.Activation(activation, dtype=self.dtype_policy, name="act")

    def build(self, input_shape):
        self.conv.build(input_shape)
        output_shape = self.conv.compute_output_shape(input_shape)
        if self.norm is not None:
            self.norm.build(output_shape)
        self.built = True

    def call(self, inputs, training=None):
        x = self.conv(inputs)
        if self.norm is not None:
            x = self.norm(x, training=training)
        return self.act(x)

    def compute_output_shape(self, input_shape):
        return self.conv.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "activation": self.activation,
            "batch_norm": self.batch_norm,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        })
        return config
