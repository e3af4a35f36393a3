"""The default corpus: generated sentences with planted word families.

Each family pairs two roles (country and capital, male and female, singular
and plural, present and past tense, adjective and comparative). A family
word appears in sentences next to one *role word* (shared by every word of
its role, e.g. `nation` for countries) and one *theme word* (shared only by
the two words of its pair, e.g. a made-up word that goes with both `paris`
and `france`), among filler words of Zipf-like frequencies. A word's
contexts are therefore role + theme, and `b - a + c` lands on `d` for every
pair of pairs of a family: the analogies of `questions()`, written in the
`questions-words.txt` format, emerge from training and are never seen by it.
"""

from __future__ import annotations

import numpy as np

# family name (as a questions-words section) -> (role words A, role words B, pairs (A, B))
FAMILIES = {
    "capital-common-countries": (
        ("city", "streets", "mayor"), ("nation", "border", "government"),
        [("athens", "greece"), ("berlin", "germany"), ("paris", "france"), ("rome", "italy"),
         ("madrid", "spain"), ("lisbon", "portugal"), ("london", "england"), ("oslo", "norway"),
         ("stockholm", "sweden"), ("vienna", "austria"), ("warsaw", "poland"), ("cairo", "egypt")]),
    "family": (
        ("his", "him", "himself"), ("her", "hers", "herself"),
        [("king", "queen"), ("man", "woman"), ("boy", "girl"), ("brother", "sister"),
         ("father", "mother"), ("son", "daughter"), ("husband", "wife"), ("uncle", "aunt"),
         ("prince", "princess"), ("nephew", "niece"), ("grandfather", "grandmother"), ("groom", "bride")]),
    "gram8-plural": (
        ("one", "single", "this"), ("many", "several", "these"),
        [("apple", "apples"), ("bird", "birds"), ("car", "cars"), ("dog", "dogs"), ("cat", "cats"),
         ("house", "houses"), ("tree", "trees"), ("horse", "horses"), ("river", "rivers"),
         ("window", "windows"), ("bottle", "bottles"), ("road", "roads")]),
    "gram7-past-tense": (
        ("today", "now", "often"), ("yesterday", "ago", "once"),
        [("dance", "danced"), ("jump", "jumped"), ("play", "played"), ("swim", "swam"),
         ("write", "wrote"), ("sing", "sang"), ("run", "ran"), ("eat", "ate"), ("see", "saw"),
         ("take", "took"), ("give", "gave"), ("speak", "spoke")]),
    "gram2-comparative": (
        ("very", "quite", "so"), ("than", "more", "even"),
        [("good", "better"), ("bad", "worse"), ("big", "bigger"), ("small", "smaller"),
         ("fast", "faster"), ("slow", "slower"), ("tall", "taller"), ("short", "shorter"),
         ("strong", "stronger"), ("weak", "weaker"), ("cold", "colder"), ("warm", "warmer")]),
}
FUNCTION_WORDS = ("the", "a", "and", "of", "to", "in", "is", "was", "it", "that", "with", "for", "on", "as", "at")
SYLLABLES = ("ba", "ko", "ri", "te", "mu", "la", "zo", "ne", "pi", "da", "vu", "se", "gi", "fo", "ha", "ly")
THEME_WORDS = 3
FILLER_WORDS = 400
SENTENCES = 24000


def pseudo_words(count, rng, taken, syllables=3):
    """`count` distinct made-up words (syllable strings) not in `taken`."""
    words = []
    while len(words) < count:
        word = "".join(rng.choice(SYLLABLES, size=syllables))
        if word not in taken:
            taken.add(word)
            words.append(word)
    return words


def family_words():
    """[(word, role words, pair index, family)] of every planted word."""
    entries, pair_index = [], 0
    for family, (roles_a, roles_b, pairs) in FAMILIES.items():
        for word_a, word_b in pairs:
            entries.append((word_a, roles_a, pair_index, family))
            entries.append((word_b, roles_b, pair_index, family))
            pair_index += 1
    return entries


def generate(sentences=SENTENCES, seed=0):
    """Token lists of the default corpus (deterministic from `seed`).

    Each sentence is 7-11 fillers; one family word replaces a filler at
    position 2..length-3, and its role and theme words take two of the four
    places at distance 1 or 2 from it.
    """
    rng = np.random.default_rng(seed)
    entries = family_words()
    taken = {word for entry in entries for word in (entry[0], *entry[1])} | set(FUNCTION_WORDS)
    themes = [pseudo_words(THEME_WORDS, rng, taken) for _ in range(len(entries) // 2)]
    fillers = np.array(list(FUNCTION_WORDS) + pseudo_words(FILLER_WORDS, rng, taken), dtype=object)
    ranks = np.arange(1, len(fillers) + 1)
    filler_p = (1.0 / ranks) / np.sum(1.0 / ranks)
    lengths = rng.integers(7, 12, size=sentences)
    tokens = fillers[rng.choice(len(fillers), size=(sentences, 11), p=filler_p)]
    chosen = rng.integers(0, len(entries), size=sentences)
    centres = rng.integers(2, lengths - 2)
    near = np.array([-2, -1, 1, 2])
    corpus = []
    for row, length, index, centre in zip(tokens, lengths, chosen, centres):
        word, roles, pair, _ = entries[index]
        row = row[:length].tolist()
        first, second = centre + rng.choice(near, size=2, replace=False)
        row[centre], row[first], row[second] = word, rng.choice(roles), rng.choice(themes[pair])
        corpus.append(row)
    return corpus


def questions():
    """The planted analogies: [(section, [a, b, c, d] ...)] in questions-words order."""
    sections = []
    for family, (_, _, pairs) in FAMILIES.items():
        rows = [[*first, *second] for first in pairs for second in pairs if first != second]
        sections.append((family, rows))
    return sections


def questions_text():
    """`questions()` in the questions-words.txt format (": section" lines)."""
    lines = []
    for section, rows in questions():
        lines.append(f": {section}")
        lines.extend(" ".join(row) for row in rows)
    return "\n".join(lines) + "\n"
