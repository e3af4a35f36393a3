"""annsuite's applications, one package each, run as `python -m apps.<app>`."""

import shared  # noqa: F401 - sets the Keras backend before any app imports Keras

# The apps in the order `list` and `demo` show them. An app package defines
# DESCRIPTION, METRIC (the metrics.json test key the demo reports) and
# DEMO_ARGS (a short training budget on its default data).
APPS = ("classifier", "segmenter", "detector", "sentiment", "translator", "chatbot", "gan", "foundations", "word2vec")
