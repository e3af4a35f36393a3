"""Chatbot: retrieval dual encoder, seq2seq and hierarchical multi-turn generators.

Python API (the CLI's options as keyword arguments)::

    import apps.chatbot as chatbot
    run = chatbot.train(model="hierarchical", epochs=3)   # RunResult(path, metrics)
    model = chatbot.load(run.path)
    model.predict(["what is the weather in paris today? || and tomorrow?"])
    # [{"context": ..., "response": ...}]: turns separated by "||" (separator=...),
    # or each conversation as a list of turns
    chatbot.export(run.path, "out/")

`RUN/model.keras` alone answers too (`import apps` registers its layers):
`keras.saving.load_model(path, safe_mode=True).predict(np.array(conversations,
dtype=object))`, each conversation one string, its turns joined by "||";
it returns {"response": ...} (see apps/chatbot/inference.py).
"""

from shared.app import python_api

DESCRIPTION = "chatbots: retrieval dual encoder, seq2seq, hierarchical attention multi-turn generator"
METRIC = "follow_up_exact_match"
DEMO_ARGS = ["--epochs", "3", "--dialogues", "1200"]

# train, load, export, main: from apps.chatbot.app, imported on first use so
# that `python -m apps list` and `apps.chatbot.config` stay light.
__getattr__ = python_api(__name__, "apps.chatbot.app")
