"""The memory networks' training set-up: the learning-rate decay, the clipping and XLA."""

import numpy as np
import pytest

from apps.memory.config import MemoryConfig
from apps.memory.model import build_network, compile_network, learning_rate

SMALL = {"units": 8, "memory_size": 8, "memory_width": 4}


def test_the_rate_decays_by_cosine_to_five_percent_over_the_run():
    schedule = learning_rate(MemoryConfig(learning_rate=1e-3), 100)
    assert float(schedule(0)) == pytest.approx(1e-3)
    assert float(schedule(50)) == pytest.approx(1e-3 * (0.05 + 0.95 * 0.5), rel=1e-5)
    assert float(schedule(100)) == pytest.approx(5e-5, rel=1e-5)
    assert learning_rate(MemoryConfig(learning_rate=2e-3, lr_decay=False), 100) == 2e-3


def test_compile_clips_the_global_norm_and_jit_compiles_by_default():
    config = MemoryConfig(**SMALL)
    assert config.clip_norm == 0.1 and config.jit_compile and not config.curriculum
    model = build_network(config, 10, 8)
    compile_network(model, config, 30)
    assert model.optimizer.global_clipnorm == pytest.approx(0.1) and model.jit_compile
    plain = build_network(config, 10, 8)
    compile_network(plain, MemoryConfig(**SMALL, jit_compile=False), 30)
    assert not plain.jit_compile


def test_one_clipped_step_moves_the_weights_by_at_most_the_rate():
    config = MemoryConfig(**SMALL, jit_compile=False, lr_decay=False, learning_rate=0.01)
    model = build_network(config, 10, 8)
    compile_network(model, config)
    before = [w.numpy().copy() for w in model.trainable_weights]
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 2, (4, 5, 10)).astype("float32"), rng.integers(0, 2, (4, 5, 8)).astype("float32")
    model.train_on_batch(x, y, sample_weight=np.ones((4, 5), "float32"))
    moved = max(float(np.abs(w.numpy() - b).max()) for w, b in zip(model.trainable_weights, before))
    assert 0.0 < moved <= 0.01 * 1.01  # Adam's first step is lr * sign(g) per weight
