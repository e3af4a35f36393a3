"""The sentiment app's App declaration: its hooks on the shared lifecycle.

bow, lstm, gru and bilstm train in one phase (the options the data decide:
apps.sentiment.profile); `--model transformer` in two (apps.sentiment.frozen):
the head on the frozen encoder's cached features, then the whole encoder
with AdamW, a linear warm-up and cosine decay, for a budget of batches.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from apps.sentiment import figures, transformer
from apps.sentiment.config import SentimentConfig
from apps.sentiment.data import TextSplits, load_data, read_eval_data
from apps.sentiment.evaluation import held_out_scores, scores
from apps.sentiment.frozen import fit_transformer
from apps.sentiment.inference import (
    Predictor,
    explanation,
    has_attention,
    predict_texts,
    read_texts,
    text_dataset,
)
from apps.sentiment.model import (
    TEXT_LAYER,
    build_text_model,
    compile_model,
    read_word_vectors,
    word_inference_model,
    word_optimizer,
)
from apps.sentiment.profile import corpus_profile, transformer_defaults, word_model_defaults
from apps.sentiment.serving import export_model
from shared.app import App
from shared.callbacks import ImageLogger
from shared.cli import add_run_argument
from shared.errors import UsageError
from shared.records import read_json, write_json

log = logging.getLogger("annsuite")

TEXT_INFO = "text.json"  # for people: written at the end of training, never read back
EXAMPLES = "examples/texts.json"  # held-out texts: the export's parity check
CONFUSION_SAMPLES = 512
ATTENTION_SAMPLES = 6
PARITY_TEXTS = 16
VERB_HELP = {"evaluate": "accuracy, loss and AUC of a trained run on held-out data",
             "export": "SavedModel whose serving_default takes raw strings"}


@dataclass
class TrainingData(TextSplits):
    """The checked splits of one training run, with what its task adds.

    `vectors` (--embeddings), `preset` and `tokenizer` (--model transformer)
    are read and checked with the texts, before a run folder exists. `info`
    (the entries of text.json) and `preprocessor` (the text layer: shared.text's
    TextToIds, punctuation "drop", on the training vocabulary, or the
    transformer's keras-hub preprocessor, whose length depends on the
    backbone) are set as the task is made.
    """

    vectors: dict | None = None
    preset: str | None = None
    tokenizer: object = None
    info: dict = field(default_factory=dict)
    preprocessor: object = None


def epoch_images(data):
    """make_images(model, epoch): confusion matrix, and attention when the model has it."""
    texts, labels = data.x_val[:CONFUSION_SAMPLES], data.y_val[:CONFUSION_SAMPLES]

    def make_images(model, epoch):
        predictor = Predictor(model, data.preprocessor)
        probabilities = predictor.probabilities(texts)
        images = {"confusion_matrix": figures.confusion_matrix_image(
            labels, probabilities.argmax(axis=1), data.class_names)}
        attended = predictor.attention(texts[:ATTENTION_SAMPLES])
        if attended is not None:
            chosen, weights = attended
            captions = [f"{data.class_names[p.argmax()]} {p.max():.2f}" for p in chosen]
            tokens = data.preprocessor.tokenizer.tokenize([str(text) for text in texts[:ATTENTION_SAMPLES]])
            images["attention"] = figures.attention_image(tokens, weights, captions)
        return images

    return make_images


def class_names(model):
    """The class names a model.keras carries."""
    return model.get_layer("class_labels").class_names


def output_classes(model):
    """Classes of a model's output: a sigmoid (one unit) stands for two."""
    return max(2, int(model.outputs[0].shape[-1]))


