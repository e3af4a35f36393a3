"""Test set-up: offline, quiet, every artefact under pytest's tmp_path."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("KAGGLEHUB_CACHE", "/nonexistent-offline")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _log_root(tmp_path, monkeypatch):
    """Default run folders go under the test's tmp_path, never the checkout."""
    monkeypatch.setenv("ANNSUITE_LOGDIR", str(tmp_path / "tensorboard_logs"))
