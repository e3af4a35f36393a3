"""The three bots: hierarchical and seq2seq generators, the retrieval dual encoder.

Generative (`build_generator`): the word level (`UtteranceEncoder`: GRU
states of every word, pooled by word attention into one vector per
utterance), the utterance level (a GRU over those vectors, pooled by
utterance attention into the context vector), and a GRU decoder started
from the context vector that attends to the utterance states (utterance
attention) and to the word states (word attention) before each output
token, and either generates a word or copies an attended one
(`CopyGenerator`, a pointer-generator). `seq2seq` is the same network given the question alone.

Retrieval (`build_retrieval`): a `TurnAttentionEncoder` embeds the words
of the context's last utterances (multi-head attention pooling whose keys
know each word's turn, so the latest mention of a slot wins), another one
embeds a response; both are projected to unit vectors and trained with
in-batch negatives. Pooled word embeddings (no convolution or recurrence)
keep the vector of an unseen slot combination the sum of its parts.
`build_pretrained_retrieval` does the same with a keras-hub BERT backbone
shared by both sides; with the backbone frozen, `build_projection_head`
trains its projections (the same layer objects) on the backbone's cached
mean-pooled outputs (`apps.chatbot.frozen`), and `pooled_tower` is what
computes those outputs once per text.
"""

from __future__ import annotations

import keras

from apps.chatbot.layers import CopyGenerator, InBatchSimilarity, UtteranceEncoder
from apps.chatbot.turn_encoder import TurnAttentionEncoder
from shared.layers.attention import AttentionPooling, BahdanauAttention, LuongAttention
from shared.schedules import warmup_cosine

HEAD_NAME = "pretrained_head"


def decoder_attention(config, name):
    if config.attention == "bahdanau":
        return BahdanauAttention(config.attention_units, name=name)
    return LuongAttention("general", name=name)


def context_encoder(config, vocabulary_size, context, name="utterance_encoder"):
    """Hierarchical encoding of (batch, utterances, words) ids."""
    encoder = UtteranceEncoder(vocabulary_size, config.embedding_dim, config.units,
                               config.attention_units, config.dropout, name=name)
    vectors, word_states, word_mask, _, present = encoder(context)
    states = keras.layers.GRU(config.units, return_sequences=True, unroll=True, name="utterance_gru")(
        vectors, mask=present)
    pooled, _ = AttentionPooling(config.attention_units, return_weights=True,
                                 name="utterance_attention")(states, mask=present)
    return pooled, states, present, word_states, word_mask


def build_generator(config, vocabulary_size):
    """Teacher-forced training model: {context, decoder_input} -> next-token logits."""
    context = keras.Input((config.utterances, config.utterance_length), dtype="int32", name="context")
    decoder_input = keras.Input((config.response_length + 1,), dtype="int32", name="decoder_input")
    pooled, states, present, word_states, word_mask = context_encoder(config, vocabulary_size, context)
    initial = keras.layers.Dense(config.units, activation="tanh", name="decoder_init")(pooled)
    embedded = keras.layers.Embedding(vocabulary_size, config.embedding_dim, mask_zero=True,
                                      name="decoder_embedding")(decoder_input)
    embedded = keras.layers.Dropout(config.dropout, name="decoder_dropout")(embedded)
    outputs = keras.layers.GRU(config.units, return_sequences=True, unroll=True, name="decoder_gru")(
        embedded, initial_state=initial)
    parts = [outputs]
    word_context, word_weights = decoder_attention(config, "decoder_word_attention")(
        outputs, word_states, mask=word_mask)
    parts.append(word_context)
    if config.model == "hierarchical":
        utterance_context, _ = decoder_attention(config, "decoder_utterance_attention")(
            outputs, states, mask=present)
        parts.append(utterance_context)
    features = keras.layers.Concatenate(name="decoder_concat")(parts)
    hidden = keras.layers.Dense(config.units, activation="tanh", name="decoder_combine")(features)
    hidden = keras.layers.Dropout(config.dropout, name="output_dropout")(hidden)
    logits = keras.layers.Dense(vocabulary_size, name="logits", dtype="float32")(hidden)
    logits = CopyGenerator(vocabulary_size, name="copy", dtype="float32")(
        logits, word_weights, context, features)
    return keras.Model({"context": context, "decoder_input": decoder_input}, logits,
                       name=f"{config.model}_generator")


def build_retrieval(config, vocabulary_size):
    """Dual encoder: {context, response} -> (batch, batch) similarity logits."""
    context = keras.Input((config.utterances, config.utterance_length), dtype="int32", name="context")
    response = keras.Input((1, config.response_length), dtype="int32", name="response")
    vectors = {}
    for side, tokens in (("context", context), ("response", response)):
        pooled = TurnAttentionEncoder(vocabulary_size, config.embedding_dim, config.heads,
                                      config.attention_units, config.dropout, name=f"{side}_words")(tokens)
        vectors[side] = project(config, pooled, side)
    tokens = keras.layers.Reshape((config.response_length,), name="response_tokens")(response)
    logits = InBatchSimilarity(config.similarity_scale, name="similarity")(
        vectors["context"], vectors["response"], tokens)
    return keras.Model({"context": context, "response": response}, logits, name="dual_encoder")


