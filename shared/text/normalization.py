"""Text normalisation as TensorFlow string ops (the same in tf.data, models and SavedModels).

Text is lower-cased (Unicode-aware) and its whitespace collapsed. What
becomes of punctuation is the `punctuation` mode:

- "split" (the default): every punctuation character becomes a token of
  its own. A punctuation token that was glued to its neighbour carries the
  joiner mark `JOINER` on that side (OpenNMT's convention):
  "quatre-vingts" -> `quatre ￭-￭ vingts`, "Go." -> `go ￭.`, "Va !" ->
  `va !`. `join_words` removes the spaces next to a joiner, so
  `join_words(split_words(text))` is the lower-cased text again.
- "sentence": only the sentence marks `. , ! ? ; : " ( )` become tokens;
  apostrophes, hyphens and signs stay inside their words ("i'll", "-3",
  "e-mail"); `join_words` attaches `. , ! ? ; :` to the word before.
- "drop": as "split", then the punctuation tokens are dropped ("Not bad,
  at all!" -> `not bad at all`), as Keras' TextVectorization does.
"""

from __future__ import annotations

import tensorflow as tf

JOINER = "\uffed"  # "￭"
WORD = r"\pL\pN\pM_"
PUNCT = rf"[^{WORD}\s{JOINER}]"
NOT_SPACE = rf"[^\s{JOINER}]"
SENTENCE_MARKS = r'([.,!?;:"()])'
PUNCTUATION_TOKEN = rf"^[^{WORD}]+$"  # no letter, digit, mark or "_": a mark with its joiners
MODES = ("split", "sentence", "drop")


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


def check_mode(punctuation):
    if punctuation not in MODES:
        raise ValueError(f"punctuation must be one of {', '.join(MODES)}; got {punctuation!r}")


def split_words(strings, lowercase=True, punctuation="split"):
    """Strings (N,) -> RaggedTensor (N, None) of word (and punctuation) tokens."""
    check_mode(punctuation)
    if punctuation == "sentence":
        text = tf.strings.regex_replace(clean(strings, lowercase), SENTENCE_MARKS, r" \1 ")
    else:
        text = mark_punctuation(strings, lowercase)
    tokens = tf.strings.split(text, sep=" ")
    keep = tf.strings.length(tokens) > 0
    if punctuation == "drop":
        keep = keep & tf.logical_not(tf.strings.regex_full_match(tokens, PUNCTUATION_TOKEN))
    return tf.ragged.boolean_mask(tokens, keep)


def unjoin(strings):
    """Space-separated tokens (N,) -> text: the spaces next to joiners removed."""
    text = tf.strings.regex_replace(strings, r"\s+", " ")
    text = tf.strings.regex_replace(text, f" ?{JOINER} ?", "")
    return tf.strings.strip(text)


def join_words(tokens, punctuation="split"):
    """RaggedTensor or dense (N, T) tokens ("" padding) -> strings (N,)."""
    text = unjoin(tf.strings.reduce_join(tokens, axis=-1, separator=" "))
    if punctuation == "sentence":
        text = tf.strings.regex_replace(text, r" ([.,!?;:])", r"\1")
    return text