class SentimentApp(App):
    name = "sentiment"
    description = "Sentiment of text: bag of words, recurrent networks, BERT."
    config_class = SentimentConfig
    train_help = "train a sentiment model (default data: generated reviews where word order decides)"
    predict_help = "label and probability of texts (and per-word attention with --explain)"
    inputs_help = "texts to classify"

    # ---- data ----
    def load_data(self, config):
        splits = load_data(config)
        vectors = read_word_vectors(config.embeddings) if config.embeddings else None
        preset = tokenizer = None
        if config.model == "transformer":
            preset = transformer.resolve_preset(config)
            tokenizer = transformer.load_tokenizer(preset)
        values = {f.name: getattr(splits, f.name) for f in dataclasses.fields(splits)}
        return TrainingData(**values, vectors=vectors, preset=preset, tokenizer=tokenizer)

    def profile(self, data):
        return corpus_profile(data.x_train)

    def defaults(self, profile, config):
        if "word_count_p95" not in profile:
            return {}
        if config.model != "transformer":
            return word_model_defaults(profile, config)
        gpu = bool(tf.config.list_physical_devices("GPU"))
        return transformer_defaults(profile, config, transformer.MAX_LENGTH, gpu)

    def monitor_for(self, config):
        return config.monitor, "min" if config.monitor == "val_loss" else "max"

    # ---- training ----
    def on_run_start(self, run, data):
        texts = data.x_test if len(data.x_test) else data.x_val
        write_json(run.path / EXAMPLES, {"texts": [str(text) for text in texts[:PARITY_TEXTS]]})

    def build_task(self, config, data):
        classes = len(data.class_names)
        if config.model == "transformer":
            model, backbone = transformer.build_transformer(data.preset, classes, config.dropout)
            length = transformer.transformer_sequence_length(config, data.x_train, backbone)
            data.info.update(sequence_length=length, preset=data.preset)
            data.preprocessor = transformer.build_preprocessor(data.tokenizer, length)
            return model
        model, data.preprocessor, info = build_text_model(config, data.x_train, classes, data.vectors)
        if "pretrained_words" in info:
            log.info("embeddings: %d of %d vocabulary words found in %s", info["pretrained_words"],
                     info["vocabulary_size"], config.embeddings)
        model.summary(print_fn=log.debug)
        data.info.update(info)
        return model

    def datasets(self, config, data):
        binary = len(data.class_names) == 2
        train = text_dataset(data.x_train, data.y_train, config.batch_size, data.preprocessor, shuffle=True,
                             seed=config.seed, binary=binary)
        validation = text_dataset(data.x_val, data.y_val, max(config.batch_size, 64), data.preprocessor,
                                  binary=binary)
        return train, validation

    def callbacks(self, run, data, task):
        return [ImageLogger(run.path, epoch_images(data))]

    def fit(self, run, data, task):
        """The word models: one phase; the transformer: its head on cached features, then the fine-tune."""
        if run.config.model != "transformer":
            return super().fit(run, data, task)
        return fit_transformer(self, run, data, task, transformer.backbone_of(task))

    def compile(self, task, phase, config, steps):
        if phase.decay:  # the transformer's fine-tuning phase
            log.info("fine-tuning: peak learning rate %g, %d%% warm-up", phase.learning_rate,
                     round(100 * config.warmup_fraction))
            optimizer = transformer.fine_tune_optimizer(phase.learning_rate, steps * phase.epochs,
                                                        config.warmup_fraction)
        elif config.model == "transformer":
            optimizer = keras.optimizers.Adam(phase.learning_rate)
        else:
            optimizer = word_optimizer(config, phase.learning_rate, steps * phase.epochs)
        compile_model(task, output_classes(task), optimizer)

    def after_fit(self, run, data, task):
        write_json(run.path / TEXT_INFO, {**data.info, "class_names": data.class_names, "labels": data.labels,
                                          "model": run.config.model, "source": data.source})

    def test_metrics(self, model, data, config):
        return held_out_scores(Predictor(model, data.preprocessor), data.x_test, data.y_test)

    def summary(self, run, data, model):
        return {**super().summary(run, data, model), "test_examples": len(data.y_test)}

    def inference_model(self, network, data, config):
        """Raw strings -> label, class_id, probability, probabilities (and attention): model.keras."""
        if config.model == "transformer":
            return transformer.inference_model(network, data.preprocessor, data.class_names)
        return word_inference_model(network, data.preprocessor, data.class_names)

    # ---- a trained run: model.keras carries the tokenizer, vocabulary and class names ----
    def evaluate(self, trained, data=None, skip_bad=False):
        """Scores on the run's held-out test split, or on every text of `data`."""
        config = dataclasses.replace(trained.config, skip_bad=skip_bad)
        if data:
            texts, labels = read_eval_data(config, data, class_names(trained.model))
        else:
            splits = load_data(config)
            texts, labels = splits.x_test, splits.y_test
        probabilities = predict_texts(trained.model, texts)["probabilities"] if len(texts) else np.zeros((0, 2))
        result = {"test": scores(probabilities, labels), "data": data or "held-out test split"}
        write_json(trained.path / "evaluation.json", result)
        log.info("evaluation: %s", result["test"])
        return result

    def predict_rows(self, trained, inputs, explain=False):
        """text, label, probability (and with `explain` the attention per token) of each text."""
        texts = [str(text) for text in inputs]
        if explain and not has_attention(trained.model):
            raise UsageError("--explain needs a run trained with --attention (a recurrent model)")
        if not texts:
            return []
        outputs = predict_texts(trained.model, texts)
        # the tokens of the model's own text layer (TextToIds, punctuation "drop")
        tokens = trained.model.get_layer(TEXT_LAYER).tokenizer.tokenize(texts) if explain else None
        rows = []
        for index, text in enumerate(texts):
            row = {"text": text, "label": outputs["label"][index].decode("utf-8"),
                   "probability": round(float(outputs["probability"][index]), 6)}
            if explain:
                row["attention"] = explanation(tokens[index], outputs["attention"][index])
            rows.append(row)
        return rows

    def export(self, trained, out):
        examples = trained.path / EXAMPLES
        if not examples.is_file():
            raise UsageError(f"{trained.path}: no {EXAMPLES} (the held-out texts the export is checked on); "
                             "train it again with this version")
        return export_model(trained.model, read_json(examples)["texts"], out)

    # ---- command line ----
    def verbs(self):
        # The base verbs with this app's help lines (shared.app has no hook for them).
        return [dataclasses.replace(verb, help=VERB_HELP.get(verb.name, verb.help)) for verb in super().verbs()]

    def predict_arguments(self, parser):
        add_run_argument(parser, skip_bad=False)
        parser.add_argument("texts", nargs="*", metavar="TEXT", help=self.inputs_help)
        parser.add_argument("--file", help="a UTF-8 file with one text per line")
        parser.add_argument("--explain", action="store_true",
                            help="per-word attention weights (runs trained with --attention)")
        parser.add_argument("--out", help="CSV file (default: <run>/predictions.csv)")

    def predict_options(self, args):
        return read_texts(args.texts, args.file), {"explain": args.explain}

    def write_predictions(self, trained, rows, args):
        """Print the rows as CSV (one "\\n" per line) and write them to --out or the run folder."""
        out = Path(args.out) if args.out else trained.path / "predictions.csv"
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(buffer.getvalue(), encoding="utf-8")
        sys.stdout.write(buffer.getvalue())
        return {"predictions": rows, "path": str(out)}


APP = SentimentApp()
