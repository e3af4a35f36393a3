"""What TensorBoard shows each epoch: sample dialogues (text) and attention (image).

Generators: the responses to a few fixed validation contexts (follow-ups
first), and for one fixed context the word-attention weights of every
utterance and the utterance-attention weights as a picture. Retrievers:
the top response among the validation responses for the same contexts.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from apps.chatbot.arrays import window  # noqa: E402
from apps.chatbot.decoding import Generator, make_sampler  # noqa: E402
from apps.chatbot.model import side_encoder  # noqa: E402
from shared.callbacks import ImageLogger, SummaryWriterCallback, figure_to_image  # noqa: E402

SAMPLES = 6


def fixed_examples(examples, count=SAMPLES):
    """Follow-ups that need context first, then the rest, in a fixed order."""
    ordered = [e for e in examples if e.needs_context] + [e for e in examples if not e.needs_context]
    return ordered[:count]


def attention_figure(context, tokens, word_weights, utterance_weights):
    """Heatmap of word attention per utterance, bars of utterance attention."""
    rows = len(word_weights)
    figure, (words_axis, turns_axis) = plt.subplots(
        1, 2, figsize=(11, 0.5 * rows + 1.5), gridspec_kw={"width_ratios": [4, 1]})
    words_axis.imshow(word_weights, cmap="viridis", aspect="auto", vmin=0, vmax=1)
    for row, row_tokens in enumerate(tokens):
        for column, token in enumerate(row_tokens[:word_weights.shape[1]]):
            words_axis.text(column, row, token, ha="center", va="center", fontsize=7, color="white")
    labels = [""] * (rows - len(context)) + [u[:28] for u in context]
    words_axis.set_yticks(range(rows), labels, fontsize=7)
    words_axis.set_title("word attention")
    turns_axis.barh(range(rows), utterance_weights)
    turns_axis.set_ylim(rows - 0.5, -0.5)
    turns_axis.set_yticks([])
    turns_axis.set_title("utterance attention")
    return figure_to_image(figure)


class DialogueText(SummaryWriterCallback):
    """Write `make_text(model, epoch)` (markdown) as a TensorBoard text summary each epoch.

    Args:
        log_dir: the run folder.
        make_text: called as `make_text(model, epoch)` after the epoch.
        tag: the text's TensorBoard tag.
        subdir: the TensorBoard run it belongs to.
    """

    def __init__(self, log_dir, make_text, tag="sample_dialogues", subdir="validation"):
        super().__init__(log_dir, subdir)
        self.make_text = make_text
        self.tag = tag

    def on_epoch_end(self, epoch, logs=None):
        self.write_text({self.tag: self.make_text(self.model, epoch)}, step=epoch)


def table(examples, responses):
    lines = ["| context | reference | response |", "|---|---|---|"]
    for example, response in zip(examples, responses):
        context = " / ".join(example.context[-3:]).replace("|", "/")
        lines.append(f"| {context} | {example.response} | {response} |")
    return "\n".join(lines)


def generator_callbacks(run, texts, examples):
    config = run.config
    shown = fixed_examples(examples)
    contexts = texts.contexts([e.context for e in shown])
    state = {}

    def generator(model):
        if state.get("model") is not model:
            state.update(model=model, generator=Generator(model, config.response_length, make_sampler("greedy")))
        return state["generator"]

    def make_text(model, epoch):
        return table(shown, texts.texts(generator(model).ids(contexts)))

    def make_images(model, epoch):
        word_weights, utterance_weights = generator(model).attention(contexts[0])
        recent = window(shown[0].context, config.context_turns)
        tokens = [[]] * (config.utterances - len(recent)) + texts.tokens(recent)
        return {"attention": attention_figure(recent, tokens, word_weights, utterance_weights)}

    return [ImageLogger(run.path, make_images), DialogueText(run.path, make_text)]


def retrieval_callbacks(run, texts, examples):
    shown = fixed_examples(examples)
    pool = list(dict.fromkeys(e.response for e in examples))

    def make_text(model, epoch):
        responses = np.asarray(side_encoder(model, "response")(texts.response_inputs(pool), training=False))
        vectors = np.asarray(side_encoder(model, "context")(
            texts.context_inputs([e.context for e in shown]), training=False))
        return table(shown, [pool[i] for i in np.argmax(vectors @ responses.T, axis=1)])

    return [DialogueText(run.path, make_text)]


def monitor_callbacks(run, examples, texts):
    """The app's per-epoch TensorBoard writers (before the standard callbacks).

    `texts` makes the network's inputs (`apps.chatbot.arrays`).
    """
    if not examples:
        return []
    if run.config.model == "retrieval":
        return retrieval_callbacks(run, texts, examples)
    return generator_callbacks(run, texts, examples)
