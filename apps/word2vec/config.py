"""The word2vec app's training options."""

from __future__ import annotations

from dataclasses import dataclass

from apps.word2vec import native
from shared.config import TrainConfig, check_choice, check_positive, option

MODELS = ("skipgram", "cbow", "nnlm")
KERNELS = ("auto", "native", "tf")
OBJECTIVES = ("negative", "hierarchical")
DEFAULT_LEARNING_RATES = {"skipgram": 0.025, "cbow": 0.05, "nnlm": 0.002}
DEFAULT_BATCH_SIZES = {"skipgram": 1024, "cbow": 2048, "nnlm": 2048}  # --kernel tf
NATIVE_BATCH_SIZE = 8192  # --kernel native: its updates are sequential whatever the step's size


@dataclass
class Word2VecConfig(TrainConfig):
    """Options of `python -m apps.word2vec train`."""

    epochs: int = option(5, "passes over the training text")
    batch_size: int | None = option(None, "skipgram, cbow: corpus tokens per step (default 8192 with the native kernel; with --kernel tf their pairs or windows train together: 1024, cbow 2048); nnlm: n-grams per step (default 2048)")
    learning_rate: float | None = option(None, "starting learning rate, decayed linearly; default 0.025 (skipgram), 0.05 (cbow), Adam 0.002 (nnlm)")
    validation_fraction: float = option(0.02, "fraction of the sentences held out for the validation loss")
    patience: int = option(0, "early-stopping patience on the validation loss (0: off)")
    max_train_samples: int | None = option(None, "use at most this many training sentences (debugging)")
    model: str = option("skipgram", "skipgram, cbow, or the nnlm language-model baseline", MODELS)
    dim: int = option(100, "vector size")
    window: int = option(5, "largest distance between a word and its context (each word draws 1..window)")
    objective: str = option("negative", "skipgram, cbow: negative (negative sampling, --negatives noise words per example) or hierarchical (hierarchical softmax over a Huffman tree of the training counts, as word2vec.c's -hs 1 -negative 0)", OBJECTIVES)
    negatives: int = option(5, "noise words per example (negative sampling)")
    kernel: str = option("auto", "skipgram, cbow: native (word2vec's per-example loop in a compiled op, built by make), tf (batched TensorFlow ops), auto (native when built)", KERNELS)
    negative_sharing: int = option(16, "--kernel tf: consecutive examples sharing their noise words: fewer rows gathered per step (1: word2vec's independent draws)")
    sample: float = option(1e-3, "subsampling threshold of frequent words (0: off)")
    min_count: int = option(5, "ignore words rarer than this in the training text")
    min_learning_rate: float = option(1e-4, "learning rate at the end of training (skipgram, cbow)")
    context_size: int = option(4, "nnlm: previous words seen")
    hidden: int = option(128, "nnlm: hidden units")
    max_sentence_length: int = option(1000, "longer lines (text8) are cut into sentences of this many tokens")
    questions: str | None = option(None, "analogy questions (questions-words.txt format); default: the planted ones of the generated corpus")
    similarity: str | None = option(None, "comma-separated word-similarity files (WordSim-353 / SimLex-999 format) scored after training")
    probe_words: list = option([], "words whose nearest neighbours TensorBoard shows per epoch (default: a few frequent words)")

    def __post_init__(self):
        check_choice(self, "model")
        check_choice(self, "kernel")
        check_choice(self, "objective")
        if self.objective == "hierarchical" and self.model == "nnlm":
            raise ValueError("--objective hierarchical is for skipgram and cbow (the nnlm has a full softmax)")
        if self.model != "nnlm" and self.strategy in ("mirrored", "multi-worker"):
            raise ValueError(f"--strategy {self.strategy}: skipgram and cbow train on one device "
                             "(word2vec's sparse updates); use --model nnlm or --strategy auto")
        if self.kernel == "auto":
            self.kernel = "native" if self.model != "nnlm" and native.available() else "tf"
        if self.learning_rate is None:
            self.learning_rate = DEFAULT_LEARNING_RATES[self.model]
        if self.batch_size is None:
            native_steps = self.kernel == "native" and self.model != "nnlm"
            self.batch_size = NATIVE_BATCH_SIZE if native_steps else DEFAULT_BATCH_SIZES[self.model]
        super().__post_init__()
        for name in ("dim", "window", "min_count", "context_size", "hidden", "max_sentence_length"):
            check_positive(self, name)
        check_positive(self, "negatives")
        check_positive(self, "negative_sharing")
        check_positive(self, "sample", allow_zero=True)
        check_positive(self, "min_learning_rate", allow_zero=True)
        if self.min_learning_rate > self.learning_rate:
            raise ValueError(f"min_learning_rate must be <= learning_rate, got {self.min_learning_rate!r}")
        if isinstance(self.probe_words, str):
            self.probe_words = [word for word in self.probe_words.split(",") if word]
