"""Scores of translations: corpus BLEU, exact match, token accuracy, by length.

`corpus_scores`: sacrebleu's corpus BLEU (13a tokenisation, on detokenised
text) and the exact-match rate, both against references normalised as the
model sees them (lower-cased, whitespace collapsed). `test_scores` runs a
`Translator` (model.keras, or beam search on its parts) over a whole split.
"""

from __future__ import annotations

import numpy as np
from sacrebleu.metrics import BLEU

from apps.translator.data import make_pipeline
from shared.text import WordTokenizer

SAMPLES = 10
BLEU_NOTE = "sacrebleu corpus BLEU, 13a, detokenised lower-cased text"
WORDS = WordTokenizer()


def corpus_scores(hypotheses, references, effective_order=False):
    """{"bleu": sacrebleu corpus BLEU (0..100), "exact_match": rate}.

    `effective_order` leaves out n-gram orders no sentence is long enough
    to have (for bands of very short sentences, where plain BLEU is 0).
    """
    if not references:
        return {"bleu": float("nan"), "exact_match": float("nan")}
    metric = BLEU(effective_order=effective_order)
    bleu = metric.corpus_score(list(hypotheses), [list(references)]).score
    exact = float(np.mean([h == r for h, r in zip(hypotheses, references)]))
    return {"bleu": float(bleu), "exact_match": exact}


def normalise_references(references):
    """References as the model can produce them: lower-cased, re-joined."""
    return WORDS.detokenize(WORDS.tokenize(list(references)))


def scores_by_length(sources, hypotheses, references, edges=(4, 8, 12)):
    """BLEU (effective order) and exact match per source length band (in tokens)."""
    lengths = [len(tokens) for tokens in WORDS.tokenize(list(sources))]
    bands, low = {}, 1
    for high in (*edges, None):
        name = f"{low}-{high}" if high else f"{low}+"
        chosen = [i for i, n in enumerate(lengths) if n >= low and (high is None or n <= high)]
        if chosen:
            scores = corpus_scores([hypotheses[i] for i in chosen], [references[i] for i in chosen],
                                   effective_order=True)
            bands[name] = {**scores, "sentences": len(chosen)}
        low = (high or 0) + 1
    return bands


def pair_scores(translator, pairs, beam):
    """(scores, scores by source length) of translating (source, target, ...) pairs."""
    sources = [pair[0] for pair in pairs]
    references = normalise_references([pair[1] for pair in pairs])
    hypotheses = translator.translate(sources, beam)
    scores = {**corpus_scores(hypotheses, references), "examples": len(pairs)}
    return scores, scores_by_length(sources, hypotheses, references)


def test_scores(translator, network, data, split="test", beam=1):
    """BLEU, exact match and token accuracy on a split; BLEU by source length; samples.

    `network`: the compiled network (best.keras) for the teacher-forced loss and accuracy.
    """
    pairs = data.pairs[split]
    sources = [pair[0] for pair in pairs]
    references = normalise_references([pair[1] for pair in pairs])
    hypotheses = translator.translate(sources, beam=beam)
    scores = corpus_scores(hypotheses, references)
    evaluation = network.evaluate(make_pipeline(data, split, 256), verbose=0, return_dict=True)
    scores.update(token_accuracy=float(evaluation["masked_accuracy"]), loss=float(evaluation["loss"]),
                  examples=len(pairs))
    samples = [{"source": s, "translation": h, "reference": r}
               for s, h, r in list(zip(sources, hypotheses, references))[:SAMPLES]]
    return scores, scores_by_length(sources, hypotheses, references), samples
