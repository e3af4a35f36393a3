"""Text normalisation as TensorFlow string ops (the same in tf.data, models and SavedModels).

Text is lower-cased (Unicode-aware) and its whitespace collapsed; every
punctuation character becomes a token of its own. A punctuation token that
was glued to its neighbour carries the joiner mark `JOINER` on that side
(OpenNMT's convention): "quatre-vingts" -> `quatre ￭-￭ vingts`, "Go." ->
`go ￭.`, "Va !" -> `va !`. `join_words` removes the spaces next to a
joiner, so `join_words(split_words(text))` is the lower-cased text again.
"""

from __future__ import annotations

import tensorflow as tf

JOINER = "\uffed"  # "￭"
WORD = r"\pL\pN\pM_"
PUNCT = rf"[^{WORD}\s{JOINER}]"
NOT_SPACE = rf"[^\s{JOINER}]"


def clean(strings, lowercase=True):
    """Lower-case (Unicode-aware), collapse and strip whitespace."""
    text = tf.convert_to_tensor(strings, tf.string)
    if lowercase:
        text = tf.strings.lower(text, encoding="utf-8")
    return tf.strings.strip(tf.strings.regex_replace(text, r"\s+", " "))


def mark_punctuation(strings, lowercase=True):
    """`clean`, then punctuation split off with joiners."""
    text = clean(strings, lowercase)
    for _ in range(2):  # twice: matches of one pass may not overlap
        text = tf.strings.regex_replace(text, f"({NOT_SPACE})({PUNCT})", rf"\1 {JOINER}\2")
    for _ in range(2):
        text = tf.strings.regex_replace(text, f"({PUNCT})({NOT_SPACE})", rf"\1{JOINER} \2")
    return tf.strings.strip(text)


def split_words(strings, lowercase=True):
    """Strings (N,) -> RaggedTensor (N, None) of word and punctuation tokens."""
    tokens = tf.strings.split(mark_punctuation(strings, lowercase), sep=" ")
    return tf.ragged.boolean_mask(tokens, tf.strings.length(tokens) > 0)


def unjoin(strings):
    """Space-separated tokens (N,) -> text: the spaces next to joiners removed."""
    text = tf.strings.regex_replace(strings, r"\s+", " ")
    text = tf.strings.regex_replace(text, f" ?{JOINER} ?", "")
    return tf.strings.strip(text)


def join_words(tokens):
    """RaggedTensor or dense (N, T) tokens ("" padding) -> strings (N,)."""
    return unjoin(tf.strings.reduce_join(tokens, axis=-1, separator=" "))
