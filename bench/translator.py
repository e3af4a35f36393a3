"""Translator benchmark: our `train` and in-graph decoding against plain Keras.

Both sides train the same network (`attention`: bidirectional GRU encoder,
GRU decoder, Luong attention, the same sizes) on the same split of the
default numbers for the same number of epochs, in this process, one after
the other. The plain side is what a tutorial does: numpy arrays into
`fit` (no callbacks), then decoding with a Python loop that calls
`predict` on the whole prefix once per output token (greedy: arg-max;
beam: the k best prefixes per sentence kept in numpy). Ours runs `train`
with all its callbacks (per-epoch BLEU, TensorBoard text and images,
checkpoints) and decodes with the in-graph `tf.while_loop`.

Reported: training examples/second of both and their ratio, decoding
sentences/second (greedy and beam 4) of both and their ratios, and test
BLEU / exact match of both. With `--data PATH` (an Anki file such as
../shared/data/anki_fra_eng_attrib/eng-fra.txt): test BLEU of `attention`
and `transformer` (4,250 train, 250 validation, 500 test pairs of 5,000).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from apps.translator import main
from apps.translator.app import APP
from apps.translator.config import TranslatorConfig
from apps.translator.data import load_data
from apps.translator.evaluation import corpus_scores, normalise_references
from apps.translator.model import build_model, compile_model
from shared.text import END_ID, PAD_ID, START_ID, WordTokenizer

DECODE_SENTENCES = 500
BEAM = 4
REAL = ["--test-fraction", "0.1", "--validation-fraction", "0.05", "--epochs", "30", "--patience", "6",
        "--batch-size", "64", "--learning-rate", "2e-3"]


def plain_greedy(model, source, length):
    """Tutorial decoding: one `predict` per token on the whole prefix."""
    prefix = np.full((len(source), 1), START_ID, dtype="int32")
    for _ in range(length):
        logits = model.predict((source, prefix), verbose=0, batch_size=len(source))
        prefix = np.concatenate([prefix, logits[:, -1].argmax(-1)[:, None].astype("int32")], axis=1)
        if np.all((prefix == END_ID).any(axis=1)):
            break
    return prefix[:, 1:]


def plain_beam(model, source, length, beam=BEAM, alpha=0.6):
    """Tutorial beam search: numpy bookkeeping, one `predict` per step."""
    count = len(source)
    tiled = np.repeat(source, beam, axis=0)
    prefix = np.full((count * beam, 1), START_ID, dtype="int32")
    scores = np.tile([0.0] + [-1e9] * (beam - 1), count)
    done = np.zeros(count * beam, bool)
    for _ in range(length):
        logits = model.predict((tiled, prefix), verbose=0, batch_size=len(tiled))[:, -1]
        log_probs = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
            - logits.max(-1, keepdims=True)
        log_probs[done] = -1e9
        log_probs[done, PAD_ID] = 0.0
        total = (scores[:, None] + log_probs).reshape(count, -1)
        best = np.argsort(-total, axis=1)[:, :beam]
        parents = (best // log_probs.shape[1] + np.arange(count)[:, None] * beam).ravel()
        chosen = (best % log_probs.shape[1]).ravel()
        scores, done = total[np.arange(count)[:, None], best].ravel(), done[parents] | (chosen == END_ID)
        prefix = np.concatenate([prefix[parents], chosen[:, None].astype("int32")], axis=1)
        if done.all():
            break
    lengths = np.argmax(np.concatenate([prefix[:, 1:] == END_ID, np.ones((len(prefix), 1), bool)], 1), 1) + 1
    normalised = (scores / ((5.0 + lengths) / 6.0) ** alpha).reshape(count, beam)
    return prefix.reshape(count, beam, -1)[np.arange(count), normalised.argmax(1), 1:]


def timed(function, *args):
    started = time.time()
    result = function(*args)
    return result, time.time() - started


def plain_keras(config, data):
    keras.utils.set_random_seed(config.seed)
    model = build_model(config, len(data.source_vocab), len(data.target_vocab))
    compile_model(model, config.learning_rate)
    source, target_in, target_out = data.arrays("train")
    val = data.arrays("validation")
    _, seconds = timed(lambda: model.fit((source, target_in), target_out, batch_size=config.batch_size,
                                         epochs=config.epochs, validation_data=((val[0], val[1]), val[2]),
                                         verbose=0))
    test_source = data.arrays("test")[0][:DECODE_SENTENCES]
    references = normalise_references([pair[1] for pair in data.pairs["test"][:DECODE_SENTENCES]])
    result = {"seconds": round(seconds, 2),
              "examples_per_second": round(len(source) * config.epochs / seconds, 1)}
    for name, decoder in (("greedy", plain_greedy), (f"beam{BEAM}", plain_beam)):
        ids, seconds = timed(decoder, model, test_source, data.lengths["target"])
        hypotheses = WordTokenizer().detokenize(data.target_vocab.decode(ids))
        result[name] = {**corpus_scores(hypotheses, references),
                        "sentences_per_second": round(len(test_source) / seconds, 1)}
    return result


def ours(run_dir, extra=()):
    started = time.time()
    metrics = main(["train", "--run-dir", str(run_dir), "--patience", "0", *extra])
    seconds = time.time() - started
    result = {"seconds": round(seconds, 2), "run_dir": str(run_dir), "test": metrics["test"],
              "examples_per_second": round(metrics["train_examples"] * metrics["epochs"] / seconds, 1)}
    return result, metrics


def our_decoding(run_dir, data):
    translator = APP.translator(APP.load(run_dir))
    sources = [pair[0] for pair in data.pairs["test"][:DECODE_SENTENCES]]
    references = normalise_references([pair[1] for pair in data.pairs["test"][:DECODE_SENTENCES]])
    result = {}
    for name, beam in (("greedy", 1), (f"beam{BEAM}", BEAM)):
        translator.translate(sources[:8], beam)  # trace the graph once, outside the timing
        hypotheses, seconds = timed(translator.translate, sources, beam)
        result[name] = {**corpus_scores(hypotheses, references),
                        "sentences_per_second": round(len(sources) / seconds, 1)}
    return result


def run(args):
    root = Path(tempfile.mkdtemp(prefix="bench-translator-"))
    config = TranslatorConfig()
    data = load_data(config)
    mine, _ = ours(root / "ours")
    mine.update(our_decoding(root / "ours", data))
    plain = plain_keras(config, data)
    result = {"data": "numbers (default)", "epochs": config.epochs, "ours": mine, "plain_keras": plain,
              "training_throughput_ratio": round(mine["examples_per_second"] / plain["examples_per_second"], 3)}
    for name in ("greedy", f"beam{BEAM}"):
        result[f"{name}_decoding_speed_ratio"] = round(
            mine[name]["sentences_per_second"] / plain[name]["sentences_per_second"], 2)
    if args.data:
        result["real"] = {"data": args.data, "options": REAL}
        for model in ("attention", "transformer"):
            real, metrics = ours(root / f"real-{model}", ["--data", args.data, "--model", model, *REAL])
            result["real"][model] = {**real, "bleu_by_source_length": metrics["bleu_by_source_length"]}
    return result
