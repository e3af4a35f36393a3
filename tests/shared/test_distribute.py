"""shared.distribute.predict: the model's outputs for this process's inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from shared.backbones import build_backbone
from shared.distribute import RepeatedPredict, predict, read_tf_config, synchronize_batch_norm
from shared.errors import UsageError
from shared.training import get_strategy


def two_headed_model():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="relu")(inputs)
    return keras.Model(inputs, {"a": keras.layers.Dense(2)(hidden), "b": keras.layers.Dense(1)(hidden)})


def test_predict_returns_every_row_in_order_for_structured_outputs():
    keras.utils.set_random_seed(0)
    model = two_headed_model()
    x = np.random.default_rng(0).normal(size=(37, 3)).astype("float32")
    outputs = predict(model, x, batch_size=8)
    expected = model(x, training=False)
    assert set(outputs) == {"a", "b"} and outputs["a"].shape == (37, 2)
    np.testing.assert_allclose(outputs["a"], keras.ops.convert_to_numpy(expected["a"]), atol=1e-6)
    np.testing.assert_allclose(outputs["b"], keras.ops.convert_to_numpy(expected["b"]), atol=1e-6)


def test_repeated_predict_follows_the_weights_and_the_model_it_is_given():
    keras.utils.set_random_seed(0)
    model = two_headed_model()
    x = np.random.default_rng(1).normal(size=(37, 3)).astype("float32")
    repeated = RepeatedPredict(x, batch_size=16)
    first = repeated(model)
    np.testing.assert_allclose(first["a"], predict(model, x)["a"], atol=1e-6)
    model.set_weights([w * 2.0 for w in model.get_weights()])  # a training step's change is seen
    np.testing.assert_allclose(repeated(model)["b"], predict(model, x)["b"], atol=1e-5)
    assert not np.allclose(repeated(model)["b"], first["b"])
    other = two_headed_model()
    np.testing.assert_allclose(repeated(other)["a"], predict(other, x)["a"], atol=1e-6)


class _TwoReplicas:
    num_replicas_in_sync = 2


def test_batch_norm_is_synchronized_only_across_several_replicas(tmp_path):
    model = build_backbone("resnet", (16, 16, 3), width=4)[0]
    x = np.random.default_rng(0).normal(size=(4, 16, 16, 3)).astype("float32")
    before = keras.ops.convert_to_numpy(model(x, training=True))
    assert synchronize_batch_norm(model, tf.distribute.get_strategy()) == 0  # one replica: unchanged
    changed = synchronize_batch_norm(model, _TwoReplicas())
    assert changed > 0 and synchronize_batch_norm(model, _TwoReplicas()) == 0
    after = keras.ops.convert_to_numpy(model(x, training=True))  # one device: the same statistics
    np.testing.assert_allclose(after, before, rtol=1e-3, atol=1e-3)
    model.save(tmp_path / "synced.keras")
    loaded = keras.saving.load_model(tmp_path / "synced.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("text, problem", [
    ("{not json", "is not JSON"),
    ("[1, 2]", "must be a JSON object"),
    ('{"cluster": {"worker": "localhost:1"}}', "lists of \"host:port\""),
    ('{"cluster": {"worker": ["localhost:1"]}, "task": {"type": "worker", "index": "0"}}', "'task' must be"),
    ('{"cluster": {"worker": ["localhost:1"]}, "task": {"type": "worker", "index": 3}}', "is not in its cluster"),
])
def test_a_malformed_tf_config_is_one_line(monkeypatch, text, problem):
    monkeypatch.setenv("TF_CONFIG", text)
    with pytest.raises(UsageError, match=problem):
        read_tf_config()
    with pytest.raises(UsageError, match=problem):
        get_strategy("multi-worker")
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}')
    assert read_tf_config()["task"]["index"] == 1
