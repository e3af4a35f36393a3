"""Callbacks shared by the apps: history, TensorBoard writers, validation metrics."""

from shared.callbacks.history import HistoryCSV
from shared.callbacks.images import ImageLogger, figure_to_image
from shared.callbacks.metrics import ValidationMetrics
from shared.callbacks.writer import SummaryWriterCallback

__all__ = ["HistoryCSV", "ImageLogger", "SummaryWriterCallback", "ValidationMetrics", "figure_to_image"]
