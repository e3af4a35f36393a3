"""The translator's App declaration: its hooks on the shared lifecycle.

A trained run keeps `model.keras` (`inference_model`): raw source strings
in, translated strings out, with the tokenizers, vocabularies and greedy
decoding inside it. Every verb translates through one
`apps.translator.inference.Translator` on it (beam search on its parts);
`trained.network` (best.keras) gives the teacher-forced test scores.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from pathlib import Path

from apps.translator import formats
from apps.translator.batching import bucketed_batches
from apps.translator.config import TranslatorConfig
from apps.translator.data import load_data, make_pipeline
from apps.translator.defaults import defaults, pair_profile
from apps.translator.evaluation import BLEU_NOTE, normalise_references, pair_scores, test_scores
from apps.translator.inference import Translator, build_inference_model
from apps.translator.model import build_model, compile_model
from apps.translator.monitor import TranslationMonitor, attention_image, write_scores
from apps.translator.serving import export_translator
from shared.app import App
from shared.cli import Verb, add_run_argument
from shared.data import BadInputs
from shared.errors import UsageError
from shared.images import save_png
from shared.records import read_json, write_json
from shared.text import SPECIALS

log = logging.getLogger("annsuite")

EXPORT_SENTENCES = 16
EXAMPLES = Path("examples") / "sources.json"
VERB_ORDER = ("train", "evaluate", "translate", "predict", "export")


def write_run_files(path, data):
    """vocab.json, for people only (never read back: model.keras carries the vocabularies),
    and examples/sources.json, held-out test sentences for the export's parity check."""
    write_json(path / "vocab.json", {"source": data.source_vocab.tokens, "target": data.target_vocab.tokens,
                                     "max_length": data.max_length, "tokenizer": data.tokenizers[0].kind})
    write_json(path / EXAMPLES, [pair[0] for pair in data.pairs["test"][:EXPORT_SENTENCES]])


def check_beam(beam):
    if beam is not None and beam < 1:
        raise UsageError(f"--beam must be >= 1, got {beam}")


def read_sentences(args):
    """The sentences of `translate`/`predict`: arguments, then the lines of --file."""
    sentences = list(args.sentences)
    if args.file:
        bad = BadInputs(False)
        sentences += [line.strip() for _, line in formats.read_lines(args.file, bad) if line and line.strip()]
    if not sentences:
        raise UsageError("nothing to translate: give sentences or --file")
    return sentences


def read_evaluation_pairs(config, spec):
    """Every pair of the file `spec`, read like the run's training data."""
    pairs, _ = formats.read_pairs(spec, BadInputs(config.skip_bad), config.source_column, config.target_column)
    if config.reverse:
        pairs = [(target, source, where) for source, target, where in pairs]
    return pairs


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


