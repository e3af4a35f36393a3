"""Chatbot: retrieval dual encoder, seq2seq and hierarchical multi-turn generators."""

DESCRIPTION = "chatbots: retrieval dual encoder, seq2seq, hierarchical attention multi-turn generator"
METRIC = "follow_up_exact_match"
DEMO_ARGS = ["--epochs", "3", "--dialogues", "1200"]
