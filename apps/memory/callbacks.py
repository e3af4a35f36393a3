"""The memory app's training callbacks: validation bit errors and the paper's pictures per epoch."""

from __future__ import annotations

import numpy as np

from apps.memory import figures
from apps.memory.evaluation import predict_probabilities, sequence_errors
from apps.memory.model import inference_model
from shared.callbacks import ImageLogger


def sequence_images(network, sequence):
    """{tag: image} of one sequence: the figure (inputs, targets, outputs, weightings, memory)."""
    model = inference_model(network)
    outputs = model(sequence.inputs, training=False)
    memory = figures.final_memory(network, sequence.inputs) if "read_weights" in outputs else None
    return {"sequence": figures.sequence_figure(sequence, outputs, memory)}


class SequenceMonitor(ImageLogger):
    """Each epoch: `val_bit_errors` and `val_exact` (per sequence) into the logs, then the pictures.

    It runs before the standard callbacks, so the best checkpoint, history.csv
    and TensorBoard all see the two values.

    Args:
        log_dir: the run folder.
        validation: the validation Sequences.
        picture: the fixed Sequences (one) the pictures show.
    """

    def __init__(self, log_dir, validation, picture):
        super().__init__(log_dir, lambda model, epoch: sequence_images(model, picture))
        self.validation = validation

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            errors = sequence_errors(predict_probabilities(self.model, self.validation), self.validation)
            logs["val_bit_errors"] = float(errors.mean())
            logs["val_exact"] = float(np.mean(errors == 0))
        super().on_epoch_end(epoch, logs)
