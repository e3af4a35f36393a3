"""Callbacks shared by the apps (history, TensorBoard image writers)."""

from shared.callbacks.history import HistoryCSV
from shared.callbacks.images import ImageLogger, figure_to_image

__all__ = ["HistoryCSV", "ImageLogger", "figure_to_image"]
