"""Training of the translator, and the command line's verbs."""

from __future__ import annotations

import logging

from apps.translator.data import load_data, make_pipeline
from apps.translator.inference import (
    Translator,
    corpus_scores,
    normalise_references,
    scores_by_length,
)
from apps.translator.model import build_model, compile_model
from apps.translator.monitor import TranslationMonitor, write_scalars
from shared.cli import add_export_arguments, add_run_argument
from shared.training import (
    finish_run,
    fit_phase,
    get_strategy,
    load_best_model,
    start_run,
    write_json,
)

log = logging.getLogger("annsuite")

APP = "translator"


def write_vocabularies(run, data):
    """vocab.json (token lists, sequence cap) and the subword models under tokenizer/."""
    folder = run.path / "tokenizer"
    write_json(run.path / "vocab.json", {
        "source": data.source_vocab.to_json(), "target": data.target_vocab.to_json(),
        "max_length": data.max_length, "source_kind": data.source,
        "tokenizer": {side: tokenizer.save(folder, side)
                      for side, tokenizer in zip(("source", "target"), data.tokenizers)}})


def fit_model(run, data):
    """Build, compile and fit the model; returns (model, epochs)."""
    config = run.config
    with run.strategy.scope():
        model = build_model(config, len(data.source_vocab), len(data.target_vocab), data.max_length)
        steps = -(-len(data.pairs["train"]) // config.batch_size)
        compile_model(model, config.learning_rate, decay_steps=steps * max(config.epochs, 1))
    translator = Translator(model, data.source_vocab, data.target_vocab, data.max_length,
                            tokenizers=data.tokenizers)
    subset = data.pairs["validation"][:config.bleu_samples]
    monitor = TranslationMonitor(run.path, translator, [pair[0] for pair in subset],
                                 normalise_references([pair[1] for pair in subset]))
    done = fit_phase(run, model, make_pipeline(data, "train", config.batch_size, shuffle=True, seed=config.seed),
                     make_pipeline(data, "validation", config.batch_size), epochs=config.epochs,
                     monitor="val_bleu", mode="max", callbacks=[monitor])
    return model, done["epochs"]


def test_scores(translator, data, split="test", beam=1):
    """BLEU, exact match and token accuracy on a split; BLEU by source length."""
    pairs = data.pairs[split]
    sources = [pair[0] for pair in pairs]
    references = normalise_references([pair[1] for pair in pairs])
    hypotheses = translator.translate(sources, beam=beam)
    scores = corpus_scores(hypotheses, references)
    evaluation = translator.model.evaluate(make_pipeline(data, split, 256), verbose=0, return_dict=True)
    scores.update(token_accuracy=float(evaluation["masked_accuracy"]), loss=float(evaluation["loss"]),
                  examples=len(pairs))
    samples = [{"source": s, "translation": h, "reference": r}
               for s, h, r in list(zip(sources, hypotheses, references))[:10]]
    return scores, scores_by_length(sources, hypotheses, references), samples


def train(config, argv=()):
    """`train`: fit, translate the held-out test split, write the run folder."""
    strategy = get_strategy(config.strategy)
    data = load_data(config)  # every line checked before a run folder exists
    run = start_run(APP, config, argv, strategy=strategy)
    data.tokenizers = tuple(tokenizer.fresh() for tokenizer in data.tokenizers)  # seeding freed their resources
    write_vocabularies(run, data)
    _, epochs = fit_model(run, data)
    best = load_best_model(run.path)
    translator = Translator(best, data.source_vocab, data.target_vocab, data.max_length,
                            config.beam, config.length_penalty, data.tokenizers)
    test, by_length, samples = test_scores(translator, data, beam=config.beam)
    write_scalars(run.path, "test", test, step=epochs)
    return finish_run(run, test, epochs, bleu_by_source_length=by_length, samples=samples,
                      train_examples=len(data.pairs["train"]), skipped=data.skipped,
                      dropped_long=data.dropped_long, tokenizer=config.tokenizer,
                      vocabulary_sizes=[len(data.source_vocab), len(data.target_vocab)], bleu="sacrebleu corpus BLEU, 13a, detokenised lower-cased text")


def evaluate_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--data", help="evaluate on every pair of this file instead of the test split")
    parser.add_argument("--beam", type=int, help="beam size (default: the run's; 1 is greedy)")


def translate_arguments(parser):
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("sentences", nargs="*", metavar="TEXT", help="sentences to translate")
    parser.add_argument("--file", help="a UTF-8 file with one sentence per line")
    parser.add_argument("--beam", type=int, help="beam size (default: the run's; 1 is greedy)")
    parser.add_argument("--show-attention", metavar="PNG", help="write the attention heatmap of the first sentence")


def verbs():
    from apps.translator import serving
    from apps.translator.config import TranslatorConfig
    from shared.cli import Verb

    return [
        Verb("train", "train a translator (default data: English->French numbers)",
             lambda args: train(args.config, args.argv), config_cls=TranslatorConfig),
        Verb("evaluate", "BLEU, exact match and token accuracy of a trained run", serving.evaluate,
             evaluate_arguments),
        Verb("translate", "translate sentences (greedy or beam search)", serving.translate, translate_arguments),
        Verb("predict", "same as translate", serving.translate, translate_arguments),
        Verb("export", "SavedModel: raw source strings in, translated strings out", serving.export,
             add_export_arguments),
    ]


def main(argv=None):
    """`python -m apps.translator VERB ...`; returns the verb's result dict."""
    from shared.cli import dispatch

    return dispatch("python -m apps.translator", "Neural machine translation: seq2seq, attention, Transformer.",
                    verbs(), argv)
