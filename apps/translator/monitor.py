"""Per-epoch validation BLEU, sample translations and attention heatmaps.

`TranslationMonitor` (a `shared.callbacks.ValidationMetrics`) translates a
fixed validation subset after every epoch and adds `val_bleu` and
`val_exact_match` to the epoch's logs (so the TensorBoard callback,
history.csv and the best checkpoint see them; `App.fit` runs it before
those callbacks). Every `every` epochs it also writes the translations of a
few fixed sentences as TensorBoard text and, for models with attention, a
heatmap of the attention weights (source words x target words) as an image.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from apps.translator.evaluation import corpus_scores  # noqa: E402
from shared.callbacks import SummaryWriterCallback, ValidationMetrics, figure_to_image  # noqa: E402
from shared.text.normalization import JOINER  # noqa: E402

TEXT_SENTENCES = 6


def attention_figure(weights, source_tokens, target_tokens, title=None):
    """A matplotlib figure: target tokens (rows) x source tokens (columns)."""
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


def write_scores(log_dir, subdir, scores, step=0):
    """Numeric scores as TensorBoard scalars in `<log_dir>/<subdir>` (test, evaluation)."""
    writer = SummaryWriterCallback(log_dir, subdir)
    writer.write_scalars(scores, step)
    writer.close_writers()


def attention_image(translator, sentence, beam=None):
    """The heatmap of one translation as an RGB array (None without attention)."""
    weights, source_tokens, target_tokens = translator.attention(sentence, beam)
    if weights is None:
        return None
    return figure_to_image(attention_figure(weights, source_tokens, target_tokens, sentence))


class TranslationMonitor(ValidationMetrics):
    """BLEU on a fixed validation subset each epoch; text and heatmaps every `every`.

    Args:
        log_dir: the run folder.
        translator: an `apps.translator.inference.Translator` around the
            network being trained (it reads the network's current weights).
        sources, references: the fixed validation sentences.
        every: write text and images every N epochs (BLEU every epoch).
    """

    def __init__(self, log_dir, translator, sources, references, every=1):
        super().__init__(log_dir, self.scores)
        self.translator = translator
        self.sources, self.references = list(sources), list(references)
        self.samples_every = every

    def scores(self, model, epoch):
        """compute() of ValidationMetrics: translate, score, write the samples."""
        hypotheses = self.translator.translate(self.sources)
        if epoch % self.samples_every == 0:
            self.write_samples(epoch, hypotheses)
        return corpus_scores(hypotheses, self.references)

    def write_samples(self, epoch, hypotheses):
        rows = list(zip(self.sources, hypotheses, self.references))[:TEXT_SENTENCES]
        self.write_text({"translations": markdown_table(rows)}, step=epoch)
        if self.translator.has_attention:
            self.write_images({"attention": attention_image(self.translator, self.sources[0])}, step=epoch)
