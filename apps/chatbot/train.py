"""Training of the chatbot: one model (hierarchical, seq2seq or retrieval) per run."""

from __future__ import annotations

import logging

import numpy as np

from apps.chatbot import arrays
from apps.chatbot.data import knowledge_base, load_data
from apps.chatbot.model import (
    build_generator,
    build_pretrained_retrieval,
    build_retrieval,
    compile_generator,
    compile_retrieval,
)
from apps.chatbot.monitor import monitor_callbacks
from shared.distribute import predict
from shared.training import (
    finish_run,
    fit_phase,
    get_strategy,
    load_best_model,
    start_run,
    write_json,
)

log = logging.getLogger("annsuite")

APP = "chatbot"


def decay_steps(config, examples):
    return max(1, -(-examples // config.batch_size) * max(config.epochs, 1))


def fit_generator(run, data, vocabulary):
    config = run.config
    train = arrays.generator_arrays(vocabulary, data.train, config)
    validation = arrays.generator_arrays(vocabulary, data.validation, config)
    with run.strategy.scope():
        model = compile_generator(build_generator(config, vocabulary.size), config.learning_rate,
                                  decay_steps(config, len(data.train)))
    done = fit_phase(run, model, arrays.dataset(train, config.batch_size, shuffle=True, seed=config.seed),
                     arrays.dataset(validation, 256), epochs=config.epochs,
                     callbacks=monitor_callbacks(run, vocabulary, data.validation))
    return done["epochs"]


def retrieval_texts(config, data, run_path=None):
    """(texts, model builder) of a from-scratch or pretrained dual encoder."""
    if config.encoder == "pretrained":
        from apps.chatbot.pretrained import BertTexts, load_preset, tokenizer_state

        backbone, tokenizer = load_preset(config.preset)
        texts = BertTexts(tokenizer, config)
        if run_path is not None:
            write_json(run_path / "bert_tokenizer.json", tokenizer_state(tokenizer))
        return texts, lambda: build_pretrained_retrieval(config, backbone, texts.context_length,
                                                         texts.response_length)
    vocabulary = arrays.vocabulary_of(data, config)
    texts = arrays.WordTexts(vocabulary, config)
    return texts, lambda: build_retrieval(config, vocabulary.size)


def fit_retrieval(run, data, texts, build):
    config = run.config
    train = texts.training_inputs(data.train)
    validation = texts.training_inputs(data.validation)
    with run.strategy.scope():
        model = compile_retrieval(build(), config.learning_rate, decay_steps(config, len(data.train)))
    done = fit_phase(run, model,
                     arrays.dataset(train, config.batch_size, shuffle=True, seed=config.seed, in_batch=True),
                     arrays.dataset(validation, config.batch_size, in_batch=True), epochs=config.epochs,
                     callbacks=monitor_callbacks(run, None, data.validation, texts=texts))
    return done["epochs"]


def save_knowledge_base(run, model, texts, examples):
    """The knowledge base's responses and their embeddings, saved with the run."""
    from apps.chatbot.evaluation import side_encoder

    candidates = knowledge_base(examples)
    embeddings = predict(side_encoder(model, "response"), texts.response_inputs(candidates))
    np.save(run.path / "candidate_embeddings.npy", embeddings.astype("float32"))
    write_json(run.path / "candidates.json", candidates)
    return len(candidates)


def test_metrics(run_path, config, data, texts_or_vocabulary):
    """Held-out metrics of the best checkpoint (and samples)."""
    from apps.chatbot.evaluation import generator_metrics, retrieval_metrics, side_encoder
    from apps.chatbot.inference import Generator, make_sampler

    model = load_best_model(run_path)
    if config.model == "retrieval":
        texts = texts_or_vocabulary
        return model, retrieval_metrics(texts, side_encoder(model, "context"),
                                        side_encoder(model, "response"), data.test)
    generator = Generator(model, texts_or_vocabulary, config.response_length, make_sampler("greedy"))
    return model, generator_metrics(generator, model, texts_or_vocabulary, data.test, config)


def train(config, argv=()):
    """`train`: fit, evaluate on the held-out test split, write the run folder."""
    strategy = get_strategy(config.strategy)
    data = load_data(config)  # every file checked before a run folder exists
    run = start_run(APP, config, argv, strategy=strategy)
    if config.model == "retrieval":
        texts, build = retrieval_texts(config, data, run.path)
        if config.encoder == "scratch":
            write_json(run.path / "vocabulary.json", texts.vocabulary.words)
        epochs = fit_retrieval(run, data, texts, build)
        model, (test, samples) = test_metrics(run.path, config, data, texts)
        extra = {"knowledge_base": save_knowledge_base(run, model, texts, data.train)}
    else:
        vocabulary = arrays.vocabulary_of(data, config)
        write_json(run.path / "vocabulary.json", vocabulary.words)
        epochs = fit_generator(run, data, vocabulary)
        _, (test, samples) = test_metrics(run.path, config, data, vocabulary)
        extra = {"vocabulary": vocabulary.size}
    write_json(run.path / "test_samples.json", samples)
    return finish_run(run, test, epochs, model=config.model, skipped=data.skipped,
                      train_examples=len(data.train), source=data.source, **extra)


def evaluate_arguments(parser):
    from shared.cli import add_run_argument

    add_run_argument(parser)
    parser.add_argument("--data", help="evaluate on every example of this dialogue file or folder instead")


def predict_arguments(parser):
    from apps.chatbot.config import DECODINGS
    from shared.cli import add_run_argument

    add_run_argument(parser, skip_bad=False)
    parser.add_argument("inputs", nargs="+", metavar="CONTEXT", help="a conversation, turns separated by --separator")
    parser.add_argument("--separator", default="||", help="turn separator in CONTEXT (default: ||)")
    parser.add_argument("--decoding", choices=DECODINGS, help="generators: decoding (default: the run's)")


def export_arguments(parser):
    from shared.cli import add_export_arguments

    add_export_arguments(parser)
    parser.add_argument("--decoding", choices=("greedy", "beam"), help="generators: greedy or beam (default: the run's)")


def verbs():
    from apps.chatbot import chat, serving
    from apps.chatbot.config import ChatbotConfig
    from shared.cli import Verb

    return [
        Verb("train", "train a bot (default data: generated multi-turn dialogues)",
             lambda args: train(args.config, args.argv), config_cls=ChatbotConfig),
        Verb("evaluate", "exact match, BLEU, perplexity or recall@k of a trained run", serving.evaluate,
             evaluate_arguments),
        Verb("predict", "answer conversations given as arguments: CSV of context, response",
             serving.predict, predict_arguments),
        Verb("chat", "talk to a trained bot (/history, /reset, /quit; --once TEXT)", chat.chat,
             chat.chat_arguments),
        Verb("export", "SavedModel: context strings in, response string out", serving.export,
             export_arguments),
    ]


def main(argv=None):
    """`python -m apps.chatbot VERB ...`; returns the verb's result dict."""
    from shared.cli import dispatch

    return dispatch("python -m apps.chatbot", "Retrieval and generative (multi-turn) chatbots.",
                    verbs(), argv)
