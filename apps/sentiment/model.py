"""Text models on token ids: a bag of words, and recurrent networks.

The text layer (shared.text's `TextToIds` with the word tokenizer in
punctuation mode "drop", `WORDS`: punctuation marks are dropped, as
`TextVectorization`'s default standardisation does, and the vocabulary of
the training split, `[PAD]` 0, `[UNK]` 1, `[START]`, `[END]` first) turns raw
strings into ids in the tf.data pipelines and, as the first layer of
`RUN/model.keras`, at prediction and in the exported SavedModel; the network
(`checkpoints/best.keras`) reads the ids. The recurrent layers keep the
conditions of the fast cuDNN kernel on GPUs: default activations, no
recurrent dropout (unless asked), no unrolling, right padding (the ids are
padded at the end and the embedding masks the padding).
"""

from __future__ import annotations

import collections
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from apps.sentiment.layers import BagOfWords, ClassProbabilities
from shared.errors import DataError, UsageError
from shared.layers import AttentionPooling, ClassLabels
from shared.schedules import warmup_cosine
from shared.text import SPECIALS, UNK_ID, TextToIds, Vocabulary, WordTokenizer

MAX_AUTO_LENGTH = 256
MAX_BAG_LENGTH = 2048
TEXT_LAYER = "text_to_ids"
WORDS = WordTokenizer(punctuation="drop")  # "Not bad, at all!" -> not bad at all


def word_count_percentile(texts, percent=95):
    """The `percent`th percentile of the (whitespace) word counts of `texts`."""
    return float(np.percentile([len(str(text).split()) for text in texts], percent))


def token_counts(texts):
    """Tokens of each text for the word models' text layer."""
    strings = tf.constant(np.asarray([str(text) for text in texts], dtype=object), tf.string)
    return WORDS.split(strings).row_lengths().numpy()


def auto_sequence_length(word_count, scale=1.0, limit=MAX_AUTO_LENGTH):
    """Tokens per text for a word-count percentile: `scale` x it, between 8 and `limit`."""
    return int(min(limit, max(8, np.ceil(word_count * scale))))


def sequence_length_for(config, texts, scale=1.0, limit=MAX_AUTO_LENGTH):
    """config.sequence_length, or the 95th percentile of the word counts."""
    if config.sequence_length:
        return int(config.sequence_length)
    return auto_sequence_length(word_count_percentile(texts), scale, limit)


def token_profile(texts):
    """The 95th percentile of the (whitespace) word counts and the largest token count of `texts`."""
    return {"word_count_p95": word_count_percentile(texts), "token_count_max": int(np.max(token_counts(texts)))}


def word_sequence_length(model, profile):
    """(tokens per text, reason) for the word models from `token_profile` of the training texts."""
    if model == "bow":  # a bag counts every token of a text
        longest = profile["token_count_max"]
        return max(1, min(MAX_BAG_LENGTH, longest)), f"the longest training text ({longest} tokens), at most {MAX_BAG_LENGTH}"
    words = profile["word_count_p95"]
    return (auto_sequence_length(words), f"the 95th percentile of the training texts' word counts ({words:g}), "
                                         f"at most {MAX_AUTO_LENGTH}")


def inverse_document_frequencies(id_rows, size):
    """log(1 + texts / (1 + texts holding the id)) per id (TextVectorization's tf-idf);
    [UNK] gets the mean over the words, [PAD] and the other special tokens 0."""
    documents = collections.Counter(i for row in id_rows for i in set(row))
    frequency = np.array([documents.get(i, 0) for i in range(size)], dtype="float64")
    idf = np.log1p(len(id_rows) / (1.0 + frequency))
    idf[:len(SPECIALS)] = 0.0
    idf[UNK_ID] = idf[len(SPECIALS):].mean() if size > len(SPECIALS) else 0.0
    return idf.astype("float32").tolist()


def text_layer(config, texts):
    """(TextToIds on the training texts' vocabulary, the vocabulary, the id rows when a tf-idf bag needs them)."""
    tokens = WORDS.tokenize([str(text) for text in texts])
    vocabulary = Vocabulary.build(tokens, max_size=config.vocabulary_size)
    length = int(config.sequence_length) or word_sequence_length(config.model, token_profile(texts))[0]
    layer = TextToIds("word", vocabulary.tokens, sequence_length=length, punctuation=WORDS.punctuation,
                      name=TEXT_LAYER)
    rows = None
    if config.model == "bow" and config.bow_mode == "tf_idf":
        rows = [[vocabulary.index.get(t, UNK_ID) for t in row[:length]] for row in tokens]
    return layer, vocabulary, rows


