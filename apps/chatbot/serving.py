"""evaluate, predict and export: everything that starts from a run folder."""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import sys
from pathlib import Path

import numpy as np

from apps.chatbot.config import ChatbotConfig
from apps.chatbot.data import load_data, load_eval_data
from shared.errors import UsageError
from shared.records import read_json, write_json
from shared.training import load_best_model, load_run

log = logging.getLogger("annsuite")


@dataclasses.dataclass
class TrainedRun:
    """A finished run: folder, config, model and its text inputs."""

    path: Path
    config: ChatbotConfig
    model: object
    vocabulary: object = None
    texts: object = None

    @property
    def retrieval(self):
        return self.config.model == "retrieval"


def open_run(run_dir, skip_bad=False):
    """Load the config, vocabulary or tokenizer and best model of a run folder."""
    from apps.chatbot.arrays import WordTexts
    from apps.chatbot.text import Vocabulary

    saved = load_run(run_dir)["config"]
    config = dataclasses.replace(ChatbotConfig(**saved), skip_bad=skip_bad)
    path = Path(run_dir)
    model = load_best_model(path)
    if config.model == "retrieval" and config.encoder == "pretrained":
        from apps.chatbot.pretrained import BertTexts, tokenizer_from_state

        texts = BertTexts(tokenizer_from_state(read_json(path / "bert_tokenizer.json")), config)
        return TrainedRun(path, config, model, texts=texts)
    vocabulary = Vocabulary(read_json(path / "vocabulary.json"))
    texts = WordTexts(vocabulary, config) if config.model == "retrieval" else None
    return TrainedRun(path, config, model, vocabulary, texts)


class Bot:
    """Answers a history of turns with a trained run (generator or retriever).

    Args:
        trained: an opened run.
        decoding: greedy, beam, top_k or top_p (generators; default the run's).
        top: how many candidates a retriever returns.
    """

    def __init__(self, trained, decoding=None, top=None):
        from apps.chatbot.evaluation import side_encoder
        from apps.chatbot.inference import Generator, Retriever, make_sampler

        self.trained = trained
        config = trained.config
        self.top = top or config.top_k
        if trained.retrieval:
            if not (trained.path / "candidates.json").is_file():
                raise UsageError(f"{trained.path}: no knowledge base (candidates.json); train first")
            self.retriever = Retriever(side_encoder(trained.model, "context"),
                                       read_json(trained.path / "candidates.json"),
                                       np.load(trained.path / "candidate_embeddings.npy"))
        else:
            sampler = make_sampler(decoding or config.decoding, config.beam_width, config.top_k,
                                   config.top_p, config.temperature, seed=config.seed)
            self.generator = Generator(trained.model, trained.vocabulary, config.response_length, sampler)

    def respond(self, history):
        """The answer to the last turn of `history`: {"response", [candidates, scores]}."""
        config = self.trained.config
        if self.trained.retrieval:
            candidates, scores = self.retriever.top(self.trained.texts.context_inputs([history]), self.top)[0]
            return {"response": candidates[0], "candidates": candidates, "scores": scores}
        ids = self.trained.vocabulary.contexts([history], config.utterances, config.utterance_length)[0]
        text, _, _ = self.generator.respond(ids)
        return {"response": text}


def evaluate(args):
    """Metrics on the run's held-out test split, or on every example of --data."""
    from apps.chatbot.train import test_metrics

    trained = open_run(args.run, args.skip_bad)
    data = load_data(trained.config)
    if args.data:
        data.test = load_eval_data(trained.config, args.data)
    inputs = trained.texts if trained.retrieval else trained.vocabulary
    _, (metrics, samples) = test_metrics(trained.path, trained.config, data, inputs)
    result = {"test": metrics, "data": args.data or "held-out test split", "samples": samples[:5]}
    write_json(trained.path / "evaluation.json", result)
    log.info("evaluation: %s", metrics)
    return result


def predict(args):
    """Answer contexts given on the command line (turns separated by --separator)."""
    bot = Bot(open_run(args.run), args.decoding)
    rows = []
    for text in args.inputs:
        history = [turn.strip() for turn in text.split(args.separator) if turn.strip()]
        if not history:
            raise UsageError(f"empty context {text!r}")
        rows.append({"context": text, "response": bot.respond(history)["response"]})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["context", "response"])
    writer.writeheader()
    writer.writerows(rows)
    sys.stdout.write(out.getvalue())
    return {"predictions": rows}


def serving_function(trained, bot):
    """Context strings (T,) -> {"response"[, "candidates", "scores"]} in one graph."""
    import tensorflow as tf

    config = trained.config
    if trained.retrieval:
        retriever = bot.retriever
        embeddings = tf.constant(retriever.embeddings)
        names = tf.constant(retriever.candidates)
        top = min(bot.top, len(retriever.candidates))

        def serve(context):
            vector = retriever.context_encoder(trained.texts.tf_context_inputs(context), training=False)
            best = tf.math.top_k(tf.linalg.matvec(embeddings, vector[0]), k=top)
            candidates = tf.gather(names, best.indices)
            return {"response": candidates[0], "candidates": candidates, "scores": best.values}

        return serve, [trained.model, *trained.texts.resources()]
    generator = bot.generator

    def serve(context):
        ids = trained.vocabulary.tf_context(context, config.utterances, config.utterance_length)
        tokens, word_weights, utterance_weights = generator._generate(ids[None])
        return {"response": generator.texts_of(tokens)[0], "word_attention": word_weights[0],
                "utterance_attention": utterance_weights[0]}

    return serve, [trained.model, trained.vocabulary.to_ids, trained.vocabulary.to_words]


def export(args):
    """SavedModel: a list of context strings in, the response string out (checked)."""
    import tensorflow as tf

    from shared.export import ExportError, export_saved_model

    trained = open_run(args.run)
    if args.decoding in ("top_k", "top_p"):
        raise UsageError("export decodes with greedy or beam (sampling has no parity check)")
    bot = Bot(trained, args.decoding or ("greedy" if trained.config.decoding not in ("greedy", "beam")
                                         else trained.config.decoding))
    serve, resources = serving_function(trained, bot)
    data = load_data(trained.config)
    contexts = [list(e.context) for e in (data.test or data.validation)[:5]]
    expected = {k: v.numpy() for k, v in tf.function(serve)(tf.constant(contexts[0])).items()}
    out = Path(args.out) if args.out else trained.path / "saved_model"
    result = export_saved_model(resources, serve, [tf.TensorSpec([None], tf.string, name="context")],
                                out, examples={"context": np.array(contexts[0], dtype=object)},
                                expected=expected)
    reloaded = tf.saved_model.load(str(out)).signatures["serving_default"]
    for context in contexts:
        served = reloaded(context=tf.constant(context))["response"].numpy().decode("utf-8")
        if served != bot.respond(context)["response"]:
            raise ExportError(f"export check failed: SavedModel answered {served!r} to {context!r}")
    result["checked_contexts"] = len(contexts)
    return result
