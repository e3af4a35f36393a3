"""`python -m apps list | demo`."""

import importlib

import pytest

from apps import APPS
from apps.__main__ import main


def test_every_app_declares_what_the_demo_needs():
    for name in APPS:
        package = importlib.import_module(f"apps.{name}")
        assert package.DESCRIPTION and package.METRIC and isinstance(package.DEMO_ARGS, list)
        assert callable(package.main) and callable(package.train) and callable(package.load)
        assert callable(package.export)


def test_list_prints_one_line_per_app(capsys):
    rows = main(["list"])
    assert list(rows) == list(APPS)
    assert len(capsys.readouterr().out.strip().splitlines()) == len(APPS)


def test_demo_runs_and_prints_the_summary_table(tmp_path, monkeypatch, capsys):
    import apps.classifier

    monkeypatch.setattr(apps.classifier, "DEMO_ARGS", ["--epochs", "1", "--max-train-samples", "64", "--width", "4"])
    result = main(["demo", "classifier", "--root", str(tmp_path)])
    row = result["classifier"]
    assert row["metric"] == "accuracy" and 0.0 <= row["value"] <= 1.0
    assert (tmp_path / "classifier").is_dir() and row["run_dir"].startswith(str(tmp_path))
    out = capsys.readouterr().out
    assert "app" in out and "classifier" in out and "accuracy" in out


def test_demo_rejects_unknown_apps():
    with pytest.raises(SystemExit) as info:
        main(["demo", "nope"])
    assert info.value.code == 2
