"""The chatbot's App declaration: its hooks on the shared lifecycle, and `chat`.

One model per run: the hierarchical or seq2seq generator (a vocabulary of
the training words, `vocabulary.json`) or the retrieval dual encoder (from
scratch on that vocabulary, or on a pretrained BERT preset whose tokenizer
is kept as `bert_tokenizer.json`), whose knowledge base (the distinct
training responses and their embeddings) is saved with the run.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from apps.chatbot import chat
from apps.chatbot.arrays import WordTexts, dataset, generator_arrays, vocabulary_of
from apps.chatbot.config import DECODINGS, ChatbotConfig
from apps.chatbot.data import ChatData, knowledge_base, load_data, load_eval_data
from apps.chatbot.evaluation import held_out_metrics
from apps.chatbot.inference import Bot
from apps.chatbot.model import (
    build_generator,
    build_pretrained_retrieval,
    build_retrieval,
    compile_generator,
    compile_retrieval,
    side_encoder,
)
from apps.chatbot.monitor import monitor_callbacks
from apps.chatbot.pretrained import (
    BertTexts,
    load_backbone,
    load_tokenizer,
    preset_folder,
    tokenizer_from_state,
    tokenizer_state,
)
from apps.chatbot.serving import export_bot
from apps.chatbot.text import Vocabulary
from shared.app import App, rows_to_csv
from shared.cli import Verb, add_export_arguments, add_run_argument
from shared.distribute import predict
from shared.errors import UsageError
from shared.records import read_json, replace_atomically, write_json

log = logging.getLogger("annsuite")

EXPORT_CONTEXTS = 5
EXPORT_DECODINGS = ("greedy", "beam")


@dataclass
class TrainingData:
    """What a training run works on: the examples, and the text inputs the run adds.

    `vocabulary` (the training words) or `texts` (the dual encoder's inputs)
    are set once the run folder exists; `test_samples` by `test_metrics`.
    """

    examples: ChatData
    preset: str | None = None
    vocabulary: Vocabulary | None = None
    texts: object = None
    test_samples: list = field(default_factory=list)


def save_knowledge_base(path, model, texts, examples):
    """The knowledge base's responses and their embeddings, saved with the run."""
    candidates = knowledge_base(examples)
    embeddings = predict(side_encoder(model, "response"), texts.response_inputs(candidates))
    replace_atomically(lambda tmp: np.save(tmp, embeddings.astype("float32")),
                       path / "candidate_embeddings.npy")
    write_json(path / "candidates.json", candidates)
    return len(candidates)


def contexts_of(inputs, separator):
    """The turns of each input: a string split at `separator`, or a list of turns."""
    histories = []
    for item in inputs:
        turns = item.split(separator) if isinstance(item, str) else list(item)
        history = [str(turn).strip() for turn in turns if str(turn).strip()]
        if not history:
            raise UsageError(f"empty context {item!r}")
        histories.append(history)
    return histories


def evaluate_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--data", help="evaluate on every example of this dialogue file or folder instead")


def export_arguments(parser):
    add_export_arguments(parser)
    parser.add_argument("--decoding", choices=EXPORT_DECODINGS,
                        help="generators: greedy or beam (default: the run's)")


class ChatbotApp(App):
    name = "chatbot"
    description = "Retrieval and generative (multi-turn) chatbots."
    config_class = ChatbotConfig
    train_help = "train a bot (default data: generated multi-turn dialogues)"
    predict_help = "answer conversations given as arguments: CSV of context, response"
    inputs_help = "a conversation, turns separated by --separator"

    # ---- data ----
    def load_data(self, config):
        preset = preset_folder(config.preset) if config.encoder == "pretrained" else None
        return TrainingData(load_data(config), preset)

    def on_run_start(self, run, data):
        config = run.config
        if config.encoder == "pretrained":
            tokenizer = load_tokenizer(data.preset)
            data.texts = BertTexts(tokenizer, config)
            write_json(run.path / "bert_tokenizer.json", tokenizer_state(tokenizer))
            return
        data.vocabulary = vocabulary_of(data.examples, config)
        write_json(run.path / "vocabulary.json", data.vocabulary.words)
        if config.model == "retrieval":
            data.texts = WordTexts(data.vocabulary, config)

    # ---- training ----
    def build_task(self, config, data):
        if config.model != "retrieval":
            return build_generator(config, data.vocabulary.size)
        if config.encoder == "pretrained":
            return build_pretrained_retrieval(config, load_backbone(data.preset), data.texts.context_length,
                                              data.texts.response_length)
        return build_retrieval(config, data.vocabulary.size)

    def datasets(self, config, data):
        examples = data.examples
        if config.model != "retrieval":
            train = generator_arrays(data.vocabulary, examples.train, config)
            validation = generator_arrays(data.vocabulary, examples.validation, config)
            return (dataset(train, config.batch_size, shuffle=True, seed=config.seed),
                    dataset(validation, 256))
        train = data.texts.training_inputs(examples.train)
        validation = data.texts.training_inputs(examples.validation)
        return (dataset(train, config.batch_size, shuffle=True, seed=config.seed, in_batch=True),
                dataset(validation, config.batch_size, in_batch=True))

    def callbacks(self, run, data, task):
        return monitor_callbacks(run, data.examples.validation, data.vocabulary, data.texts)

    def compile(self, task, phase, config, steps):
        compile_task = compile_retrieval if config.model == "retrieval" else compile_generator
        compile_task(task, phase.learning_rate, steps * max(phase.epochs, 1))

    def train_examples(self, data):
        return len(data.examples.train)

    def test_metrics(self, model, data, config):
        metrics, data.test_samples = held_out_metrics(model, config, data.examples.test, data.vocabulary,
                                                      data.texts)
        return metrics

    def summary(self, run, data, model):
        config = run.config
        examples = data.examples
        extra = {"model": config.model, "skipped": examples.skipped, "train_examples": len(examples.train),
                 "source": examples.source}
        if config.model == "retrieval":
            extra["knowledge_base"] = save_knowledge_base(run.path, model, data.texts, examples.train)
        else:
            extra["vocabulary"] = data.vocabulary.size
        write_json(run.path / "test_samples.json", data.test_samples)
        return extra

    # ---- a trained run ----
    def restore(self, path, config):
        """The vocabulary or tokenizer of the run, and a retriever's knowledge base."""
        state = {"vocabulary": None, "texts": None, "candidates": None, "embeddings": None}
        if config.encoder == "pretrained":
            state["texts"] = BertTexts(tokenizer_from_state(read_json(path / "bert_tokenizer.json")), config)
        else:
            state["vocabulary"] = Vocabulary(read_json(path / "vocabulary.json"))
            if config.model == "retrieval":
                state["texts"] = WordTexts(state["vocabulary"], config)
        if config.model == "retrieval" and (path / "candidates.json").is_file():
            state["candidates"] = read_json(path / "candidates.json")
            state["embeddings"] = np.load(path / "candidate_embeddings.npy")
        return state

    def evaluate(self, trained, data=None, skip_bad=False):
        """Metrics on the run's held-out test split, or on every example of `data`."""
        config = dataclasses.replace(trained.config, skip_bad=skip_bad)
        examples = load_eval_data(config, data) if data else load_data(config).test
        metrics, samples = held_out_metrics(trained.model, config, examples, trained.state["vocabulary"],
                                            trained.state["texts"])
        result = {"test": metrics, "data": data or "held-out test split", "samples": samples[:5]}
        write_json(trained.path / "evaluation.json", result)
        log.info("evaluation: %s", metrics)
        return result

    def predict_rows(self, trained, inputs, separator="||", decoding=None):
        """context, response of each conversation (turns separated by `separator`)."""
        histories = contexts_of(inputs, separator)
        bot = Bot(trained, decoding)
        return [{"context": item if isinstance(item, str) else separator.join(history),
                 "response": bot.respond(history)["response"]}
                for item, history in zip(inputs, histories)]

    def export(self, trained, out, decoding=None):
        """SavedModel: a list of context strings in, the response string out (checked)."""
        if decoding not in (None, *EXPORT_DECODINGS):
            raise UsageError("export decodes with greedy or beam (sampling has no parity check)")
        run_decoding = trained.config.decoding
        bot = Bot(trained, decoding or (run_decoding if run_decoding in EXPORT_DECODINGS else "greedy"))
        examples = load_data(trained.config)
        contexts = [list(e.context) for e in (examples.test or examples.validation)[:EXPORT_CONTEXTS]]
        return export_bot(bot, contexts, out)

    # ---- command line ----
    def predict_arguments(self, parser):
        add_run_argument(parser, skip_bad=False)
        parser.add_argument("inputs", nargs="+", metavar="CONTEXT", help=self.inputs_help)
        parser.add_argument("--separator", default="||", help="turn separator in CONTEXT (default: ||)")
        parser.add_argument("--decoding", choices=DECODINGS, help="generators: decoding (default: the run's)")

    def predict_options(self, args):
        return args.inputs, {"separator": args.separator, "decoding": args.decoding}

    def write_predictions(self, trained, rows, args):
        """The rows as CSV on standard output (no file is written)."""
        sys.stdout.write(rows_to_csv(rows))
        return {"predictions": rows}

    def verbs(self):
        """The shared verbs with the chatbot's help and export's --decoding, and `chat`.

        The App base has no hook for arguments of `export` (as it has
        `predict_arguments`), so its Verb is replaced here.
        """
        verbs = {verb.name: verb for verb in super().verbs()}
        verbs["evaluate"] = dataclasses.replace(
            verbs["evaluate"], help="exact match, BLEU, perplexity or recall@k of a trained run",
            add_arguments=evaluate_arguments)
        verbs["export"] = Verb("export", "SavedModel: context strings in, response string out",
                               self.export_verb, export_arguments)
        return [verbs[name] for name in ("train", "evaluate", "predict", "chat", "export")]

    def extra_verbs(self):
        return [Verb("chat", "talk to a trained bot (/history, /reset, /quit; --once TEXT)", self.chat_verb,
                     chat.chat_arguments)]

    def export_verb(self, args):
        trained = self.load(args.run)
        return self.export(trained, Path(args.out) if args.out else trained.path / "saved_model", args.decoding)

    def chat_verb(self, args):
        chat.check_once(args.once)
        return chat.chat(Bot(self.load(args.run), args.decoding, args.top), once=args.once, top=args.top)


APP = ChatbotApp()
