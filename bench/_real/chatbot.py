"""Chatbot on real dialogues (issue #20).

The default command picks the retrieval dual encoder on the pretrained sentence encoder for real
data where the encoder is installed (apps/chatbot/defaults.py), so the case passes no flag. The
issue's time bar is per epoch after the first (the first encodes each distinct context and response
once): metrics.json has `epoch_seconds` and `slowest_epoch_after_first`, and train.log logs every
epoch; the runner measures one metric per case, so that bar is read from the same run's files
(docs/chatbot.md) rather than by training a second time.
"""

CASES = [
    {"name": "chatbot simple_dialogs", "app": "chatbot", "data": "simple_dialogs",
     "metric": "test.recall_at_1_of_10", "bar": (">=", 0.75), "minutes": 15},
]