class TranslatorApp(App):
    name = "translator"
    description = "Neural machine translation: seq2seq, attention, Transformer."
    config_class = TranslatorConfig
    monitor = "val_bleu"
    mode = "max"
    train_help = "train a translator (default data: English->French numbers)"
    predict_help = "same as translate"

    def scan(self, config):
        return pair_profile(config)

    def defaults(self, profile, config):
        return defaults(profile, config)

    def load_data(self, config):
        return load_data(config)

    def on_run_start(self, run, data):
        write_run_files(run.path, data)

    def inference_model(self, network, data, config):
        """Raw source strings -> {"translation": strings}: tokenizers, vocabularies, greedy loop."""
        return build_inference_model(network, data.tokenizers, (data.source_vocab, data.target_vocab),
                                     data.max_length)

    def build_task(self, config, data):
        return build_model(config, len(data.source_vocab), len(data.target_vocab), data.max_length)

    def datasets(self, config, data):
        if config.bucketing:
            train = bucketed_batches(data.arrays("train"), config.batch_size, seed=config.seed)
        else:
            train = make_pipeline(data, "train", config.batch_size, shuffle=True, seed=config.seed)
        return train, make_pipeline(data, "validation", config.batch_size)

    def callbacks(self, run, data, task):
        translator = Translator(self.inference_model(task, data, run.config))
        subset = data.pairs["validation"][:run.config.bleu_samples]
        return [TranslationMonitor(run.path, translator, [pair[0] for pair in subset],
                                   normalise_references([pair[1] for pair in subset]))]

    def compile(self, task, phase, config, steps):
        compile_model(task, phase.learning_rate, decay_steps=steps * max(phase.epochs, 1),
                      label_smoothing=config.label_smoothing, warmup_fraction=config.warmup_fraction,
                      jit_compile=config.jit_compile)

    def train_examples(self, data):
        return len(data.pairs["train"])

    def fit(self, run, data, task):
        data.report["epochs"] = super().fit(run, data, task)  # the step of the test scalars
        return data.report["epochs"]

    def test_metrics(self, model, data, config):
        """Translate the test split with the run's beam; by-length BLEU and samples kept for summary."""
        translator = Translator(self.inference_model(model, data, config), config.beam, config.length_penalty)
        test, by_length, samples = test_scores(translator, model, data, beam=config.beam)
        data.report.update(test=test, bleu_by_source_length=by_length, samples=samples)
        return test

    def summary(self, run, data, model):
        """The test pass's extras of metrics.json; the test scores as TensorBoard scalars."""
        report = data.report
        write_scores(run.path, "test", report["test"], step=report.get("epochs", 0))
        return {"bleu_by_source_length": report["bleu_by_source_length"], "samples": report["samples"],
                "train_examples": len(data.pairs["train"]), "skipped": data.skipped,
                "dropped_long": data.dropped_long, "tokenizer": run.config.tokenizer,
                "vocabulary_sizes": [len(data.source_vocab), len(data.target_vocab)], "bleu": BLEU_NOTE}

    # ---- a trained run: model.keras carries the tokenizers, vocabularies and sequence cap ----
    def translator(self, trained):
        """The run's Translator (its beam by default), built on first use and kept in `state`."""
        if "translator" not in trained.state:
            trained.state["translator"] = Translator(trained.model, trained.config.beam,
                                                     trained.config.length_penalty)
        return trained.state["translator"]

    def evaluate(self, trained, data=None, skip_bad=False, beam=None):
        """Scores on the run's held-out test split, or on every pair of the file `data`."""
        check_beam(beam)
        translator = self.translator(trained)
        beam = beam or translator.beam
        config = dataclasses.replace(trained.config, skip_bad=skip_bad)
        if data:
            test, by_length = pair_scores(translator, read_evaluation_pairs(config, data), beam)
        else:
            held_out = load_data(config, translator.tokenizers, translator.vocabularies)
            test, by_length, _ = test_scores(translator, trained.network, held_out, beam=beam)
        result = {"test": test, "bleu_by_source_length": by_length, "beam": beam,
                  "data": data or "held-out test split"}
        write_json(trained.path / "evaluation.json", result)
        write_scores(trained.path, "evaluation", test)
        log.info("evaluation (beam %d): %s", beam, test)
        return result

    def predict_rows(self, trained, inputs, beam=None):
        """{"source", "translation"} of each sentence (greedy or beam search)."""
        check_beam(beam)
        translations = self.translator(trained).translate([str(s) for s in inputs], beam)
        return [{"source": str(s), "translation": t} for s, t in zip(inputs, translations)]

    def export(self, trained, out):
        """SavedModel of model.keras: `serving_default(source: string[N]) -> translation: string[N]`."""
        return export_translator(trained.model, self.export_sentences(trained), out)

    def export_sentences(self, trained):
        """Real source sentences for the parity check: the test sentences the run kept."""
        examples = trained.path / EXAMPLES
        if examples.is_file():
            return read_json(examples)
        translator = self.translator(trained)  # the examples were deleted: still check on real words
        source_tokenizer, _ = translator.tokenizers
        return source_tokenizer.detokenize([translator.source_text.vocabulary[len(SPECIALS):][:8]])

    # ---- command line ----
    def predict_arguments(self, parser):
        translate_arguments(parser)

    def predict_options(self, args):
        check_beam(args.beam)
        return read_sentences(args), {"beam": args.beam}

    def write_predictions(self, trained, rows, args):
        """One translation per line on stdout (no CSV); --show-attention writes a PNG."""
        for row in rows:
            sys.stdout.write(row["translation"] + "\n")
        result = {"translations": rows, "predictions": rows}
        if args.show_attention:
            result["attention"] = self.write_attention(trained, rows[0]["source"], args.show_attention,
                                                       args.beam)
        return result

    def write_attention(self, trained, sentence, path, beam=None):
        """Save the heatmap of one sentence as a PNG; returns its path."""
        image = attention_image(self.translator(trained), sentence, beam)
        if image is None:
            raise UsageError("--show-attention: this model (seq2seq) has no attention")
        save_png(image, path)
        log.info("attention heatmap written to %s", path)
        return str(Path(path))

    def extra_verbs(self):
        return [Verb("translate", "translate sentences (greedy or beam search)", self._predict_verb,
                     translate_arguments)]

    def verbs(self):
        """The shared verbs with `evaluate --beam`, in the order of the translator's command line."""
        verbs = {verb.name: verb for verb in super().verbs()}
        verbs["evaluate"] = Verb("evaluate", "BLEU, exact match and token accuracy of a trained run",
                                 self.evaluate_verb, evaluate_arguments)
        verbs["export"] = dataclasses.replace(
            verbs["export"], help="SavedModel: raw source strings in, translated strings out")
        return [verbs[name] for name in VERB_ORDER]

    def evaluate_verb(self, args):
        return self.evaluate(self.load(args.run), args.data, skip_bad=args.skip_bad, beam=args.beam)


APP = TranslatorApp()
