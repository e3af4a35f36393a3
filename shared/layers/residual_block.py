"""The ResNet basic block: two 3x3 convolutions and a skip connection."""

import keras


@keras.saving.register_keras_serializable(package="annsuite")
class ResidualBlock(keras.layers.Layer):
    """y = act(F(x) + shortcut(x)), F = conv-BN-act-conv-BN.

    The shortcut is the identity when shape is kept; when `strides` > 1 or
    the channel count changes it is a 1x1 convolution with batch norm (the
    projection shortcut of He et al. 2016).

    Args:
        filters: output channels.
        strides: stride of the first convolution (2 halves the size).
        activation: Keras activation name.
        kernel_initializer: initializer of every convolution.
        kernel_regularizer: regularizer of every convolution, or None.
        **kwargs: standard layer arguments.

    Example:
    ```python
    y = ResidualBlock(64, strides=2)(keras.random.normal((1, 16, 16, 32)))
    ```
    """

    def __init__(self, filters, strides=1, activation="relu", kernel_initializer="he_normal",
                 kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        if filters < 1:
            raise ValueError(f"filters must be >= 1, got {filters!r}")
        self.filters = filters
        self.strides = strides
        self.activation = activation
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        conv = dict(padding="same", use_bias=False, kernel_initializer=self.kernel_initializer,
                    kernel_regularizer=self.kernel_regularizer, dtype=self.dtype_policy)
        self.conv1 = keras.layers.Conv2D(filters, 3, strides=strides, name="conv1", **conv)
        self.norm1 = keras.layers.BatchNormalization(dtype=self.dtype_policy, name="norm1")
        self.conv2 = keras.layers.Conv2D(filters, 3, name="conv2", **conv)
        self.norm2 = keras.layers.BatchNormalization(dtype=self.dtype_policy, name="norm2")
        self.act = keras.layers.Activation(activation, dtype=self.dtype_policy)
        self.projection = None
        self.projection_norm = None

    def build(self, input_shape):
        if self.strides != 1 or input_shape[-1] != self.filters:
            self.projection = keras.layers.Conv2D(
                self.filters, 1, strides=self.strides, padding="same", use_bias=False,
                kernel_initializer=self.kernel_initializer,
                kernel_regularizer=self.kernel_regularizer, dtype=self.dtype_policy,
                name="projection")
            self.projection.build(input_shape)
            self.projection_norm = keras.layers.BatchNormalization(
                dtype=self.dtype_policy, name="projection_norm")
            self.projection_norm.build(self.projection.compute_output_shape(input_shape))
        self.conv1.build(input_shape)
        shape = self.conv1.compute_output_shape(input_shape)
        self.norm1.build(shape)
        self.conv2.build(shape)
        self.norm2.build(shape)
        self.built = True

    def call(self, inputs, training=None):
        x = self.act(self.norm1(self.conv1(inputs), training=training))
        x = self.norm2(self.conv2(x), training=training)
        shortcut = inputs
        if self.projection is not None:
            shortcut = self.projection_norm(self.projection(inputs), training=training)
        return self.act(x + shortcut)

    def compute_output_shape(self, input_shape):
        return self.conv1.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "strides": self.strides,
            "activation": self.activation,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        })
        return config