def project(config, vectors, side, start_from_input=False):
    """One side's projection and unit normalisation.

    `start_from_input` (a pretrained sentence encoder): a square projection
    that starts as the identity, so the untrained dual encoder already ranks
    by the encoder's own cosine similarity, and training moves away from it
    only as far as the data support (a random projection of 384 pretrained
    dimensions into 128 throws that geometry away, and on a few thousand
    exchanges the head then overfits: train in-batch accuracy 0.70,
    validation 0.06 on simple_dialogs).
    """
    if start_from_input:
        layer = keras.layers.Dense(vectors.shape[-1], kernel_initializer="identity", name=f"{side}_projection")
    else:
        layer = keras.layers.Dense(config.projection_dim, name=f"{side}_projection")
    return keras.layers.UnitNormalization(name=f"{side}_embedding")(layer(vectors))


def bert_inputs(side, length):
    return {"token_ids": keras.Input((length,), dtype="int32", name=f"{side}_token_ids"),
            "segment_ids": keras.Input((length,), dtype="int32", name=f"{side}_segment_ids"),
            "padding_mask": keras.Input((length,), dtype="bool", name=f"{side}_padding_mask")}


def build_pretrained_retrieval(config, backbone, context_length, response_length):
    """Dual encoder on one pretrained BERT backbone (mean pooled, two projections)."""
    backbone.trainable = config.fine_tune_encoder
    inputs, vectors = {}, {}
    for side, length in (("context", context_length), ("response", response_length)):
        side_inputs = bert_inputs(side, length)
        sequence = backbone(side_inputs)["sequence_output"]
        pooled = keras.layers.GlobalAveragePooling1D(name=f"{side}_mean")(
            sequence, mask=side_inputs["padding_mask"])
        vectors[side] = project(config, pooled, side, start_from_input=True)
        inputs.update({f"{side}_{k}": v for k, v in side_inputs.items()})
    logits = InBatchSimilarity(config.similarity_scale, name="similarity")(
        vectors["context"], vectors["response"], inputs["response_token_ids"])
    return keras.Model(inputs, logits, name="pretrained_dual_encoder")


def compile_generator(model, learning_rate, decay_steps, warmup_fraction=0.0):
    schedule = warmup_cosine(learning_rate, decay_steps, warmup_fraction, final_fraction=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=5.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(name="token_accuracy")])
    return model


def compile_retrieval(model, learning_rate, decay_steps, warmup_fraction=0.0):
    schedule = warmup_cosine(learning_rate, decay_steps, warmup_fraction, final_fraction=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=5.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="in_batch_accuracy")])
    return model


def pooled_tower(backbone, side):
    """One side's BERT inputs of any length -> the backbone's mean-pooled output (what the cache holds)."""
    inputs = bert_inputs(side, None)
    sequence = backbone(inputs)["sequence_output"]
    pooled = keras.layers.GlobalAveragePooling1D(name=f"{side}_pooled")(sequence, mask=inputs["padding_mask"])
    return keras.Model(inputs, pooled, name=f"{side}_pooled_tower")


def build_projection_head(config, task, feature_dim):
    """The projections of a pretrained dual encoder `task` (its own layers) on pooled backbone outputs.

    Inputs: `context_features`, `response_features` (N, feature_dim) and
    `response_key` (N, 1) int, equal for equal responses (no negative of
    itself); dropout on the features (training only).
    """
    inputs = {"context_features": keras.Input((feature_dim,), name="context_features"),
              "response_features": keras.Input((feature_dim,), name="response_features"),
              "response_key": keras.Input((1,), dtype="int32", name="response_key")}
    vectors = {}
    for side in ("context", "response"):
        features = keras.layers.Dropout(config.dropout, name=f"{side}_feature_dropout")(inputs[f"{side}_features"])
        vectors[side] = task.get_layer(f"{side}_embedding")(task.get_layer(f"{side}_projection")(features))
    logits = InBatchSimilarity(config.similarity_scale, name="similarity")(
        vectors["context"], vectors["response"], inputs["response_key"])
    return keras.Model(inputs, logits, name=HEAD_NAME)


def copy_projections(source, target):
    """The projection weights of `source` (a head or a dual encoder) into `target`'s layers."""
    for side in ("context", "response"):
        name = f"{side}_projection"
        target.get_layer(name).set_weights(source.get_layer(name).get_weights())


def side_encoder(model, side):
    """The context or response tower of a dual encoder, as its own model."""
    inputs = {name: tensor for name, tensor in model.input.items() if name.startswith(side)}
    return keras.Model(inputs, model.get_layer(f"{side}_embedding").output, name=f"{side}_encoder")
