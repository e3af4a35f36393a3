"""Overlap-tile prediction (Ronneberger et al. 2015) as two serializable layers.

    images (N, H, W, C) -> ExtractTiles -> tiles (T*N, t, t, C) -> network
        -> StitchTiles([tile probabilities, images]) -> (N, H, W, K)

Tiles of `tile` x `tile` pixels start every `tile - overlap` pixels, the last
one flush with the far edge; an image no larger than one tile is one tile
(the whole-image prediction itself). The stitched probabilities are the
average of the overlapping tiles, weighted by a window that falls towards
each tile's border, where a tile sees the least context. Where the tiles
agree (a network without spatial context, an image of one tile) the result
is exactly the whole-image prediction.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def tile_starts(length, tile, overlap):
    """Start offsets along one axis: every tile - overlap pixels, the last flush with the end."""
    stride = max(tile - overlap, 1)
    count = tf.maximum(1, (tf.maximum(length - tile, 0) + stride - 1) // stride + 1)
    return tf.minimum(tf.range(count) * stride, tf.maximum(length - tile, 0))


def grid(images, tile, overlap):
    """(tops, lefts) of every tile of images (N, H, W, C), row-major."""
    shape = tf.shape(images)
    tops, lefts = tile_starts(shape[1], tile, overlap), tile_starts(shape[2], tile, overlap)
    top, left = tf.meshgrid(tops, lefts, indexing="ij")
    return tf.reshape(top, [-1]), tf.reshape(left, [-1])


def window(tile, overlap):
    """(tile, tile) weights: 1 inside, falling linearly to a small value over `overlap` // 2 at the borders."""
    ramp = max(overlap // 2, 1)
    position = tf.cast(tf.range(tile), tf.float32)
    edge = tf.minimum(position, float(tile - 1) - position)
    side = tf.clip_by_value((edge + 1.0) / float(ramp), 1.0 / ramp, 1.0)
    return side[:, None] * side[None, :]


class TileLayer(keras.layers.Layer):
    """What the two tile layers share: the tile side and overlap, no weights."""

    def __init__(self, tile, overlap, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.tile, self.overlap = int(tile), int(overlap)

    def build(self, input_shape):
        self.built = True

    def get_config(self):
        return {**super().get_config(), "tile": self.tile, "overlap": self.overlap}


@keras.saving.register_keras_serializable(package="annsuite")
class ExtractTiles(TileLayer):
    """images (N, H, W, C), H, W >= tile or one tile -> overlapping tiles (T*N, tile, tile, C), tile-major.

    Args:
        tile: tile side in pixels (a multiple of the network's 2**depth).
        overlap: pixels shared by neighbouring tiles.
    """

    def call(self, images):
        shape = tf.shape(images)
        size = tf.minimum(shape[1:3], self.tile)
        tops, lefts = grid(images, self.tile, self.overlap)
        tiles = tf.map_fn(lambda at: tf.slice(images, [0, at[0], at[1], 0], [-1, size[0], size[1], -1]),
                          tf.stack([tops, lefts], axis=1), fn_output_signature=images.dtype)
        return tf.reshape(tiles, tf.concat([[-1], size, shape[3:]], axis=0))

    def compute_output_spec(self, images):
        return keras.KerasTensor((None, None, None, images.shape[-1]), dtype=images.dtype)


@keras.saving.register_keras_serializable(package="annsuite")
class StitchTiles(TileLayer):
    """[tile probabilities (T*N, t, t, K), images (N, H, W, C)] -> probabilities (N, H, W, K).

    Args:
        tile, overlap: as the ExtractTiles that cut the tiles.
    """

    def call(self, inputs):
        probabilities, images = inputs
        probabilities = tf.cast(probabilities, tf.float32)
        shape, classes = tf.shape(images), tf.shape(probabilities)[-1]
        tops, lefts = grid(images, self.tile, self.overlap)
        count, batch = tf.shape(tops)[0], shape[0]
        size = tf.shape(probabilities)[1:3]
        tiles = tf.reshape(probabilities, tf.concat([[count, batch], size, [classes]], axis=0))
        weights = window(self.tile, self.overlap)[:size[0], :size[1]]
        total = tf.zeros(tf.stack([batch, shape[1], shape[2], classes]))
        norm = tf.zeros(tf.stack([shape[1], shape[2]]))

        def add(index, total, norm):
            pad = [[tops[index], shape[1] - tops[index] - size[0]], [lefts[index], shape[2] - lefts[index] - size[1]]]
            total += tf.pad(tiles[index] * weights[None, :, :, None], [[0, 0], *pad, [0, 0]])
            return index + 1, total, norm + tf.pad(weights, pad)

        _, total, norm = tf.while_loop(lambda index, *_: index < count, add, (0, total, norm))
        return total / tf.maximum(norm, 1e-12)[None, :, :, None]

    def compute_output_spec(self, inputs):
        probabilities, images = inputs
        return keras.KerasTensor((images.shape[0], images.shape[1], images.shape[2], probabilities.shape[-1]),
                                 dtype="float32")
