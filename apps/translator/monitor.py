"""Per-epoch validation BLEU, sample translations and attention heatmaps.

`TranslationMonitor` translates a fixed validation subset after every
epoch, adds `val_bleu` and `val_exact_match` to the epoch's logs (so the
TensorBoard callback, history.csv and the best checkpoint see them; it must
run before those callbacks), writes the translations of a few fixed
sentences as TensorBoard text and, for models with attention, a heatmap of
the attention weights (source words x target words) as an image.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from shared.callbacks import figure_to_image

TEXT_SENTENCES = 6


def attention_figure(weights, source_tokens, target_tokens, title=None):
    """A matplotlib figure: target tokens (rows) x source tokens (columns)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from apps.translator.text import JOINER

    weights = np.asarray(weights)[:len(target_tokens), :len(source_tokens)]
    source_tokens = [token.replace(JOINER, "") for token in source_tokens]
    target_tokens = [token.replace(JOINER, "") for token in target_tokens]
    figure, axis = plt.subplots(figsize=(1.0 + 0.45 * len(source_tokens), 1.0 + 0.4 * len(target_tokens)))
    axis.imshow(weights, cmap="viridis", vmin=0.0, vmax=max(float(weights.max(initial=0.0)), 1e-6))
    axis.set_xticks(range(len(source_tokens)), source_tokens, rotation=60, ha="right")
    axis.set_yticks(range(len(target_tokens)), target_tokens)
    axis.set_xlabel("source")
    axis.set_ylabel("translation")
    if title:
        axis.set_title(title, fontsize=9)
    return figure


def markdown_table(rows):
    """TensorBoard text: a Markdown table of source | translation | reference."""
    lines = ["| source | translation | reference |", "|---|---|---|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_scalars(log_dir, subdir, scores, step=0):
    """Numeric scores as TensorBoard scalars in `<log_dir>/<subdir>`."""
    import tensorflow as tf

    writer = tf.summary.create_file_writer(str(Path(log_dir) / subdir))
    with writer.as_default():
        for name, value in scores.items():
            if isinstance(value, (int, float)):
                tf.summary.scalar(name, float(value), step=step)
    writer.close()


class TranslationMonitor(keras.callbacks.Callback):
    """BLEU on a fixed validation subset, text and heatmaps each epoch.

    Args:
        log_dir: the run folder.
        translator: an `apps.translator.inference.Translator` on the model
            being trained (it reads the model's current weights).
        sources, references: the fixed validation sentences.
        every: write text and images every N epochs (BLEU every epoch).
    """

    def __init__(self, log_dir, translator, sources, references, every=1):
        super().__init__()
        self.log_dir = Path(log_dir)
        self.translator = translator
        self.sources, self.references = list(sources), list(references)
        self.every = every
        self._writer = None

    def on_train_begin(self, logs=None):
        self._writer = None

    def writer(self):
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(str(self.log_dir / "validation"))
        return self._writer

    def on_epoch_end(self, epoch, logs=None):
        from apps.translator.inference import corpus_scores

        hypotheses = self.translator.translate(self.sources)
        scores = corpus_scores(hypotheses, self.references)
        if logs is not None:
            logs["val_bleu"] = scores["bleu"]
            logs["val_exact_match"] = scores["exact_match"]
        if epoch % self.every == 0:
            self.write_samples(epoch, hypotheses)

    def write_samples(self, epoch, hypotheses):
        import tensorflow as tf

        rows = list(zip(self.sources, hypotheses, self.references))[:TEXT_SENTENCES]
        with self.writer().as_default():
            tf.summary.text("translations", markdown_table(rows), step=epoch)
            if self.translator.has_attention:
                image = self.heatmap(self.sources[0])
                tf.summary.image("attention", image[None], step=epoch)
        self.writer().flush()

    def heatmap(self, sentence):
        weights, source_tokens, target_tokens = self.translator.attention(sentence)
        return figure_to_image(attention_figure(weights, source_tokens, target_tokens, sentence))

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
