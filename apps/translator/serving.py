"""evaluate, translate and export: everything that starts from a run folder."""

from __future__ import annotations

import dataclasses
import logging
import sys
from pathlib import Path

import apps.translator.model  # noqa: F401 - registers the model classes for loading
from apps.translator import formats, text
from apps.translator.config import TranslatorConfig
from apps.translator.data import load_data
from apps.translator.inference import (
    Translator,
    corpus_scores,
    normalise_references,
    scores_by_length,
)
from apps.translator.monitor import attention_figure, write_scalars
from apps.translator.tokenizers import load_tokenizer
from shared.callbacks import figure_to_image
from shared.data import BadInputs
from shared.errors import DataError, UsageError
from shared.export import export_saved_model
from shared.records import read_json, write_json
from shared.training import load_best_model, load_run

log = logging.getLogger("annsuite")


@dataclasses.dataclass
class TrainedRun:
    path: Path
    config: TranslatorConfig
    translator: Translator


def open_run(run_dir, beam=None, skip_bad=False):
    """Config, vocabularies and best model of a run folder, as a Translator."""
    saved = load_run(run_dir)["config"]
    config = dataclasses.replace(TranslatorConfig(**saved), skip_bad=skip_bad)
    vocab_path = Path(run_dir) / "vocab.json"
    if not vocab_path.is_file():
        raise UsageError(f"{vocab_path}: missing (not a translator run folder?)")
    vocab = read_json(vocab_path)
    if beam is not None and beam < 1:
        raise UsageError(f"--beam must be >= 1, got {beam}")
    entries = vocab.get("tokenizer", {})
    tokenizers = tuple(load_tokenizer(entries.get(side), Path(run_dir) / "tokenizer") for side in ("source", "target"))
    translator = Translator(load_best_model(run_dir), text.Vocabulary.from_json(vocab["source"]),
                            text.Vocabulary.from_json(vocab["target"]), vocab["max_length"],
                            beam or config.beam, config.length_penalty, tokenizers)
    return TrainedRun(Path(run_dir), config, translator)


def evaluate(args):
    """Scores on the run's held-out test split, or on every pair of --data."""
    from apps.translator.train import test_scores

    trained = open_run(args.run, args.beam, args.skip_bad)
    beam = trained.translator.beam
    if args.data:
        bad = BadInputs(args.skip_bad)
        pairs, _ = formats.read_pairs(args.data, bad, trained.config.source_column, trained.config.target_column)
        if trained.config.reverse:
            pairs = [(target, source, where) for source, target, where in pairs]
        sources = [pair[0] for pair in pairs]
        references = normalise_references([pair[1] for pair in pairs])
        hypotheses = trained.translator.translate(sources, beam)
        test = {**corpus_scores(hypotheses, references), "examples": len(pairs)}
        by_length = scores_by_length(sources, hypotheses, references)
    else:
        data = load_data(trained.config, trained.translator.tokenizers)
        test, by_length, _ = test_scores(trained.translator, data, beam=beam)
    result = {"test": test, "bleu_by_source_length": by_length, "beam": beam,
              "data": args.data or "held-out test split"}
    write_json(trained.path / "evaluation.json", result)
    write_scalars(trained.path, "evaluation", test)
    log.info("evaluation (beam %d): %s", beam, test)
    return result


def read_sentences(args):
    sentences = list(args.sentences)
    if args.file:
        bad = BadInputs(False)
        sentences += [line.strip() for _, line in formats.read_lines(args.file, bad) if line and line.strip()]
    if not sentences:
        raise UsageError("nothing to translate: give sentences or --file")
    return sentences


def translate(args):
    """Print one translation per line; optionally the attention heatmap."""
    trained = open_run(args.run, args.beam)
    sentences = read_sentences(args)
    translations = trained.translator.translate(sentences)
    for translation in translations:
        sys.stdout.write(translation + "\n")
    result = {"translations": [{"source": s, "translation": t} for s, t in zip(sentences, translations)]}
    if args.show_attention:
        result["attention"] = write_attention(trained.translator, sentences[0], args.show_attention)
    return result


def write_attention(translator, sentence, path):
    """Save the heatmap of one sentence as a PNG; returns its path."""
    from PIL import Image

    weights, source_tokens, target_tokens = translator.attention(sentence)
    if weights is None:
        raise UsageError("--show-attention: this model (seq2seq) has no attention")
    image = figure_to_image(attention_figure(weights, source_tokens, target_tokens, sentence))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path)
    log.info("attention heatmap written to %s", path)
    return str(path)


def export_examples(trained):
    """Real source sentences for the parity check: test pairs of the run's data."""
    translator = trained.translator
    try:
        data = load_data(trained.config, translator.tokenizers)
        sentences = [pair[0] for pair in data.pairs["test"][:16]]
    except (DataError, UsageError):  # the training file moved: still check on real words
        sentences = translator.source_tokenizer.detokenize([translator.source_vocab.tokens[4:12]])
    return sentences


def export(args):
    """SavedModel: `serving_default(source: string[N]) -> translation: string[N]`."""
    import numpy as np
    import tensorflow as tf

    trained = open_run(args.run)
    translator = trained.translator
    sentences = export_examples(trained)
    # UTF-8 bytes, as the SavedModel returns them (the parity check cannot encode non-ASCII str)
    expected = {"translation": np.array([t.encode("utf-8") for t in translator.translate(sentences)], dtype=object)}
    return export_saved_model(
        translator.resources(), translator.serving_function(),
        [tf.TensorSpec([None], tf.string, name="source")],
        Path(args.out) if args.out else trained.path / "saved_model",
        examples={"source": np.array(sentences, dtype=object)}, expected=expected)
