"""The one PNG encoder: arrays in [0, 255] to PNG bytes or files."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from shared.records import replace_atomically


def to_uint8(image):
    """Round and clip to uint8; a single channel becomes a 2-D grey image."""
    array = np.clip(np.round(np.asarray(image, dtype="float32")), 0, 255).astype("uint8")
    return array[..., 0] if array.ndim == 3 and array.shape[-1] == 1 else array


def encode_png(image):
    """PNG bytes of an (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) image."""
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(image)).save(buffer, format="PNG")
    return buffer.getvalue()


def save_png(array, path):
    """Write `array` as a PNG file (atomically); returns the path."""
    path = Path(path)
    data = encode_png(array)
    replace_atomically(lambda tmp: Path(tmp).write_bytes(data), path)
    return path
