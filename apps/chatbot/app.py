"""The chatbot's App declaration: its hooks on the shared lifecycle, and `chat`.

One model per run: the hierarchical or seq2seq generator (a vocabulary of
the training words, `shared.text`) or the retrieval dual encoder (from
scratch on that vocabulary, or on a pretrained BERT preset and its
tokenizer), whose knowledge base is the distinct training responses.
`model.keras` carries all of it (`apps.chatbot.inference`): the tokenizer
and vocabulary, the decoding or the knowledge base and its embeddings;
conversations (a (N, turns) string array) in, the answer out. The files
`vocabulary.json`, `candidates.json` and `candidate_embeddings.npy` are
written for people and never read back.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from apps.chatbot import chat
from apps.chatbot.arrays import BertTexts, WordTexts, dataset, generator_arrays, vocabulary_of
from apps.chatbot.cli import contexts_of, evaluate_arguments, export_arguments, export_decoding
from apps.chatbot.config import DECODINGS, ChatbotConfig
from apps.chatbot.data import ChatData, knowledge_base, load_data, load_eval_data
from apps.chatbot.defaults import corpus_profile, resolve_defaults, scan_profile
from apps.chatbot.evaluation import held_out_metrics
from apps.chatbot.frozen import fit_pretrained
from apps.chatbot.inference import (
    Bot,
    decoded,
    generative_bot,
    response_decoder,
    retrieval_bot,
    texts_of,
    variant,
)
from apps.chatbot.model import (
    build_generator,
    build_pretrained_retrieval,
    build_retrieval,
    compile_generator,
    compile_retrieval,
    side_encoder,
)
from apps.chatbot.monitor import monitor_callbacks
from apps.chatbot.preprocessing import conversation_array
from apps.chatbot.pretrained import (
    CONTEXT_LENGTH,
    RESPONSE_LENGTH,
    load_backbone,
    load_tokenizer,
    preset_folder,
)
from apps.chatbot.serving import export_bot
from shared.app import App, rows_to_csv
from shared.cli import Verb, add_run_argument
from shared.distribute import predict
from shared.errors import UsageError
from shared.records import read_json, replace_atomically, write_json

log = logging.getLogger("annsuite")

EXPORT_CONTEXTS = 5
EXAMPLES_FILE = Path("examples") / "contexts.json"


@dataclass
class TrainingData:
    """What a training run works on: the examples, and what the run adds.

    `texts` (the network's inputs, on the layers model.keras carries) is
    set once the run folder exists; `bank` (the knowledge base and its
    embeddings) after training; `test_samples` by `test_metrics`.
    """

    examples: ChatData
    preset: str | None = None
    texts: object = None
    bank: tuple | None = None
    test_samples: list = field(default_factory=list)
    epoch_seconds: list = field(default_factory=list)


def knowledge(network, data):
    """(responses, embeddings) of the knowledge base: the distinct training responses."""
    if data.bank is None:
        candidates = knowledge_base(data.examples.train)
        embeddings = predict(side_encoder(network, "response"), data.texts.response_inputs(candidates))
        data.bank = (candidates, np.asarray(embeddings, "float32"))
    return data.bank


def save_knowledge_base(path, candidates, embeddings):
    """For people (never read back: model.keras holds the bank): the responses and their embeddings."""
    replace_atomically(lambda tmp: np.save(tmp, embeddings), path / "candidate_embeddings.npy")
    write_json(path / "candidates.json", candidates)


class ChatbotApp(App):
    name = "chatbot"
    description = "Retrieval and generative (multi-turn) chatbots."
    config_class = ChatbotConfig
    train_help = "train a bot (default data: generated multi-turn dialogues)"
    predict_help = "answer conversations given as arguments: CSV of context, response"
    inputs_help = "a conversation, turns separated by --separator"

    # ---- data and the defaults it decides (apps.chatbot.defaults) ----
    def scan(self, config):
        return scan_profile(config)

    def profile(self, data):
        return corpus_profile(data.examples)

    def defaults(self, profile, config):
        return resolve_defaults(profile, config)

    def resolve(self, config, profile, given, resolved):
        """The base's, with the options given on the command line in the profile (they keep the model)."""
        return super().resolve(config, {**profile, "given": tuple(given)}, given, resolved)

    def load_data(self, config):
        preset = preset_folder(config.preset) if config.encoder == "pretrained" else None
        return TrainingData(load_data(config), preset)

    def on_run_start(self, run, data):
        config = run.config
        examples = data.examples
        held_out = examples.test or examples.validation
        # Held-out conversations for the export's parity check (like the classifier's examples/).
        write_json(run.path / EXAMPLES_FILE, [list(e.context) for e in held_out[:EXPORT_CONTEXTS]])
        if config.encoder == "pretrained":
            tokenizer = load_tokenizer(data.preset)
            data.texts = BertTexts(tokenizer.get_vocabulary(), tokenizer.lowercase, config, CONTEXT_LENGTH,
                                   RESPONSE_LENGTH)
            return
        vocabulary = vocabulary_of(examples, config)
        write_json(run.path / "vocabulary.json", vocabulary.tokens)  # for people: ids are positions; not read back
        data.texts = WordTexts(vocabulary.tokens, config)

    # ---- training ----
    def build_task(self, config, data):
        if config.model != "retrieval":
            return build_generator(config, data.texts.size)
        if config.encoder == "pretrained":
            return build_pretrained_retrieval(config, load_backbone(data.preset), data.texts.context_length,
                                              data.texts.response_length)
        return build_retrieval(config, data.texts.size)

    def datasets(self, config, data):
        examples = data.examples
        if config.model != "retrieval":
            train = generator_arrays(data.texts, examples.train, config)
            validation = generator_arrays(data.texts, examples.validation, config)
            return (dataset(train, config.batch_size, shuffle=True, seed=config.seed),
                    dataset(validation, 256))
        train = data.texts.training_inputs(examples.train)
        validation = data.texts.training_inputs(examples.validation)
        return (dataset(train, config.batch_size, shuffle=True, seed=config.seed, in_batch=True),
                dataset(validation, config.batch_size, in_batch=True))

    def callbacks(self, run, data, task):
        return monitor_callbacks(run, data.examples.validation, data.texts)

    def fit(self, run, data, task):
        """The base's phases; the pretrained encoder: projections on cached outputs (`apps.chatbot.frozen`)."""
        if run.config.encoder == "pretrained":
            return fit_pretrained(self, run, data, task)
        return super().fit(run, data, task)

    def compile(self, task, phase, config, steps):
        compile_task = compile_retrieval if config.model == "retrieval" else compile_generator
        compile_task(task, phase.learning_rate, steps * max(phase.epochs, 1), config.warmup_fraction)

    def train_examples(self, data):
        return len(data.examples.train)

    def test_metrics(self, model, data, config):
        metrics, data.test_samples = held_out_metrics(model, config, data.examples.test, data.texts)
        return metrics

    def inference_model(self, network, data, config):
        """Conversations (N, turns) strings -> the answer (and attention, or candidates and scores)."""
        if config.model != "retrieval":
            return generative_bot(data.texts.context_layer, response_decoder(network, config))
        candidates, embeddings = knowledge(network, data)
        return retrieval_bot(data.texts.context_layer, side_encoder(network, "context"), candidates, embeddings,
                             config.top_k)

    def summary(self, run, data, model):
        config = run.config
        examples = data.examples
        extra = {"model": config.model, "skipped": examples.skipped, "train_examples": len(examples.train),
                 "source": examples.source}
        if config.model == "retrieval":
            candidates, embeddings = knowledge(model, data)
            save_knowledge_base(run.path, candidates, embeddings)
            extra["knowledge_base"] = len(candidates)
            if data.epoch_seconds:  # the head phase on cached encoder outputs (this process)
                extra["epoch_seconds"] = data.epoch_seconds
                extra["slowest_epoch_after_first"] = max(data.epoch_seconds[1:], default=None)
        else:
            extra["vocabulary"] = data.texts.size
        write_json(run.path / "test_samples.json", data.test_samples)
        return extra

    # ---- a trained run: model.keras carries the tokenizer, vocabulary, decoding, knowledge base ----
    def evaluate(self, trained, data=None, skip_bad=False):
        """Metrics on the run's held-out test split, or on every example of `data`."""
        config = dataclasses.replace(trained.config, skip_bad=skip_bad)
        examples = load_eval_data(config, data) if data else load_data(config).test
        texts = texts_of(trained.model, config, RESPONSE_LENGTH)
        metrics, samples = held_out_metrics(trained.network, config, examples, texts)
        result = {"test": metrics, "data": data or "held-out test split", "samples": samples[:5]}
        write_json(trained.path / "evaluation.json", result)
        log.info("evaluation: %s", metrics)
        return result

    def predict_rows(self, trained, inputs, separator="||", decoding=None):
        """context, response of each conversation (turns separated by `separator`)."""
        histories = contexts_of(inputs, separator)
        outputs = variant(trained.model, decoding).predict(conversation_array(histories), verbose=0)
        return [{"context": item if isinstance(item, str) else separator.join(history), "response": response}
                for item, history, response in zip(inputs, histories, decoded(outputs["response"]))]

    def export(self, trained, out, decoding=None):
        """SavedModel: a conversation's turns (strings) in, the response string out (checked)."""
        model = variant(trained.model, export_decoding(trained, decoding))
        examples = trained.path / EXAMPLES_FILE
        if not examples.is_file():
            raise UsageError(f"{trained.path}: no {EXAMPLES_FILE} (the export's check); train it again")
        return export_bot(model, read_json(examples), out)

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
