"""The translator's training options."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import TrainConfig, check_choice, check_positive, option

MODELS = ("attention", "seq2seq", "transformer")
ATTENTIONS = ("luong", "bahdanau")
CELLS = ("gru", "lstm")
TOKENIZERS = ("word", "wordpiece", "sentencepiece")  # shared.text.KINDS (config stays light: no TensorFlow)


@dataclass
class TranslatorConfig(TrainConfig):
    """Options of `python -m apps.translator train`."""

    epochs: int = option(3, "maximum training epochs")
    batch_size: int = option(128, "sentence pairs per batch (per worker)")
    learning_rate: float = option(3e-3, "initial learning rate (Adam, cosine decay)")
    validation_fraction: float = option(0.05, "fraction of the pairs held out for validation (BLEU each epoch, best checkpoint)")
    test_fraction: float = option(0.1, "fraction of the pairs held out for the final test")
    patience: int = option(4, "early-stopping patience in epochs on validation BLEU (0: off)")
    model: str | None = option(None, "seq2seq (RNN encoder-decoder), attention (with attention), transformer; "
                               "default from the data: attention on a closed vocabulary, transformer on "
                               "natural language", MODELS)
    attention: str = option("luong", "attention scores of the attention model: luong (general bilinear) or bahdanau (additive)", ATTENTIONS)
    cell: str = option("gru", "recurrent cell of seq2seq/attention (bidirectional encoder)", CELLS)
    embedding_dim: int = option(64, "token embedding size")
    units: int = option(128, "encoder units per direction (the decoder has twice as many); transformer: model width")
    num_layers: int = option(2, "transformer: encoder and decoder layers")
    num_heads: int = option(4, "transformer: attention heads")
    feedforward_dim: int = option(256, "transformer: feed-forward size")
    dropout: float = option(0.1, "dropout rate")
    label_smoothing: float = option(0.0, "label smoothing of the masked cross-entropy (0: none)")
    warmup_fraction: float = option(0.0, "fraction of the training steps spent warming the learning rate up "
                                    "linearly before the cosine decay (0: none)")
    jit_compile: bool = option(False, "compile the training step with XLA")
    bucketing: bool = option(False, "training batches of pairs of similar length (shuffled, then grouped in "
                             "length buckets), each cut to its bucket's length instead of the longest pair's")
    max_length: int = option(30, "sentence-length cap in words: longer pairs are dropped (and counted)")
    min_count: int = option(1, "words seen fewer times in the training split become [UNK]")
    max_vocab: int | None = option(None, "largest vocabulary per side (most frequent words kept)")
    tokenizer: str = option("word", "word: words and punctuation marks; wordpiece (keras-hub WordPiece on the words) "
                            "or sentencepiece (unigram): subwords learnt on the training split", TOKENIZERS)
    vocab_size: int = option(1000, "wordpiece/sentencepiece: subword vocabulary size per side (an upper bound)")
    reverse: bool = option(False, "swap source and target (translate the other way)")
    source_column: str | None = option(None, "CSV: the source column's name (default: the first column)")
    target_column: str | None = option(None, "CSV: the target column's name (default: the second column)")
    num_examples: int = option(20000, "default data: how many distinct numbers (0..999,999) to generate")
    beam: int = option(1, "beam size of evaluation after training (1: greedy)")
    length_penalty: float = option(0.6, "beam search length penalty alpha (scores / ((5+len)/6)^alpha)")
    bleu_samples: int = option(300, "validation pairs translated each epoch for BLEU and the best checkpoint")

    def __post_init__(self):
        super().__post_init__()
        for name in ("attention", "cell", "tokenizer") + (("model",) if self.model is not None else ()):
            check_choice(self, name)  # model None: resolved from the data
        for name in ("embedding_dim", "units", "num_layers", "num_heads", "feedforward_dim",
                     "max_length", "min_count", "num_examples", "beam", "bleu_samples"):
            check_positive(self, name)
        if self.vocab_size < 16:
            raise ValueError(f"vocab_size must be >= 16, got {self.vocab_size!r}")
        if self.max_vocab is not None and self.max_vocab < 8:
            raise ValueError(f"max_vocab must be >= 8, got {self.max_vocab!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        for name in ("label_smoothing", "warmup_fraction"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if self.length_penalty < 0:
            raise ValueError(f"length_penalty must be >= 0, got {self.length_penalty!r}")
        if self.model == "transformer" and self.units % self.num_heads:
            raise ValueError(f"units ({self.units!r}) must be a multiple of num_heads ({self.num_heads!r})")
