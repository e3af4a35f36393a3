"""The chatbot's command-line pieces: conversations given as arguments, export's decoding, verb arguments."""

from __future__ import annotations

from apps.chatbot.preprocessing import SEPARATOR
from shared.cli import add_export_arguments, add_run_argument
from shared.errors import UsageError

EXPORT_DECODINGS = ("greedy", "beam")


def contexts_of(inputs, separator):
    """The turns of each input: a string split at `separator`, or a list of turns."""
    histories = []
    for item in inputs:
        turns = item.split(separator) if isinstance(item, str) else list(item)
        history = [str(turn).strip() for turn in turns if str(turn).strip()]
        if not history:
            raise UsageError(f"empty context {item!r}")
        if any(SEPARATOR in turn for turn in history):
            raise UsageError(f"a turn of {item!r} holds {SEPARATOR!r}, which separates the turns of model.keras' input")
        histories.append(history)
    return histories


def export_decoding(trained, decoding):
    """The decoding of an export: greedy or beam (default: the run's, else greedy)."""
    if decoding not in (None, *EXPORT_DECODINGS):
        raise UsageError("export decodes with greedy or beam (sampling has no parity check)")
    run_decoding = trained.config.decoding
    return decoding or (run_decoding if run_decoding in EXPORT_DECODINGS else "greedy")


def evaluate_arguments(parser):
    add_run_argument(parser)
    parser.add_argument("--data", help="evaluate on every example of this dialogue file or folder instead")


def export_arguments(parser):
    add_export_arguments(parser)
    parser.add_argument("--decoding", choices=EXPORT_DECODINGS,
                        help="generators: greedy or beam (default: the run's)")
