"""U-Net expansive step: up-sample, concatenate the skip, two convolutions."""

import keras

from shared.layers.unet_conv_block import UNetConvBlock

UPSAMPLING = ("transpose", "bilinear", "nearest")


@keras.saving.register_keras_serializable(package="annsuite")
class UNetUpBlock(keras.layers.Layer):
    """Up-sample 2x, concatenate the skip connection, UNetConvBlock.

    Called on `[inputs, skip]` where `skip` has twice the spatial size of
    `inputs` (the feature map of the same level of the contracting path).

    Args:
        filters: output channels (and of the transposed convolution).
        upsampling: "transpose" (learned 2x2 stride-2 convolution),
            "bilinear" or "nearest" (fixed interpolation, then a 1x1
            convolution to `filters` channels).
        batch_norm: BatchNormalization in the convolution block.
        dropout: dropout rate after the convolution block (0: none).
        activation: any Keras activation name.
        kernel_initializer: initializer of the convolution kernels.
        **kwargs: standard layer arguments (`name`, `dtype`, `trainable`).

    Example:
    ```python
    block = UNetUpBlock(16, upsampling="bilinear")
    y = block([keras.random.normal((2, 8, 8, 32)), keras.random.normal((2, 16, 16, 16))])
    # y: (2, 16, 16, 16)
    ```
    """

    def __init__(self, filters, upsampling="transpose", batch_norm=True, dropout=0.0,
                 activation="relu", kernel_initializer="he_normal", **kwargs):
        super().__init__(**kwargs)
        if upsampling not in UPSAMPLING:
            raise ValueError(f"upsampling must be one of {', '.join(UPSAMPLING)}; got {upsampling!r}")
        self.filters = filters
        self.upsampling = upsampling
        self.batch_norm = batch_norm
        self.dropout = dropout
        self.activation = activation
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        policy = self.dtype_policy
        if upsampling == "transpose":
            self.up = keras.layers.Conv2DTranspose(filters, 2, strides=2, padding="same", dtype=policy,
                                                   kernel_initializer=self.kernel_initializer, name="up")
            self.project = None
        else:
            self.up = keras.layers.UpSampling2D(2, interpolation=upsampling, dtype=policy, name="up")
            self.project = keras.layers.Conv2D(filters, 1, dtype=policy, name="project",
                                               kernel_initializer=self.kernel_initializer)
        self.concat = keras.layers.Concatenate(axis=-1, dtype=policy, name="concat")
        self.block = UNetConvBlock(filters, batch_norm=batch_norm, dropout=dropout, activation=activation,
                                   kernel_initializer=self.kernel_initializer, dtype=policy, name="block")

    def build(self, input_shape):
        inputs_shape, skip_shape = input_shape
        self.up.build(inputs_shape)
        up_shape = self.up.compute_output_shape(inputs_shape)
        if self.project is not None:
            self.project.build(up_shape)
        self.block.build((*skip_shape[:-1], self.filters + skip_shape[-1]))
        self.built = True

    def call(self, inputs, training=None):
        x, skip = inputs
        x = self.up(x)
        if self.project is not None:
            x = self.project(x)
        return self.block(self.concat([x, skip]), training=training)

    def compute_output_shape(self, input_shape):
        skip_shape = input_shape[1]
        return (*skip_shape[:-1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "upsampling": self.upsampling,
            "batch_norm": self.batch_norm,
            "dropout": self.dropout,
            "activation": self.activation,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        })
        return config
