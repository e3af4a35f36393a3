"""A trained run, opened from its folder, and what `train` returns."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from shared import training
from shared.records import read_json


@dataclass
class RunResult:
    """What `App.train` returns: the run folder and its metrics.json content."""

    path: Path
    metrics: dict


MODEL_FILE = "model.keras"


@dataclass
class TrainedModel:
    """A trained run, opened from its folder: `predict` takes raw inputs.

    Attributes:
        app: the App that trained it.
        path: the run folder.
        config: the resolved config the run was trained with.
        model: `model.keras`, the model that carries its preprocessing (raw
            inputs in, decoded outputs out), for apps that write one; else the
            best checkpoint.
        state: what the app's `restore` hook read besides the model.
    """

    app: object  # the shared.app.App that trained it
    path: Path
    config: object
    model: object
    state: dict = field(default_factory=dict)
    _network: object = None

    @property
    def network(self):
        """The trained network on preprocessed arrays (`checkpoints/best.keras`)."""
        if self._network is None:
            self._network = training.load_best_model(self.path)
        return self._network

    def predict(self, inputs, **options):
        """The rows the CLI's `predict` prints, as a list of dicts."""
        if isinstance(inputs, (str, Path)):
            inputs = [inputs]
        return self.app.predict_rows(self, list(inputs), **options)

    def evaluate(self, data=None, skip_bad=False):
        """Test metrics on the run's held-out split, or on all of `data`."""
        return self.app.evaluate(self, data, skip_bad=skip_bad)

    def export(self, out=None, **options):
        """A SavedModel serving raw inputs, checked against this model."""
        return self.app.export(self, Path(out) if out else self.path / "saved_model", **options)


def rows_to_csv(rows):
    """CSV text of a list of dicts (columns: the first row's keys)."""
    text = io.StringIO()
    if rows:
        writer = csv.DictWriter(text, fieldnames=list(rows[0]), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return text.getvalue()


def read_run_config(run_dir):
    """The resolved config dict of a run folder."""
    return read_json(Path(run_dir) / "config.json").get("config", {})


