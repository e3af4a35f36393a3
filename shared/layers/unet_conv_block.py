"""Two 3x3 convolution blocks and optional dropout: one level of a U-Net."""

import keras

from shared.layers.conv_block import ConvBlock


@keras.saving.register_keras_serializable(package="annsuite")
class UNetConvBlock(keras.layers.Layer):
    """ConvBlock -> ConvBlock -> Dropout (optional), size kept.

    One level of the U-Net's contracting path, its bottleneck, and the
    convolutions after each up-sampling (Ronneberger et al. 2015, with
    "same" padding so that the mask keeps the input's size).

    Args:
        filters: output channels of both convolutions.
        batch_norm: BatchNormalization after each convolution.
        dropout: dropout rate after the second convolution (0: none).
        activation: any Keras activation name.
        kernel_initializer: initializer of the convolution kernels.
        **kwargs: standard layer arguments (`name`, `dtype`, `trainable`).

    Example:
    ```python
    block = UNetConvBlock(16, dropout=0.1)
    y = block(keras.random.normal((2, 32, 32, 3)))  # (2, 32, 32, 16)
    ```
    """

    def __init__(self, filters, batch_norm=True, dropout=0.0, activation="relu",
                 kernel_initializer="he_normal", **kwargs):
        super().__init__(**kwargs)
        if filters < 1:
            raise ValueError(f"filters must be >= 1, got {filters!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.filters = filters
        self.batch_norm = batch_norm
        self.dropout = dropout
        self.activation = activation
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        options = dict(batch_norm=batch_norm, activation=activation,
                       kernel_initializer=self.kernel_initializer, dtype=self.dtype_policy)
        self.conv1 = ConvBlock(filters, 3, name="conv1", **options)
        self.conv2 = ConvBlock(filters, 3, name="conv2", **options)
        self.drop = keras.layers.Dropout(dropout, name="dropout") if dropout else None

    def build(self, input_shape):
        self.conv1.build(input_shape)
        self.conv2.build(self.conv1.compute_output_shape(input_shape))
        self.built = True

    def call(self, inputs, training=None):
        x = self.conv2(self.conv1(inputs, training=training), training=training)
        return self.drop(x, training=training) if self.drop is not None else x

    def compute_output_shape(self, input_shape):
        return self.conv2.compute_output_shape(self.conv1.compute_output_shape(input_shape))

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "batch_norm": self.batch_norm,
            "dropout": self.dropout,
            "activation": self.activation,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        })
        return config
