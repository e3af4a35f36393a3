"""The GoogLeNet inception module: parallel branches, concatenated."""

import keras


@keras.saving.register_keras_serializable(package="annsuite")
class InceptionBlock(keras.layers.Layer):
    """Four parallel branches concatenated on the channel axis.

    Branches (Szegedy et al. 2015): 1x1 conv; 1x1 reduce -> 3x3 conv;
    1x1 reduce -> 5x5 conv; 3x3 max-pool -> 1x1 conv. Output channels:
    `filters_1x1 + filters_3x3 + filters_5x5 + filters_pool`.

    Args:
        filters_1x1: channels of the 1x1 branch.
        filters_3x3_reduce: channels of the 1x1 reduction before the 3x3.
        filters_3x3: channels of the 3x3 branch.
        filters_5x5_reduce: channels of the 1x1 reduction before the 5x5.
        filters_5x5: channels of the 5x5 branch.
        filters_pool: channels of the 1x1 after the pooling branch.
        activation: Keras activation name.
        kernel_initializer: initializer of every convolution.
        kernel_regularizer: regularizer of every convolution, or None.
        **kwargs: standard layer arguments.

    Example:
    ```python
    block = InceptionBlock(16, 16, 24, 4, 8, 8)
    y = block(keras.random.normal((1, 16, 16, 32)))  # (1, 16, 16, 56)
    ```
    """

    def __init__(self, filters_1x1, filters_3x3_reduce, filters_3x3, filters_5x5_reduce,
                 filters_5x5, filters_pool, activation="relu", kernel_initializer="he_normal",
                 kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.filters_1x1 = filters_1x1
        self.filters_3x3_reduce = filters_3x3_reduce
        self.filters_3x3 = filters_3x3
        self.filters_5x5_reduce = filters_5x5_reduce
        self.filters_5x5 = filters_5x5
        self.filters_pool = filters_pool
        self.activation = activation
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

        def conv(filters, size, name):
            return keras.layers.Conv2D(
                filters, size, padding="same", activation=activation,
                kernel_initializer=self.kernel_initializer,
                kernel_regularizer=self.kernel_regularizer, dtype=self.dtype_policy, name=name)

        self.branch_1x1 = conv(filters_1x1, 1, "branch_1x1")
        self.reduce_3x3 = conv(filters_3x3_reduce, 1, "reduce_3x3")
        self.branch_3x3 = conv(filters_3x3, 3, "branch_3x3")
        self.reduce_5x5 = conv(filters_5x5_reduce, 1, "reduce_5x5")
        self.branch_5x5 = conv(filters_5x5, 5, "branch_5x5")
        self.pool = keras.layers.MaxPooling2D(3, strides=1, padding="same", dtype=self.dtype_policy)
        self.pool_proj = conv(filters_pool, 1, "pool_proj")

    def build(self, input_shape):
        for layer in (self.branch_1x1, self.reduce_3x3, self.reduce_5x5, self.pool_proj):
            layer.build(input_shape)
        self.branch_3x3.build(self.reduce_3x3.compute_output_shape(input_shape))
        self.branch_5x5.build(self.reduce_5x5.compute_output_shape(input_shape))
        self.built = True

    def call(self, inputs):
        return keras.ops.concatenate([
            self.branch_1x1(inputs),
            self.branch_3x3(self.reduce_3x3(inputs)),
            self.branch_5x5(self.reduce_5x5(inputs)),
            self.pool_proj(self.pool(inputs)),
        ], axis=-1)

    def compute_output_shape(self, input_shape):
        channels = self.filters_1x1 + self.filters_3x3 + self.filters_5x5 + self.filters_pool
        return (*input_shape[:-1], channels)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters_1x1": self.filters_1x1,
            "filters_3x3_reduce": self.filters_3x3_reduce,
            "filters_3x3": self.filters_3x3,
            "filters_5x5_reduce": self.filters_5x5_reduce,
            "filters_5x5": self.filters_5x5,
            "filters_pool": self.filters_pool,
            "activation": self.activation,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        })
        return config
