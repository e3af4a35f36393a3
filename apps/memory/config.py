"""The memory app's training options."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import TrainConfig, check_choice, check_positive, option

TASKS = ("copy", "repeat-copy", "associative-recall")
MODELS = ("ntm", "lstm")
CONTROLLERS = ("lstm", "dense")

# Per task: training lengths (copy, repeat-copy: vectors per sequence; associative recall:
# items per sequence) and the longer lengths evaluation adds to see generalisation.
TASK_LENGTHS = {
    "copy": {"min_length": 1, "max_length": 20, "longer": (30, 40, 60)},
    "repeat-copy": {"min_length": 1, "max_length": 10, "longer": (15, 20)},
    "associative-recall": {"min_length": 2, "max_length": 6, "longer": (8, 10, 12)},
}


def parse_lengths(text):
    """'10,20,40' -> (10, 20, 40); ValueError quoting a bad entry."""
    values = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise ValueError(f"eval_lengths must be positive integers separated by commas, got {text!r}")
        values.append(int(part))
    return tuple(sorted(set(values)))


@dataclass
class MemoryConfig(TrainConfig):
    """Options of `python -m apps.memory train`."""

    task: str = option("copy", "the generated task (without --data)", TASKS)
    model: str = option("ntm", "ntm (a Neural Turing Machine) or lstm (a stacked LSTM of about the same size)", MODELS)
    epochs: int = option(0, "training epochs (0: the budget of the task, see --steps-per-epoch)")
    steps_per_epoch: int = option(250, "batches per epoch (generated tasks: fresh sequences every batch)")
    batch_size: int = option(32, "sequences per batch")
    learning_rate: float = option(1e-3, "Adam learning rate (the start of the decay)")
    lr_decay: bool = option(True, "cosine decay of the learning rate to 5% of it over the run (--no-lr-decay: constant)")
    clip_norm: float = option(0.1, "gradient clipping: the largest global norm of the gradients (0.1: the NTM's "
                                   "gradient spikes, 100-1000x the typical norm, cannot wreck it)")
    jit_compile: bool = option(True, "XLA-compile the training and prediction steps (--no-jit-compile: plain graphs)")
    patience: int = option(0, "early-stopping patience in epochs (0 turns early stopping off: NTMs plateau before they click)")
    bits: int = option(8, "bits per vector of the generated tasks")
    min_length: int = option(0, "shortest training length (0: the task's, copy 1, repeat-copy 1, associative-recall 2 items)")
    max_length: int = option(0, "longest training length (0: the task's, copy 20, repeat-copy 10, associative-recall 6 items)")
    eval_lengths: str = option("", "evaluation lengths, comma-separated (empty: 4 training lengths and the task's longer ones, copy 30,40,60)")
    curriculum: bool = option(False, "grow the longest training length over the first half of the epochs "
                                     "(off: copy converges faster on lengths 1..20 from the start)")
    max_repeats: int = option(5, "repeat-copy: the largest number of repeats")
    item_length: int = option(3, "associative-recall: vectors per item")
    memory_size: int = option(64, "NTM: memory slots N (longer sequences than N cannot be copied)")
    memory_width: int = option(20, "NTM: size M of each memory slot")
    units: int = option(100, "NTM: controller units")
    controller: str = option("lstm", "NTM: controller, an LSTM cell or a dense layer", CONTROLLERS)
    read_heads: int = option(1, "NTM: read heads")
    write_heads: int = option(1, "NTM: write heads")
    shift_range: int = option(1, "NTM: largest shift of a head per step (shifts -S..S)")
    lstm_layers: int = option(3, "lstm: stacked LSTM layers")
    lstm_units: int = option(0, "lstm: units per layer (0: the number that gives the NTM's parameter count)")
    test_sequences: int = option(100, "held-out sequences per evaluation length (generated tasks)")
    validation_sequences: int = option(256, "validation sequences (generated tasks; training lengths)")

    def __post_init__(self):
        super().__post_init__()
        check_choice(self, "task")
        check_choice(self, "model")
        check_choice(self, "controller")
        for name in ("steps_per_epoch", "bits", "max_repeats", "item_length", "memory_size", "memory_width",
                     "units", "read_heads", "write_heads", "lstm_layers", "test_sequences",
                     "validation_sequences", "clip_norm"):
            check_positive(self, name)
        for name in ("min_length", "max_length", "lstm_units", "shift_range"):
            check_positive(self, name, allow_zero=True)
        if self.min_length and self.max_length and self.min_length > self.max_length:
            raise ValueError(f"min_length must be <= max_length, got {self.min_length!r} > {self.max_length!r}")
        if self.task == "associative-recall" and self.min_length == 1:
            raise ValueError(f"min_length of associative-recall must be >= 2 items, got {self.min_length!r}")
        if not 2 * self.shift_range < self.memory_size:
            raise ValueError(f"shift_range must be below memory_size / 2, got {self.shift_range!r}")
        parse_lengths(self.eval_lengths)

    @property
    def lengths(self):
        """(min_length, max_length) with the task's defaults for 0."""
        task = TASK_LENGTHS[self.task]
        return self.min_length or task["min_length"], self.max_length or task["max_length"]

    @property
    def evaluation_lengths(self):
        """The evaluation lengths: --eval-lengths, or 4 training lengths and the task's longer ones."""
        if parse_lengths(self.eval_lengths):
            return parse_lengths(self.eval_lengths)
        low, high = self.lengths
        spread = {low, high, *(round(low + (high - low) * f) for f in (1 / 3, 2 / 3))}
        return tuple(sorted(spread | set(TASK_LENGTHS[self.task]["longer"])))
