"""Two 3x3 convolutions (batch norm, activation) and dropout: one U-Net level."""

import keras


@keras.saving.register_keras_serializable(package="annsuite")
class UNetConvBlock(keras.layers.Layer):
    """(Conv2D -> BatchNormalization -> activation) x 2 -> Dropout, size kept.

    One level of the U-Net's contracting path, its bottleneck, and the
    convolutions after each up-sampling (Ronneberger et al. 2015, with
    "same" padding so that the mask keeps the input's size).

    Args:
        filters: output channels of both convolutions.
        batch_norm: BatchNormalization after each convolution (the
            convolutions then have no bias).
        momentum: momentum of the BatchNormalization moving statistics;
            0.9 (rather than Keras' 0.99) lets them keep up with the
            few hundred steps of a short segmentation run.
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
                 kernel_initializer="he_normal", momentum=0.9, **kwargs):
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
        self.momentum = momentum
        self.convs, self.norms = [], []
        for index in (1, 2):
            self.convs.append(keras.layers.Conv2D(
                filters, 3, padding="same", use_bias=not batch_norm, kernel_initializer=self.kernel_initializer,
                dtype=self.dtype_policy, name=f"conv{index}"))
            if batch_norm:
                self.norms.append(keras.layers.BatchNormalization(momentum=momentum, dtype=self.dtype_policy,
                                                                  name=f"norm{index}"))
        self.act = keras.layers.Activation(activation, dtype=self.dtype_policy, name="act")
        self.drop = keras.layers.Dropout(dropout, name="dropout") if dropout else None

    def build(self, input_shape):
        shape = input_shape
        for index, conv in enumerate(self.convs):
            conv.build(shape)
            shape = conv.compute_output_shape(shape)
            if self.norms:
                self.norms[index].build(shape)
        self.built = True

    def call(self, inputs, training=None):
        x = inputs
        for index, conv in enumerate(self.convs):
            x = conv(x)
            if self.norms:
                x = self.norms[index](x, training=training)
            x = self.act(x)
        return self.drop(x, training=training) if self.drop is not None else x

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "batch_norm": self.batch_norm,
            "dropout": self.dropout,
            "activation": self.activation,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "momentum": self.momentum,
        })
        return config
