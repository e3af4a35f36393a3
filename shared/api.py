"""The Python API of every app: `apps.<app>.train/load/export/main`, bound to its App.

`apps/<app>/__init__.py` sets `__getattr__ = python_api(__name__, "apps.<app>.app")`;
the App module is imported on first use, not at package import (so that
`python -m apps list` and `apps.<app>.config` stay light).
"""

from __future__ import annotations

import dataclasses
import importlib


class PythonAPI:
    """The module-level API of one app, bound to its App declaration.

    `apps/<app>/__init__.py` exposes `train`, `load`, `export` and `main`
    through it; the App module is imported on first use, not at package
    import (so `python -m apps list` and `apps.<app>.config` stay light).
    """

    def __init__(self, module, attribute="APP"):
        self.module = module
        self.attribute = attribute

    @property
    def app(self):
        return getattr(importlib.import_module(self.module), self.attribute)

    def train(self, config=None, **options):
        """Train with the CLI's options as keyword arguments; returns a RunResult."""
        app = self.app
        given = set(options) | (explicit_fields(config) if config is not None else set())
        config = app.make_config(options, config)
        return app.train(config, argv=["train", *(f"--set={k}={v}" for k, v in options.items())],
                         given=given)

    def load(self, run_dir, **overrides):
        """A TrainedModel of any run folder of this app."""
        return self.app.load(run_dir, **overrides)

    def export(self, run_dir, out=None):
        """Export a run folder's model as a SavedModel (default <run>/saved_model)."""
        return self.app.load(run_dir).export(out)

    def main(self, argv=None):
        return self.app.main(argv)

    def attribute_of(self, name):
        if name in ("train", "load", "export", "main"):
            return getattr(self, name)
        if name == "app":
            return self.app
        raise AttributeError(name)


def explicit_fields(config):
    """Options of a config object that differ from the dataclass defaults."""
    fresh = type(config)()
    return {f.name for f in dataclasses.fields(config) if getattr(config, f.name) != getattr(fresh, f.name)}


def python_api(module_name, app_module):
    """A module `__getattr__` giving `train`, `load`, `export`, `main`, `app`."""
    api = PythonAPI(app_module)

    def module_getattr(name):
        try:
            return api.attribute_of(name)
        except AttributeError:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}") from None

    return module_getattr
