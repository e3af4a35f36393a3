"""A frozen encoder's outputs, computed once per example and cached.

A frozen phase (a pretrained encoder whose weights do not change while a
head trains on its outputs) needs each example's encoding once, not once per
epoch. `cache_features(encoder, inputs)` runs the encoder over the inputs in
batches and returns the stacked outputs; with `path` (a folder, e.g.
`RUN/cache`) they are also written to `<path>/<key>.npy`, where the key
(`cache_key`) is a hash of the encoder's weights (or its name) and of the
inputs, so a resumed run, or another run on the same data and encoder,
reads them back instead of encoding again, and a changed encoder or data
set never reads a stale file.

    features = cache_features(encoder, {"token_ids": ids, "padding_mask": mask},
                              path=run.path / "cache", batch_size=256)

`inputs` is an array, a list (of strings, say), or a dict of equally long
arrays (a model's named inputs); the encoder is any callable from one batch
of those to an array (or a tensor) whose first axis is the batch.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np

log = logging.getLogger("annsuite")

CACHE_VERSION = "1"


def _update_with_array(digest, value):
    array = np.asarray(value)
    if array.dtype == object:
        for item in array.reshape(-1):
            data = str(item).encode("utf-8")
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
    else:
        digest.update(str(array.dtype).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(repr(array.shape).encode())


def data_fingerprint(inputs):
    """A hex digest of `inputs` (an array, a list, or a dict of arrays)."""
    digest = hashlib.sha256()
    if isinstance(inputs, dict):
        for name in sorted(inputs):
            digest.update(str(name).encode("utf-8"))
            _update_with_array(digest, _as_array(inputs[name]))
    else:
        _update_with_array(digest, _as_array(inputs))
    return digest.hexdigest()


def encoder_fingerprint(encoder):
    """A hex digest of an encoder: its weights when it has them (a Keras layer or model),
    else its qualified name (give `cache_key` an `extra` that names its version then)."""
    digest = hashlib.sha256()
    name = getattr(encoder, "name", None) or getattr(encoder, "__qualname__", type(encoder).__qualname__)
    digest.update(str(name).encode("utf-8"))
    weights = getattr(encoder, "weights", None)
    if weights:
        for weight in weights:
            digest.update(str(getattr(weight, "path", getattr(weight, "name", ""))).encode("utf-8"))
            _update_with_array(digest, np.asarray(weight))
    return digest.hexdigest()


def cache_key(encoder, inputs, extra=""):
    """The name of a cache file: the encoder, the inputs and `extra` (e.g. the sequence length)."""
    digest = hashlib.sha256()
    for part in (CACHE_VERSION, encoder_fingerprint(encoder), data_fingerprint(inputs), str(extra)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def _as_array(value):
    if isinstance(value, (list, tuple)):
        return np.asarray(value, dtype=object if value and isinstance(value[0], str) else None)
    return np.asarray(value)


def _length(inputs):
    if isinstance(inputs, dict):
        lengths = {name: len(_as_array(value)) for name, value in inputs.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"inputs of different lengths: {lengths}")
        return next(iter(lengths.values()), 0)
    return len(_as_array(inputs))


def _batch(inputs, start, stop):
    if isinstance(inputs, dict):
        return {name: _as_array(value)[start:stop] for name, value in inputs.items()}
    return _as_array(inputs)[start:stop]


def encode_all(encoder, inputs, batch_size=256):
    """The encoder's outputs for every example of `inputs`, stacked (no cache)."""
    count = _length(inputs)
    if count == 0:
        raise ValueError("no inputs to encode")
    parts = []
    for start in range(0, count, batch_size):
        output = encoder(_batch(inputs, start, min(count, start + batch_size)))
        parts.append(np.asarray(output.numpy() if hasattr(output, "numpy") else output))
    return np.concatenate(parts, axis=0)


def cache_file(path, key):
    """`<path>/<key>.npy`."""
    return Path(path) / f"{key}.npy"


def cache_features(encoder, inputs, path=None, batch_size=256, key=None, extra=""):
    """The encoder's outputs for each example of `inputs`, computed once.

    Without `path` they are computed and returned (the caller keeps them in
    memory for every epoch). With `path` (a folder) they are read from
    `<path>/<key>.npy` when that file exists and holds one row per input,
    else computed and written there atomically. `key` defaults to
    `cache_key(encoder, inputs, extra)`.
    """
    if path is None:
        return encode_all(encoder, inputs, batch_size)
    key = key or cache_key(encoder, inputs, extra)
    file = cache_file(path, key)
    count = _length(inputs)
    if file.is_file():
        try:
            features = np.load(file, allow_pickle=False)
        except (OSError, ValueError) as error:
            log.warning("feature cache %s unreadable (%s): encoding again", file, error)
        else:
            if len(features) == count:
                log.info("features: %d examples read from the cache %s", count, file)
                return features
            log.warning("feature cache %s holds %d rows, not %d: encoding again", file, len(features), count)
    features = encode_all(encoder, inputs, batch_size)
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(f"{file.stem}.{os.getpid()}.partial.npy")
    np.save(partial, features, allow_pickle=False)
    os.replace(partial, file)
    log.info("features: %d examples encoded and cached in %s", count, file)
    return features


def cache_features_by_length(encoder, inputs, lengths, path=None, batch_size=256):
    """`cache_features` with the examples encoded shortest first (so each batch can be cut to its
    longest example), returned in their original order. `lengths`: one number per example."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    if isinstance(inputs, dict):
        ordered = {name: _as_array(value)[order] for name, value in inputs.items()}
    else:
        ordered = _as_array(inputs)[order]
    features = cache_features(encoder, ordered, path=path, batch_size=batch_size)
    unsorted = np.empty_like(features)
    unsorted[order] = features
    return unsorted
