"""The default data: generated reviews where word order decides the label.

A review is one clause, or two clauses of opposite polarity joined by a
contrast ("the plot was dull but the acting was superb"). A clause's
polarity is its adjective's, flipped by a negation in scope ("not bad at
all" is positive, "not good" negative); intensifiers and hedges ("very",
"somewhat") keep it. The connective decides which clause counts: the one
after "but", the main clause around "although". Both clauses of a contrast
hold the same words in either order, so a bag of words cannot tell the
label of most reviews; a recurrent network can.

Sentence templates (connective x clause frames) are split between train,
validation and test, so the test reviews use combinations of frames never
seen in training: memorising phrases does not pass.
"""

from __future__ import annotations

import itertools

import numpy as np

CLASS_NAMES = ["negative", "positive"]

DOMAINS = {
    "movie": ["plot", "acting", "soundtrack", "script", "ending", "cast", "pacing", "dialogue"],
    "restaurant": ["food", "service", "dessert", "menu", "staff", "pasta", "wine list", "atmosphere"],
    "hotel": ["room", "breakfast", "location", "bed", "pool", "reception", "view", "bathroom"],
    "phone": ["battery", "screen", "camera", "speaker", "design", "charger", "software", "keyboard"],
    "book": ["story", "writing", "characters", "translation", "cover", "prose", "chapters", "narrator"],
}
POSITIVE = ["good", "great", "superb", "excellent", "wonderful", "delightful", "solid", "impressive",
            "charming", "brilliant", "lovely", "fantastic", "pleasant", "terrific", "enjoyable", "fine"]
NEGATIVE = ["bad", "awful", "terrible", "dull", "boring", "disappointing", "poor", "bland",
            "mediocre", "weak", "dreadful", "clumsy", "tedious", "lousy", "annoying", "horrible"]
INTENSIFIERS = ["", "", "very", "really", "truly", "extremely", "quite", "so", "incredibly"]
HEDGES = ["somewhat", "a bit", "fairly", "rather", "slightly", "kind of"]
NEGATIONS = [("not", ""), ("not", "at all"), ("never", ""), ("hardly", ""), ("not", "in the least"),
             ("not exactly", ""), ("by no means", ""), ("far from", "")]

# Clause frames: {a} is the aspect, {p} the adjective phrase.
FRAMES = [
    "the {a} was {p}", "the {a} is {p}", "i thought the {a} was {p}", "i found the {a} {p}",
    "honestly the {a} was {p}", "the {a} seemed {p}", "to me the {a} felt {p}",
    "the {a} turned out {p}", "we agreed the {a} was {p}", "the {a} looked {p}",
    "my friends said the {a} was {p}", "in my view the {a} is {p}",
]
# Contrast connectives: {d} is the clause that decides the label, {o} the other one.
CONTRASTS = [
    "{o} but {d}", "{o} , but {d}", "{o} ; however , {d}", "{o} , yet {d}", "although {o} , {d}",
    "though {o} , {d}", "{d} , although {o}", "{d} even though {o}", "while {o} , {d}",
    "{o} ; still , {d}", "{d} , despite the fact that {o}", "{o} , nevertheless {d}",
    "{d} although {o}", "{o} , though in the end {d}",
]
SINGLES = ["{d}", "overall {d}", "{d} , in short", "all in all {d}", "in the end {d}", "frankly , {d}"]
SPLIT_FRACTIONS = (0.65, 0.15, 0.20)  # of the templates: train, validation, test


def templates():
    """Every (connective, frame of the deciding clause, frame of the other)."""
    contrast = [(c, f1, f2) for c, f1, f2 in itertools.product(CONTRASTS, FRAMES, FRAMES) if f1 != f2]
    single = [(s, f, None) for s, f in itertools.product(SINGLES, FRAMES)]
    return contrast, single


def split_templates(items, rng):
    """Disjoint train/validation/test lists of templates."""
    order = rng.permutation(len(items))
    first = int(SPLIT_FRACTIONS[0] * len(items))
    second = first + int(SPLIT_FRACTIONS[1] * len(items))
    return [[items[i] for i in order[a:b]] for a, b in ((0, first), (first, second), (second, len(items)))]


def adjective_phrase(polarity, rng):
    """(phrase, polarity) with an optional negation in scope of the adjective."""
    if rng.random() < 0.4:
        negation, tail = NEGATIONS[rng.integers(len(NEGATIONS))]
        words = NEGATIVE if polarity else POSITIVE  # negation flips the adjective
        return " ".join(w for w in (negation, words[rng.integers(len(words))], tail) if w)
    words = POSITIVE if polarity else NEGATIVE
    modifiers = INTENSIFIERS + HEDGES if rng.random() < 0.8 else [""]
    modifier = modifiers[rng.integers(len(modifiers))]
    return " ".join(w for w in (modifier, words[rng.integers(len(words))]) if w)


def clause(frame, aspect, polarity, rng):
    return frame.format(a=aspect, p=adjective_phrase(polarity, rng))


def review(template, label, rng):
    """One review of `label` (1 positive) from `template`."""
    connective, frame, other = template
    aspects = DOMAINS[list(DOMAINS)[rng.integers(len(DOMAINS))]]
    first, second = rng.choice(len(aspects), size=2, replace=False)
    decisive = clause(frame, aspects[first], label, rng)
    if other is None:
        return connective.format(d=decisive)
    return connective.format(d=decisive, o=clause(other, aspects[second], 1 - label, rng))


def generate_split(contrast, single, count, rng, contrast_fraction=0.8):
    texts, labels = [], []
    for _ in range(count):
        pool = contrast if rng.random() < contrast_fraction else single
        label = int(rng.integers(2))
        texts.append(review(pool[rng.integers(len(pool))], label, rng))
        labels.append(label)
    return np.array(texts, dtype=object), np.array(labels, dtype="int32")


def generate_reviews(count=12000, seed=0):
    """(train, validation, test) pairs of (texts, labels) from disjoint templates.

    The split of the templates depends on `seed`; the reviews of a split are
    drawn with replacement from its templates and the vocabulary.
    """
    rng = np.random.default_rng(seed)
    contrast, single = templates()
    contrast_splits = split_templates(contrast, rng)
    single_splits = split_templates(single, rng)
    counts = [int(f * count) for f in SPLIT_FRACTIONS]
    return tuple(generate_split(c, s, n, rng) for c, s, n in zip(contrast_splits, single_splits, counts))
