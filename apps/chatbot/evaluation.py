"""Held-out metrics, reported for all responses, first turns and follow-ups.

Generators: exact match (the generated tokens equal the reference's),
corpus BLEU (sacrebleu) and per-token perplexity (teacher forced).
Retrievers: recall@1, recall@5 and MRR of the true response among the
distinct responses of the evaluated examples; `exact_match` is recall@1
(the top response is the reference); `recall_at_1_of_10` ranks the true
response among 9 random other candidates (the Ubuntu-corpus style R10@1). `follow_up_*` counts the follow-ups
that need context (every follow-up for real data), `first_turn_*` the
opening exchanges.
"""

from __future__ import annotations

import numpy as np
import sacrebleu
import tensorflow as tf

from apps.chatbot.arrays import generator_arrays, unique_pool
from apps.chatbot.decoding import Generator, make_sampler
from apps.chatbot.model import side_encoder
from shared.distribute import predict


def groups(examples):
    first = np.array([not e.follow_up for e in examples], bool)
    follow = np.array([e.needs_context for e in examples], bool)
    return {"": np.ones(len(examples), bool), "first_turn_": first, "follow_up_": follow}


def bleu(hypotheses, references):
    if not hypotheses:
        return float("nan")
    return float(sacrebleu.corpus_bleu(hypotheses, [references]).score)


def token_losses(model, inputs, targets, weights, batch_size=256):
    """Per-example (sum of token NLL, token count) under teacher forcing."""
    sums = []
    for start in range(0, len(targets), batch_size):
        batch = {k: v[start:start + batch_size] for k, v in inputs.items()}
        logits = model(batch, training=False)
        nll = tf.nn.sparse_softmax_cross_entropy_with_logits(targets[start:start + batch_size], logits)
        sums.append((nll.numpy() * weights[start:start + batch_size]).sum(axis=1))
    return np.concatenate(sums) if sums else np.zeros(0), weights.sum(axis=1)


def generator_metrics(generator, model, texts, examples, config):
    """exact_match, bleu, perplexity (each also first_turn_ and follow_up_)."""
    inputs, targets, weights = generator_arrays(texts, examples, config)
    predicted = texts.texts(generator.ids(inputs["context"]))
    references = texts.texts(targets)
    nll, counts = token_losses(model, inputs, targets, weights)
    metrics = {}
    for prefix, chosen in groups(examples).items():
        hyps = [p for p, keep in zip(predicted, chosen) if keep]
        refs = [r for r, keep in zip(references, chosen) if keep]
        metrics[f"{prefix}exact_match"] = float(np.mean([h == r for h, r in zip(hyps, refs)])) if refs else float("nan")
        metrics[f"{prefix}bleu"] = bleu(hyps, refs)
        metrics[f"{prefix}perplexity"] = float(np.exp(nll[chosen].sum() / max(counts[chosen].sum(), 1)))
        metrics[f"{prefix}examples"] = int(chosen.sum())
    samples = [{"context": list(e.context[-3:]), "reference": e.response, "response": p}
               for e, p in zip(examples[:20], predicted[:20])]
    return metrics, samples


def ranks_of(scores, truth):
    """1-based rank of each row's true column (ties count against it)."""
    true_scores = scores[np.arange(len(truth)), truth]
    return (scores > true_scores[:, None]).sum(axis=1) + 1


def ranks_among_ten(scores, truth, seed=0):
    """Rank of the true response among itself and 9 random other candidates (R10@1 style)."""
    rng = np.random.default_rng(seed)
    ranks = []
    for row, true in enumerate(truth):
        others = np.delete(np.arange(scores.shape[1]), true)
        chosen = rng.choice(others, size=min(9, len(others)), replace=False)
        ranks.append(int((scores[row, chosen] > scores[row, true]).sum()) + 1)
    return np.array(ranks)


def rank_metrics(ranks):
    """recall_at_1, recall_at_5 and mrr of 1-based ranks."""
    ranks = np.asarray(ranks)
    return {"recall_at_1": float(np.mean(ranks <= 1)), "recall_at_5": float(np.mean(ranks <= 5)),
            "mrr": float(np.mean(1.0 / ranks))}


def score_metrics(scores, truth, seed=0):
    """recall_at_1, recall_at_5, mrr among all the columns and recall_at_1_of_10 (R10@1) of a score matrix.

    Row i scores every candidate for example i; `truth[i]` is its true column.
    """
    scores, truth = np.asarray(scores), np.asarray(truth)
    metrics = rank_metrics(ranks_of(scores, truth))
    if scores.shape[1] > 1:
        metrics["recall_at_1_of_10"] = float(np.mean(ranks_among_ten(scores, truth, seed) == 1))
    return metrics


def retrieval_metrics(texts, context_encoder, response_encoder, examples):
    """recall_at_1, recall_at_5, mrr (and exact_match) among the examples' distinct responses."""
    pool, truth = unique_pool(examples)
    responses = predict(response_encoder, texts.response_inputs(pool))
    vectors = predict(context_encoder, texts.context_inputs([e.context for e in examples]))
    scores = vectors @ responses.T
    ranks = ranks_of(scores, truth)
    metrics = {"candidates": len(pool)}
    if len(pool) > 1:
        metrics["recall_at_1_of_10"] = float(np.mean(ranks_among_ten(scores, truth) == 1))
    for prefix, chosen in groups(examples).items():
        chosen_ranks = ranks[chosen]
        if not len(chosen_ranks):
            continue
        metrics.update({f"{prefix}{name}": value for name, value in rank_metrics(chosen_ranks).items()})
        metrics[f"{prefix}exact_match"] = metrics[f"{prefix}recall_at_1"]
        metrics[f"{prefix}examples"] = int(chosen.sum())
    best = np.argmax(scores, axis=1)
    samples = [{"context": list(e.context[-3:]), "reference": e.response, "response": pool[b]}
               for e, b in zip(examples[:20], best[:20])]
    return metrics, samples


def held_out_metrics(model, config, examples, texts):
    """(metrics, samples) of a trained network on held-out examples.

    `texts` makes the network's inputs (`apps.chatbot.arrays`); generators
    decode greedily, retrievers rank the examples' distinct responses.
    """
    if config.model == "retrieval":
        return retrieval_metrics(texts, side_encoder(model, "context"), side_encoder(model, "response"),
                                 examples)
    generator = Generator(model, config.response_length, make_sampler("greedy"))
    return generator_metrics(generator, model, texts, examples, config)