def read_word_vectors(path):
    """{word: vector} of a word2vec text file (an optional "<count> <dim>" header, then `word v1 ... vd`).

    A missing file, a line that is not UTF-8, a word without numbers, a number
    that is not one, or a line of another size is one line naming the file and line.
    """
    if not Path(path).is_file():
        raise UsageError(f"--embeddings {path}: no such file")
    vectors, dim = {}, None
    with open(path, "rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                parts = raw.decode("utf-8").rstrip("\r\n").rstrip(" ").split(" ")
            except UnicodeDecodeError as error:
                raise DataError(path, f"not valid UTF-8 text (byte {error.start + 1})", number) from None
            if number == 1 and len(parts) == 2 and all(part.isdigit() for part in parts):
                dim = int(parts[1])
                continue
            if parts == [""]:
                continue
            try:
                values = np.array(parts[1:], dtype="float32")
            except ValueError as error:
                raise DataError(path, f"not a word2vec text line ({error})", number) from None
            dim = dim or len(values)
            if len(values) != dim or dim == 0:
                raise DataError(path, f"{len(values)} numbers, expected {dim or 'some'}", number)
            vectors[parts[0]] = values
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
    """(network on token ids (batch, length) -> probabilities, its TextToIds layer, info dict)."""
    layer, vocabulary, rows = text_layer(config, texts)
    info = {"vocabulary_size": len(vocabulary), "sequence_length": layer.sequence_length}
    inputs = keras.Input((layer.sequence_length,), dtype="int32", name="token_ids")
    if config.model == "bow":
        idf = inverse_document_frequencies(rows, len(vocabulary)) if rows is not None else None
        bag = BagOfWords(len(vocabulary), config.bow_mode, idf, name="bag_of_words")(inputs)
        x = keras.layers.Dense(config.units, activation="relu", name="hidden")(bag)
    else:
        dim = len(next(iter(vectors.values()))) if vectors else config.embedding_dim
        embedding = keras.layers.Embedding(len(vocabulary), dim, mask_zero=True,
                                           trainable=not (vectors and config.freeze_embeddings), name="embedding")
        x = embedding(inputs)
        if vectors:
            matrix, info["pretrained_words"] = embedding_matrix(vocabulary.tokens, vectors, config.seed)
            embedding.set_weights([matrix])
        if config.embedding_dropout:  # whole word vectors: (batch, time, 1) noise
            x = keras.layers.Dropout(config.embedding_dropout, noise_shape=(None, None, 1), seed=config.seed,
                                     name="embedding_dropout")(x)
        for index in range(config.layers):
            last = index == config.layers - 1
            x = recurrent_layer(config, return_sequences=not last or config.attention, name=f"recurrent_{index + 1}")(x)
        if config.attention:
            x, _ = AttentionPooling(config.units, return_weights=True, name="attention")(x)
    x = keras.layers.Dropout(config.dropout, name="dropout")(x)
    network = keras.Model(inputs, output_layer(num_classes)(x), name=f"sentiment_{config.model}")
    return network, layer, info


def word_inference_model(network, layer, class_names):
    """Raw strings (N,) -> label, class_id, probability, probabilities (and attention (N, length))."""
    text = keras.Input((), dtype="string", name="text")
    ids = layer(text)
    explainer = attention_model(network)
    attention = None
    if explainer is None:
        outputs = network(ids)
    else:
        outputs, attention = explainer(ids)
    decoded = ClassLabels(class_names, name="class_labels")(ClassProbabilities(name="class_probabilities")(outputs))
    if attention is not None:
        decoded = {**decoded, "attention": attention}
    return keras.Model(text, decoded, name="sentiment_classifier")


def word_optimizer(config, peak_rate, total_steps):
    """Adam, or AdamW with `config.weight_decay`; the rate constant or warmup_cosine over `total_steps`."""
    rate = warmup_cosine(peak_rate, total_steps) if config.schedule == "warmup_cosine" else peak_rate
    if config.weight_decay:
        return keras.optimizers.AdamW(rate, weight_decay=config.weight_decay)
    return keras.optimizers.Adam(rate)


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
