"""The memory app's App declaration: its hooks on the shared lifecycle.

One phase of Adam (cosine-decayed over the run) with the global gradient
norm clipped at 0.1; the generated tasks draw fresh sequences every batch
(with --curriculum, the longest training length grows over the first half
of the epochs). The best checkpoint is the epoch with the fewest validation
bit errors per sequence.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from apps.memory import figures
from apps.memory.callbacks import SequenceMonitor, sequence_images
from apps.memory.config import MemoryConfig
from apps.memory.data import (
    CurriculumEpoch,
    SequenceBatches,
    TaskBatches,
    as_dataset,
    load_data,
    picture_sequence,
)
from apps.memory.evaluation import predict_probabilities, scores, sequence_errors
from apps.memory.formats import read_sequences
from apps.memory.model import (
    build_network,
    compile_network,
    inference_model,
    matching_lstm_units,
    ntm_parameters,
)
from apps.memory.serving import export_model
from apps.memory.tasks import generate, task_options
from shared.app import App
from shared.cli import Verb, add_run_argument
from shared.errors import UsageError
from shared.records import write_json

log = logging.getLogger("annsuite")

EXAMPLES = "examples/sequences.npz"  # held-out sequences: the export's parity check
PARITY_SEQUENCES = 8
# Epochs of --steps-per-epoch batches (250 by default) when --epochs is 0.
TASK_EPOCHS = {"copy": 20, "repeat-copy": 20, "associative-recall": 20}
USER_EPOCHS = 30


def bit_rows(bits, weights):
    """The scored steps of one sequence as 0/1 strings separated by spaces."""
    return " ".join("".join(str(int(b)) for b in step) for step, w in zip(bits, weights) if w > 0)


class MemoryApp(App):
    name = "memory"
    description = "External memory: the Neural Turing Machine vs an LSTM on copy and recall tasks."
    config_class = MemoryConfig
    monitor = "val_bit_errors"
    mode = "min"
    train_help = "train an NTM or an LSTM (default data: the copy task, lengths 1..20, generated from the seed)"
    predict_help = "outputs of input sequences (a .csv/.npz file, or generated with --task and --length)"
    inputs_help = ".csv or .npz files of sequences (the documented layout)"

    # ---- data ----
    def load_data(self, config):
        return load_data(config)

    def defaults(self, profile, config):
        if "input_width" not in profile:
            return {}
        if profile["generated"]:
            epochs = (TASK_EPOCHS[config.task], f"the {config.task} task's budget "
                      f"({TASK_EPOCHS[config.task]} x {config.steps_per_epoch} batches)")
        else:
            epochs = (USER_EPOCHS, "the budget of a user's sequences")
        result = {"epochs": epochs}
        if config.model == "lstm":
            target = ntm_parameters(config, profile["input_width"], profile["bits"])
            units = matching_lstm_units(config, profile["input_width"], profile["bits"], target)
            result["lstm_units"] = (units, f"{config.lstm_layers} layers of this size have about the NTM's "
                                           f"{target} parameters")
        return {name: value for name, value in result.items()
                if not (name == "epochs" and config.epochs) and not (name == "lstm_units" and config.lstm_units)}

    # ---- training ----
    def on_run_start(self, run, data):
        held_out = next(iter(data.test.values()))
        chosen = held_out.subset(np.arange(min(PARITY_SEQUENCES, len(held_out))))
        (run.path / EXAMPLES).parent.mkdir(parents=True, exist_ok=True)
        np.savez(run.path / EXAMPLES, inputs=chosen.inputs)

    def build_task(self, config, data):
        network = build_network(config, data.input_width, data.bits)
        log.info("%s: %d parameters", config.model, network.count_params())
        return network

    def datasets(self, config, data):
        if data.generated:
            data.batches = TaskBatches(config, config.epochs)
        else:
            data.batches = SequenceBatches(data.train, config.batch_size, config.seed)
        validation = data.validation
        return (as_dataset(data.batches, data.input_width, data.bits),
                (validation.inputs, validation.targets, validation.weights))

    def callbacks(self, run, data, task):
        return [CurriculumEpoch(data.batches),
                SequenceMonitor(run.path, data.validation, picture_sequence(run.config, data))]

    def compile(self, task, phase, config, steps):
        batches = config.steps_per_epoch if config.data is None else steps  # generated: --steps-per-epoch
        compile_network(task, dataclasses.replace(config, learning_rate=phase.learning_rate), batches * phase.epochs)

    def train_examples(self, data):
        return len(data.train) if data.train is not None else 0

    def test_metrics(self, model, data, config):
        return scores(model, data.test, config.lengths if data.generated else None)

    def summary(self, run, data, model):
        return {**super().summary(run, data, model), "parameters": int(model.count_params()),
                "test_sequences_per_length": {str(k): len(v) for k, v in data.test.items()}}

    def inference_model(self, network, data, config):
        return inference_model(network)

    # ---- a trained run ----
    def evaluate(self, trained, data=None, skip_bad=False):
        """Scores on the run's held-out sequences (regenerated from its seed), or on every sequence of `data`."""
        config = trained.config
        if data:
            sequences = read_sequences(data)
            test = {int(n): sequences.subset(np.flatnonzero(sequences.lengths == n)) for n in np.unique(sequences.lengths)}
            result = {"test": scores(trained.model, test), "data": data}
        else:
            held_out = load_data(config)
            result = {"test": scores(trained.model, held_out.test, config.lengths if held_out.generated else None),
                      "data": "held-out test split"}
        write_json(trained.path / "evaluation.json", result)
        log.info("evaluation: %s", result["test"])
        return result

    def predict_rows(self, trained, inputs, task=None, length=None, count=1):
        """One row per sequence: its length, bit errors (against its targets) and output bits."""
        config = trained.config
        if inputs:
            batches = [(str(path), read_sequences(path)) for path in inputs]
        else:
            chosen = task or config.task
            if chosen == "associative-recall" and length < 2:
                raise UsageError(f"--length of associative-recall must be >= 2 items, got {length}")
            rng = np.random.default_rng((config.seed, 5, length))
            batches = [(f"generated {chosen}", generate(chosen, rng, count, length, **task_options(config)))]
        rows = []
        for source, sequences in batches:
            self.check_width(trained.model, sequences, source)
            probabilities = predict_probabilities(trained.model, sequences)
            errors = sequence_errors(probabilities, sequences)
            for index in range(len(sequences)):
                rows.append({"source": source, "sequence": index, "length": int(sequences.lengths[index]),
                             "bit_errors": int(errors[index]),
                             "output": bit_rows(probabilities[index] > 0.5, sequences.weights[index])})
        return rows

    def check_width(self, model, sequences, source):
        width = int(model.inputs[0].shape[-1])
        if sequences.inputs.shape[-1] != width:
            raise UsageError(f"{source}: sequences of {sequences.inputs.shape[-1]} input channels; "
                             f"this run's model takes {width}")

    def export(self, trained, out):
        examples = trained.path / EXAMPLES
        if not examples.is_file():
            raise UsageError(f"{trained.path}: no {EXAMPLES} (the held-out sequences the export is checked on)")
        return export_model(trained.model, np.load(examples)["inputs"], out)

    # ---- command line ----
    def predict_arguments(self, parser):
        add_run_argument(parser, skip_bad=False)
        parser.add_argument("inputs", nargs="*", metavar="INPUT", help=self.inputs_help)
        parser.add_argument("--task", choices=("copy", "repeat-copy", "associative-recall"),
                            help="generate the sequences of this task (default: the run's)")
        parser.add_argument("--length", type=int, help="length of the generated sequences")
        parser.add_argument("--count", type=int, default=1, help="generated sequences (default 1)")
        parser.add_argument("--out", help="CSV file (default: <run>/predictions.csv)")

    def predict_options(self, args):
        if not args.inputs and args.length is None:
            raise UsageError("predict needs INPUT files or --length N (with --task, default the run's)")
        if args.length is not None and args.length < 1 or args.count < 1:
            raise UsageError(f"--length and --count must be >= 1, got {args.length} and {args.count}")
        return args.inputs, {"task": args.task, "length": args.length, "count": args.count}

    def extra_verbs(self):
        def arguments(parser):
            add_run_argument(parser, skip_bad=False)
            parser.add_argument("--length", type=int, default=None,
                                help="length of the generated sequence (default: the longest training length)")
        return [Verb("explain", "the paper's picture as PNG: inputs, outputs, read/write weightings, memory",
                     self.explain_verb, arguments)]

    def explain_verb(self, args):
        trained = self.load(args.run)
        config = trained.config
        length = args.length or config.lengths[1]
        if length < 1:
            raise UsageError(f"--length must be >= 1, got {length}")
        if config.data:  # a user's sequences: the first validation sequence
            sequence = load_data(config).validation.subset([0])
            length = int(sequence.lengths[0])
        else:
            sequence = generate(config.task, np.random.default_rng((config.seed, 6, length)), 1, length,
                                **task_options(config))
        image = sequence_images(trained.network, sequence)["sequence"]
        out = trained.path / "figures" / f"{config.task}_L{length}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        figures.save_png(image, out)
        log.info("wrote %s", out)
        return {"path": str(out), "length": length}


APP = MemoryApp()
