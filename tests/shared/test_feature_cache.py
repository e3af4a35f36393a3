"""shared.feature_cache: a frozen encoder runs once per example; the disk cache is keyed and reused."""

import numpy as np
import pytest

from shared.feature_cache import cache_features, cache_file, cache_key


class CountingEncoder:
    """Doubles its input and counts the examples it saw."""

    def __init__(self, scale=2.0, name="counting"):
        self.calls = 0
        self.examples = 0
        self.scale = scale
        self.name = name

    def __call__(self, batch):
        batch = batch["x"] if isinstance(batch, dict) else batch
        self.calls += 1
        self.examples += len(batch)
        return np.asarray(batch, dtype="float32") * self.scale


def inputs(count=10):
    return np.arange(count * 3, dtype="float32").reshape(count, 3)


def test_every_example_encoded_once_in_batches():
    encoder = CountingEncoder()
    features = cache_features(encoder, inputs(10), batch_size=4)
    assert features.shape == (10, 3)
    np.testing.assert_allclose(features, inputs(10) * 2)
    assert encoder.calls == 3 and encoder.examples == 10


def test_disk_cache_reused_on_resume(tmp_path):
    first = CountingEncoder()
    features = cache_features(first, {"x": inputs(7)}, path=tmp_path / "cache", batch_size=3)
    assert first.examples == 7
    resumed = CountingEncoder()  # same name, same data: a resumed run
    again = cache_features(resumed, {"x": inputs(7)}, path=tmp_path / "cache", batch_size=3)
    assert resumed.calls == 0
    np.testing.assert_array_equal(features, again)
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 1


def test_key_changes_with_data_encoder_and_extra():
    base = cache_key(CountingEncoder(), inputs(5))
    assert base == cache_key(CountingEncoder(), inputs(5))
    assert base != cache_key(CountingEncoder(), inputs(6))
    assert base != cache_key(CountingEncoder(name="other"), inputs(5))
    assert base != cache_key(CountingEncoder(), inputs(5), extra="length=16")
    texts = ["a good film", "a bad film"]
    assert cache_key(CountingEncoder(), texts) != cache_key(CountingEncoder(), texts[::-1])


def test_keras_encoder_keyed_by_its_weights(tmp_path):
    keras = pytest.importorskip("keras")
    layer = keras.layers.Dense(2, name="projection")
    layer.build((None, 3))
    before = cache_key(layer, inputs(4))
    layer.set_weights([w + 1.0 for w in layer.get_weights()])
    assert cache_key(layer, inputs(4)) != before
    features = cache_features(layer, inputs(4), path=tmp_path, batch_size=3)
    assert features.shape == (4, 2)


def test_changed_data_encoded_again_and_stale_file_not_read(tmp_path):
    encoder = CountingEncoder()
    cache_features(encoder, inputs(4), path=tmp_path)
    cache_features(encoder, inputs(5), path=tmp_path)
    assert encoder.examples == 9
    assert len(list(tmp_path.glob("*.npy"))) == 2


def test_wrong_length_file_is_recomputed(tmp_path):
    encoder = CountingEncoder()
    key = cache_key(encoder, inputs(4))
    np.save(cache_file(tmp_path, key), np.zeros((2, 3), "float32"))
    features = cache_features(encoder, inputs(4), path=tmp_path)
    assert encoder.examples == 4 and features.shape == (4, 3)
    assert np.load(cache_file(tmp_path, key)).shape == (4, 3)


def test_by_length_encodes_shortest_first_and_returns_the_original_order(tmp_path):
    from shared.feature_cache import cache_features_by_length

    seen = []

    def encoder(batch):
        seen.append(np.asarray(batch["length"]).tolist())
        return np.asarray(batch["value"], "float32")[:, None] * 10.0

    inputs = {"value": np.arange(6, dtype="float32"), "length": np.array([5, 1, 4, 1, 3, 2])}
    features = cache_features_by_length(encoder, inputs, inputs["length"], tmp_path, batch_size=2)
    np.testing.assert_array_equal(features[:, 0], np.arange(6) * 10.0)  # the original order
    assert seen == [[1, 1], [2, 3], [4, 5]]  # batches of similar lengths, shortest first
    assert cache_features_by_length(encoder, inputs, inputs["length"], tmp_path, 2).tolist() == features.tolist()
    assert len(seen) == 3  # read back from the cache, not encoded again
