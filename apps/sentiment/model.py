"""Text models on raw strings: a bag of words, and recurrent networks.

`TextVectorization` is the model's first layer, so the saved model, and the
exported SavedModel, take raw strings. The recurrent layers keep the
conditions of the fast cuDNN kernel on GPUs: default activations, no
recurrent dropout (unless asked), no unrolling, right padding (the
vectorizer pads at the end and the embedding masks the padding).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from shared.errors import DataError
from shared.layers.attention import AttentionPooling

MAX_AUTO_LENGTH = 256


def word_count_percentile(texts, percent=95):
    """The `percent`th percentile of the word counts of `texts`."""
    return float(np.percentile([len(str(text).split()) for text in texts], percent))


def auto_sequence_length(word_count, scale=1.0, limit=MAX_AUTO_LENGTH):
    """Tokens per text for a word-count percentile: `scale` x it, between 8 and `limit`."""
    return int(min(limit, max(8, np.ceil(word_count * scale))))


def sequence_length_for(config, texts, scale=1.0, limit=MAX_AUTO_LENGTH):
    """config.sequence_length, or the 95th percentile of the word counts."""
    if config.sequence_length:
        return int(config.sequence_length)
    return auto_sequence_length(word_count_percentile(texts), scale, limit)


def build_vectorizer(config, texts):
    """A `TextVectorization` adapted on the training texts."""
    bow = config.model == "bow"
    vectorizer = keras.layers.TextVectorization(
        max_tokens=config.vocabulary_size, output_mode=config.bow_mode if bow else "int",
        output_sequence_length=None if bow else sequence_length_for(config, texts), name="vectorizer")
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(np.asarray(texts, dtype=str)).batch(1024))
    return vectorizer


def read_word_vectors(path):
    """{word: vector} of a word2vec text file ("<count> <dim>" header, then `word v1 ... vd`)."""
    vectors, dim = {}, None
    with open(path, encoding="utf-8", errors="strict") as lines:
        try:
            for number, line in enumerate(lines, start=1):
                parts = line.rstrip("\n").split(" ")
                if number == 1 and len(parts) == 2:
                    dim = int(parts[1])
                    continue
                values = np.array(parts[1:], dtype="float32")
                if dim is None:
                    dim = len(values)
                if len(values) != dim:
                    raise DataError(path, f"{len(values)} numbers, expected {dim}", number)
                vectors[parts[0]] = values
        except UnicodeDecodeError:
            raise DataError(path, "not valid UTF-8 text", number + 1) from None
        except ValueError as error:
            raise DataError(path, f"not a word2vec text line ({error})", number) from None
    if not vectors:
        raise DataError(path, "no word vectors")
    return vectors


def embedding_matrix(vocabulary, vectors, seed):
    """Rows of the known words from `vectors`, small random rows for the others."""
    dim = len(next(iter(vectors.values())))
    matrix = np.random.default_rng(seed).normal(0.0, 0.05, (len(vocabulary), dim)).astype("float32")
    matrix[0] = 0.0  # padding
    found = 0
    for index, word in enumerate(vocabulary):
        if word in vectors:
            matrix[index] = vectors[word]
            found += 1
    return matrix, found


def recurrent_layer(config, return_sequences, name):
    """One LSTM/GRU layer (bidirectional for bilstm) that keeps the cuDNN kernel."""
    cell = keras.layers.GRU if config.model == "gru" else keras.layers.LSTM
    layer = cell(config.units, return_sequences=return_sequences,
                 recurrent_dropout=config.recurrent_dropout, name=name)
    if config.model == "bilstm":
        return keras.layers.Bidirectional(layer, name=f"bi_{name}")
    return layer


def output_layer(num_classes):
    if num_classes == 2:
        return keras.layers.Dense(1, activation="sigmoid", name="probability")
    return keras.layers.Dense(num_classes, activation="softmax", name="probabilities")


def build_text_model(config, texts, num_classes, vectors=None):
    """Strings (batch, 1) -> probabilities; returns (model, info dict)."""
    vectorizer = build_vectorizer(config, texts)
    inputs = keras.Input((1,), dtype="string", name="text")
    info = {"vocabulary_size": int(vectorizer.vocabulary_size())}
    if config.model == "bow":
        x = keras.layers.Dense(config.units, activation="relu", name="hidden")(vectorizer(inputs))
    else:
        info["sequence_length"] = int(vectorizer.get_config()["output_sequence_length"])
        dim = len(next(iter(vectors.values()))) if vectors else config.embedding_dim
        embedding = keras.layers.Embedding(info["vocabulary_size"], dim, mask_zero=True,
                                           trainable=not (vectors and config.freeze_embeddings), name="embedding")
        x = embedding(vectorizer(inputs))
        if vectors:
            matrix, info["pretrained_words"] = embedding_matrix(vectorizer.get_vocabulary(), vectors, config.seed)
            embedding.set_weights([matrix])
        for index in range(config.layers):
            last = index == config.layers - 1
            x = recurrent_layer(config, return_sequences=not last or config.attention, name=f"recurrent_{index + 1}")(x)
        if config.attention:
            x, _ = AttentionPooling(config.units, return_weights=True, name="attention")(x)
    x = keras.layers.Dropout(config.dropout, name="dropout")(x)
    return keras.Model(inputs, output_layer(num_classes)(x), name=f"sentiment_{config.model}"), info


def compile_model(model, num_classes, optimizer):
    binary = num_classes == 2
    metrics = ["accuracy", keras.metrics.AUC(name="auc")] if binary else ["accuracy"]
    model.compile(optimizer=optimizer, metrics=metrics,
                  loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy")


def class_probabilities(outputs):
    """(N, classes) probabilities from a sigmoid (N, 1) or softmax output."""
    outputs = np.asarray(outputs, dtype="float32")
    if outputs.shape[-1] == 1:
        return np.concatenate([1.0 - outputs, outputs], axis=-1)
    return outputs


def attention_model(model):
    """(probabilities, per-token attention weights) of a model built with attention."""
    try:
        layer = model.get_layer("attention")
    except ValueError:
        return None
    return keras.Model(model.inputs, [model.outputs[0], layer.output[1]])
