"""annsuite's applications, one package each, run as `python -m apps.<app>`."""

import importlib
import importlib.util

import shared  # noqa: F401 - sets the Keras backend before any app imports Keras
import shared.backbones  # noqa: F401 - registers the backbones that model.keras files hold
import shared.layers  # noqa: F401 - registers the layers that model.keras files hold
import shared.text  # noqa: F401 - registers the text layers (tokenizers inside models)

# The apps in the order `list` and `demo` show them. An app package defines
# DESCRIPTION, METRIC (the metrics.json test key the demo reports) and
# DEMO_ARGS (a short training budget on its default data).
APPS = ("classifier", "segmenter", "detector", "sentiment", "translator", "chatbot", "gan", "foundations", "word2vec",
        "memory")

# Each app's serializable layers live in (or are imported by) `apps/<app>/layers.py`;
# importing them here registers them, so `import apps` is all that
# `keras.saving.load_model("RUN/model.keras", safe_mode=True)` needs.
MODEL_MODULES = tuple(f"apps.{name}.layers" for name in APPS
                      if importlib.util.find_spec(f"apps.{name}.layers") is not None)

for _module in MODEL_MODULES:
    importlib.import_module(_module)
