"""Region of interest max pooling (Fast R-CNN, Girshick 2015)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="annsuite")
class RoiPooling(keras.layers.Layer):
    """A fixed-size max-pooled crop of a feature map per box.

    Each box is mapped onto the feature map (`spatial_scale` feature cells
    per input pixel) and covers the cells it touches: columns
    floor(x_min * s) to ceil(x_max * s) - 1 (at least one cell), likewise
    rows. That region is divided into `pool_size` x `pool_size` bins as in
    Fast R-CNN (bin p spans cells floor(p * L / P) to ceil((p + 1) * L / P)
    - 1 of a region of L cells) and each bin keeps the maximum of every
    channel. Bins falling outside the map give 0. The computation is exact
    and vectorised over masks, O(boxes * pool_size * H * W * C) memory: meant
    for the small maps of this suite.

    Args:
        pool_size: bins per side of the output.
        spatial_scale: feature-map cells per input pixel (1 / stride).
        **kwargs: standard layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        features: (batch, H, W, C) feature map.
        boxes: (batch, N, 4) boxes `xyxy` in input pixels.

    Returns:
        (batch, N, pool_size, pool_size, C).

    Example:
    ```python
    features = keras.random.normal((2, 16, 16, 32))  # stride 4 of 64 px images
    boxes = keras.ops.convert_to_tensor([[[0, 0, 32, 32]] * 3] * 2, "float32")
    pooled = RoiPooling(7, spatial_scale=0.25)(features, boxes)  # (2, 3, 7, 7, 32)
    ```
    """

    def __init__(self, pool_size=7, spatial_scale=1.0, **kwargs):
        super().__init__(**kwargs)
        if int(pool_size) < 1:
            raise ValueError(f"pool_size must be >= 1, got {pool_size!r}")
        if spatial_scale <= 0:
            raise ValueError(f"spatial_scale must be > 0, got {spatial_scale!r}")
        self.pool_size = int(pool_size)
        self.spatial_scale = float(spatial_scale)

    def build(self, features_shape, boxes_shape=None):
        self.built = True

    def bin_masks(self, low, high, cells):
        """(B, N, pool_size, cells) bool: which cells each bin of a side covers."""
        start = ops.floor(low * self.spatial_scale)
        end = ops.maximum(ops.ceil(high * self.spatial_scale), start + 1)  # exclusive
        length = (end - start)[..., None]
        bins = ops.arange(self.pool_size, dtype="float32")
        bin_start = ops.floor(bins * length / self.pool_size) + start[..., None]
        bin_end = ops.ceil((bins + 1) * length / self.pool_size) + start[..., None]
        index = ops.arange(cells, dtype="float32")
        return ops.logical_and(index >= bin_start[..., None], index < bin_end[..., None])

    def call(self, features, boxes):
        boxes = ops.cast(boxes, "float32")
        features = ops.cast(features, "float32")
        height, width = ops.shape(features)[1], ops.shape(features)[2]
        columns = self.bin_masks(boxes[..., 0], boxes[..., 2], width)  # (B, N, P, W)
        rows = self.bin_masks(boxes[..., 1], boxes[..., 3], height)  # (B, N, P, H)
        lowest = ops.convert_to_tensor(float("-inf"))
        # Max over the columns of each horizontal bin: (B, N, Px, H, C).
        grid = features[:, None, None, :, :, :]
        across = ops.max(ops.where(columns[:, :, :, None, :, None], grid, lowest), axis=4)
        # Then over the rows of each vertical bin: (B, N, Py, Px, C).
        down = ops.max(ops.where(rows[:, :, :, None, :, None], across[:, :, None], lowest), axis=4)
        return ops.cast(ops.where(ops.isinf(down), 0.0, down), self.compute_dtype)

    def compute_output_shape(self, features_shape, boxes_shape):
        return (features_shape[0], boxes_shape[1], self.pool_size, self.pool_size, features_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "spatial_scale": self.spatial_scale})
        return config
