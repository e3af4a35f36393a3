"""Training of the sentiment models: one phase, or two for a pretrained encoder."""

from __future__ import annotations

import logging

import keras

from apps.sentiment import figures
from apps.sentiment.data import load_data
from apps.sentiment.inference import TEXT_INFO, Predictor, scores, text_dataset
from apps.sentiment.model import build_text_model, compile_model, read_word_vectors
from shared.callbacks import ImageLogger
from shared.cli import add_export_arguments, add_run_argument
from shared.finetune import freeze
from shared.training import (
    finish_run,
    fit_phase,
    get_strategy,
    load_best_model,
    start_run,
    write_json,
)

log = logging.getLogger("annsuite")

APP = "sentiment"
CONFUSION_SAMPLES = 512
ATTENTION_SAMPLES = 6


def epoch_images(data, preprocessor=None):
    """make_images(model, epoch): confusion matrix, and attention when the model has it."""
    texts, labels = data.x_val[:CONFUSION_SAMPLES], data.y_val[:CONFUSION_SAMPLES]

    def make_images(model, epoch):
        predictor = Predictor(model, preprocessor)
        probabilities = predictor.probabilities(texts)
        images = {"confusion_matrix": figures.confusion_matrix_image(
            labels, probabilities.argmax(axis=1), data.class_names)}
        attended = predictor.attention(texts[:ATTENTION_SAMPLES]) if preprocessor is None else None
        if attended is not None:
            chosen, weights = attended
            captions = [f"{data.class_names[p.argmax()]} {p.max():.2f}" for p in chosen]
            images["attention"] = figures.attention_image(texts[:ATTENTION_SAMPLES], weights, captions)
        return images

    return make_images


def datasets(run, data, preprocessor=None):
    config, binary = run.config, len(data.class_names) == 2
    train = text_dataset(data.x_train, data.y_train, config.batch_size, preprocessor, shuffle=True,
                         seed=config.seed, binary=binary)
    validation = text_dataset(data.x_val, data.y_val, max(config.batch_size, 64), preprocessor, binary=binary)
    images = ImageLogger(run.path, epoch_images(data, preprocessor))
    return dict(train=train, validation=validation, callbacks=[images])


def fit_text_model(run, data, vectors):
    """bow/lstm/gru/bilstm: one phase at a constant learning rate."""
    config = run.config
    with run.strategy.scope():
        model, info = build_text_model(config, data.x_train, len(data.class_names), vectors)
        compile_model(model, len(data.class_names), keras.optimizers.Adam(config.learning_rate))
    if "pretrained_words" in info:
        log.info("embeddings: %d of %d vocabulary words found in %s", info["pretrained_words"],
                 info["vocabulary_size"], config.embeddings)
    model.summary(print_fn=log.debug)
    done = fit_phase(run, model, phase="train", epochs=config.epochs, **datasets(run, data))
    return info, done["epochs"], None


def fit_transformer(run, data, preset, tokenizer):
    """Frozen encoder + new head at --learning-rate, then everything at a warmed-up small rate."""
    from apps.sentiment import transformer

    config, classes = run.config, len(data.class_names)
    with run.strategy.scope():
        model, backbone = transformer.build_transformer(preset, classes, config.dropout)
    length = transformer.transformer_sequence_length(config, data.x_train, backbone)
    info = {"tokenizer": transformer.save_tokenizer(tokenizer, run.path / "tokenizer"), "sequence_length": length,
            "preset": preset}
    preprocessor = transformer.build_preprocessor(run.path / info["tokenizer"]["vocabulary"],
                                                  info["tokenizer"]["lowercase"], length)
    fit = datasets(run, data, preprocessor)
    freeze(backbone)
    with run.strategy.scope():
        compile_model(model, classes, keras.optimizers.Adam(config.learning_rate))
    head = fit_phase(run, model, phase="head", epochs=config.epochs, **fit)
    backbone.trainable = True
    steps = -(-len(data.y_train) // config.batch_size)
    log.info("fine-tuning the whole encoder: peak learning rate %g, %d%% warm-up",
             config.fine_tune_learning_rate, round(100 * config.warmup_fraction))
    with run.strategy.scope():
        compile_model(model, classes, transformer.fine_tune_optimizer(config, steps))
    done = fit_phase(run, model, phase="fine_tune", initial_epoch=head["epochs"],
                     epochs=head["epochs"] + config.fine_tune_epochs, best_value=head["best"], **fit)
    return info, done["epochs"], preprocessor


def check_inputs(config):
    """Everything that can fail on the user's input, before a run folder exists."""
    data = load_data(config)
    vectors = read_word_vectors(config.embeddings) if config.embeddings else None
    preset = tokenizer = None
    if config.model == "transformer":
        from apps.sentiment.transformer import load_tokenizer, resolve_preset

        preset = resolve_preset(config)
        tokenizer = load_tokenizer(preset)
    return data, vectors, preset, tokenizer


def train(config, argv=()):
    """`train`: fit, evaluate on the held-out test split, write the run folder."""
    strategy = get_strategy(config.strategy)
    data, vectors, preset, tokenizer = check_inputs(config)
    run = start_run(APP, config, argv, strategy=strategy)
    if config.model == "transformer":
        info, epochs, preprocessor = fit_transformer(run, data, preset, tokenizer)
    else:
        info, epochs, preprocessor = fit_text_model(run, data, vectors)
    info.update(class_names=data.class_names, labels=data.labels, model=config.model, source=data.source)
    write_json(run.path / TEXT_INFO, info)
    best = Predictor(load_best_model(run.path), preprocessor)
    test = scores(best.probabilities(data.x_test), data.y_test)
    test.pop("examples")
    return finish_run(run, test, epochs, skipped=data.skipped, train_examples=len(data.y_train),
                      test_examples=len(data.y_test))


def evaluate_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--data", help="evaluate on every text of this data set instead")


def predict_arguments(parser):
    add_run_argument(parser, skip_bad=False)
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="texts to classify")
    parser.add_argument("--file", help="a UTF-8 file with one text per line")
    parser.add_argument("--explain", action="store_true", help="per-word attention weights (runs trained with --attention)")
    parser.add_argument("--out", help="CSV file (default: <run>/predictions.csv)")


def verbs():
    from apps.sentiment import serving
    from apps.sentiment.config import SentimentConfig
    from shared.cli import Verb

    return [
        Verb("train", "train a sentiment model (default data: generated reviews where word order decides)",
             lambda args: train(args.config, args.argv), config_cls=SentimentConfig),
        Verb("evaluate", "accuracy, loss and AUC of a trained run on held-out data", serving.evaluate,
             evaluate_arguments),
        Verb("predict", "label and probability of texts (and per-word attention with --explain)",
             serving.predict, predict_arguments),
        Verb("export", "SavedModel whose serving_default takes raw strings", serving.export, add_export_arguments),
    ]


def main(argv=None):
    """`python -m apps.sentiment VERB ...`; returns the verb's result dict."""
    from shared.cli import dispatch

    return dispatch("python -m apps.sentiment", "Sentiment of text: bag of words, recurrent networks, BERT.",
                    verbs(), argv)
