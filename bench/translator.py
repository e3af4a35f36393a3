"""Translator benchmark: our `train` and in-graph decoding against plain Keras.

Both sides train the same network (`attention`: bidirectional GRU encoder,
GRU decoder, Luong attention, the same sizes) on the same split of the
default numbers for the same number of epochs, in this process, one after
the other. The plain side is what a tutorial does: numpy arrays into
`fit` (no callbacks), then decoding with a Python loop that calls
`predict` on the whole prefix once per output token (greedy: arg-max;
beam: the k best prefixes per sentence kept in numpy). Ours runs `train`
with all its callbacks (per-epoch BLEU, TensorBoard text and images,
checkpoints) and decodes with the in-graph `tf.while_loop`.

Reported: training examples/second of both and their ratio, decoding
sentences/second (greedy and beam 4) of both and their ratios, and test
BLEU / exact match of both.

With `--data PATH` (real pairs, e.g. ../shared/data/anki_fra_eng_attrib):
the default command (`train --data PATH`, nothing else) against the keras-io
Transformer translation example (English-Spanish, "English-to-Spanish
translation with a sequence-to-sequence Transformer", written again
below, not copied): its model (embedding 256, 2,048
feed-forward units, 8 heads, one encoder and one decoder block, dropout
0.5), RMSprop, batches of 64, sequences of 20 tokens, greedy decoding with
a Python loop -- on the same split (our train/validation/test), with the
pairs pre-tokenised by our word tokenizer so both sides score the same
lower-cased, punctuation-split text, and trained for as many whole epochs
as fit in the wall-clock time of our whole run (its decoding not counted).
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from apps.translator import main
from apps.translator.app import APP
from apps.translator.config import TranslatorConfig
from apps.translator.data import load_data
from apps.translator.evaluation import corpus_scores, normalise_references
from apps.translator.model import build_model, compile_model
from shared.records import read_json
from shared.text import END_ID, PAD_ID, START_ID, WordTokenizer

DECODE_SENTENCES = 500
BEAM = 4
KERAS_IO = {"embed_dim": 256, "latent_dim": 2048, "num_heads": 8, "sequence_length": 20, "batch_size": 64,
            "vocab_size": 15000}


def plain_greedy(model, source, length):
    """Tutorial decoding: one `predict` per token on the whole prefix."""
    prefix = np.full((len(source), 1), START_ID, dtype="int32")
    for _ in range(length):
        logits = model.predict((source, prefix), verbose=0, batch_size=len(source))
        prefix = np.concatenate([prefix, logits[:, -1].argmax(-1)[:, None].astype("int32")], axis=1)
        if np.all((prefix == END_ID).any(axis=1)):
            break
    return prefix[:, 1:]


def plain_beam(model, source, length, beam=BEAM, alpha=0.6):
    """Tutorial beam search: numpy bookkeeping, one `predict` per step."""
    count = len(source)
    tiled = np.repeat(source, beam, axis=0)
    prefix = np.full((count * beam, 1), START_ID, dtype="int32")
    scores = np.tile([0.0] + [-1e9] * (beam - 1), count)
    done = np.zeros(count * beam, bool)
    for _ in range(length):
        logits = model.predict((tiled, prefix), verbose=0, batch_size=len(tiled))[:, -1]
        log_probs = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
            - logits.max(-1, keepdims=True)
        log_probs[done] = -1e9
        log_probs[done, PAD_ID] = 0.0
        total = (scores[:, None] + log_probs).reshape(count, -1)
        best = np.argsort(-total, axis=1)[:, :beam]
        parents = (best // log_probs.shape[1] + np.arange(count)[:, None] * beam).ravel()
        chosen = (best % log_probs.shape[1]).ravel()
        scores, done = total[np.arange(count)[:, None], best].ravel(), done[parents] | (chosen == END_ID)
        prefix = np.concatenate([prefix[parents], chosen[:, None].astype("int32")], axis=1)
        if done.all():
            break
    lengths = np.argmax(np.concatenate([prefix[:, 1:] == END_ID, np.ones((len(prefix), 1), bool)], 1), 1) + 1
    normalised = (scores / ((5.0 + lengths) / 6.0) ** alpha).reshape(count, beam)
    return prefix.reshape(count, beam, -1)[np.arange(count), normalised.argmax(1), 1:]


def timed(function, *args):
    started = time.time()
    result = function(*args)
    return result, time.time() - started


def plain_keras(config, data):
    keras.utils.set_random_seed(config.seed)
    config = dataclasses.replace(config, model=config.model or "attention")
    model = build_model(config, len(data.source_vocab), len(data.target_vocab))
    compile_model(model, config.learning_rate)
    source, target_in, target_out = data.arrays("train")
    val = data.arrays("validation")
    _, seconds = timed(lambda: model.fit((source, target_in), target_out, batch_size=config.batch_size,
                                         epochs=config.epochs, validation_data=((val[0], val[1]), val[2]),
                                         verbose=0))
    test_source = data.arrays("test")[0][:DECODE_SENTENCES]
    references = normalise_references([pair[1] for pair in data.pairs["test"][:DECODE_SENTENCES]])
    result = {"seconds": round(seconds, 2),
              "examples_per_second": round(len(source) * config.epochs / seconds, 1)}
    for name, decoder in (("greedy", plain_greedy), (f"beam{BEAM}", plain_beam)):
        ids, seconds = timed(decoder, model, test_source, data.lengths["target"])
        hypotheses = WordTokenizer().detokenize(data.target_vocab.decode(ids))
        result[name] = {**corpus_scores(hypotheses, references),
                        "sentences_per_second": round(len(test_source) / seconds, 1)}
    return result


def ours(run_dir, extra=(), patience="0"):
    started = time.time()
    metrics = main(["train", "--run-dir", str(run_dir), *(["--patience", patience] if patience else []), *extra])
    seconds = time.time() - started
    result = {"seconds": round(seconds, 2), "run_dir": str(run_dir), "test": metrics["test"],
              "examples_per_second": round(metrics["train_examples"] * metrics["epochs"] / seconds, 1)}
    return result, metrics


def our_decoding(run_dir, data):
    translator = APP.translator(APP.load(run_dir))
    sources = [pair[0] for pair in data.pairs["test"][:DECODE_SENTENCES]]
    references = normalise_references([pair[1] for pair in data.pairs["test"][:DECODE_SENTENCES]])
    result = {}
    for name, beam in (("greedy", 1), (f"beam{BEAM}", BEAM)):
        translator.translate(sources[:8], beam)  # trace the graph once, outside the timing
        hypotheses, seconds = timed(translator.translate, sources, beam)
        result[name] = {**corpus_scores(hypotheses, references),
                        "sentences_per_second": round(len(sources) / seconds, 1)}
    return result


def run_numbers(args):
    root = Path(tempfile.mkdtemp(prefix="bench-translator-"))
    config = TranslatorConfig()
    data = load_data(config)
    mine, _ = ours(root / "ours")
    mine.update(our_decoding(root / "ours", data))
    plain = plain_keras(config, data)
    result = {"data": "numbers (default)", "epochs": config.epochs, "ours": mine, "plain_keras": plain,
              "training_throughput_ratio": round(mine["examples_per_second"] / plain["examples_per_second"], 3)}
    for name in ("greedy", f"beam{BEAM}"):
        result[f"{name}_decoding_speed_ratio"] = round(
            mine[name]["sentences_per_second"] / plain[name]["sentences_per_second"], 2)
    return result


def run(args):
    """Real pairs (--data): ours (the default command) vs the keras-io script at the same budget;
    without --data: the numbers benchmark."""
    if not args.data:
        return run_numbers(args)
    root = Path(tempfile.mkdtemp(prefix="bench-translator-"))
    mine, metrics = ours(root / "ours", ["--data", args.data], patience=None)
    config = TranslatorConfig(**{k: v for k, v in read_json(root / "ours" / "config.json")["config"].items()
                                 if k in TranslatorConfig.__dataclass_fields__})
    data = load_data(config)  # the same split as ours
    reference = keras_io_reference(data, mine["seconds"], config.seed)
    return {"data": args.data, "budget_seconds": mine["seconds"], "ours": {**mine, "epochs": metrics["epochs"]},
            "keras_io": reference, "resolved": read_json(root / "ours" / "config.json")["resolved"]}


# ---- the keras-io example, written again (its structure and sizes, our data and split) ----
class PositionalEmbedding(keras.layers.Layer):
    def __init__(self, length, vocab_size, dim, **kwargs):
        super().__init__(**kwargs)
        self.tokens = keras.layers.Embedding(vocab_size, dim)
        self.positions = keras.layers.Embedding(length, dim)

    def call(self, ids):
        return self.tokens(ids) + self.positions(keras.ops.arange(keras.ops.shape(ids)[-1]))

    def compute_mask(self, ids, mask=None):
        return keras.ops.not_equal(ids, 0)


class EncoderBlock(keras.layers.Layer):
    def __init__(self, dim, latent, heads, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.attention = keras.layers.MultiHeadAttention(heads, dim)
        self.projection = keras.Sequential([keras.layers.Dense(latent, activation="relu"), keras.layers.Dense(dim)])
        self.norm1, self.norm2 = keras.layers.LayerNormalization(), keras.layers.LayerNormalization()

    def call(self, x, mask=None):
        padding = None if mask is None else keras.ops.cast(mask[:, None, :], "int32")
        x = self.norm1(x + self.attention(x, x, attention_mask=padding))
        return self.norm2(x + self.projection(x))


class DecoderBlock(keras.layers.Layer):
    def __init__(self, dim, latent, heads, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.self_attention = keras.layers.MultiHeadAttention(heads, dim)
        self.cross_attention = keras.layers.MultiHeadAttention(heads, dim)
        self.projection = keras.Sequential([keras.layers.Dense(latent, activation="relu"), keras.layers.Dense(dim)])
        self.norms = [keras.layers.LayerNormalization() for _ in range(3)]

    def call(self, x, memory, memory_mask=None, mask=None):
        x = self.norms[0](x + self.self_attention(x, x, use_causal_mask=True))
        cross = None if memory_mask is None else keras.ops.cast(memory_mask[:, None, :], "int32")
        x = self.norms[1](x + self.cross_attention(x, memory, attention_mask=cross))
        return self.norms[2](x + self.projection(x))


def keras_io_model(source_vocab, target_vocab, sizes=KERAS_IO):
    dim, latent, heads, length = sizes["embed_dim"], sizes["latent_dim"], sizes["num_heads"], sizes["sequence_length"]
    source = keras.Input((None,), dtype="int32", name="encoder_inputs")
    target = keras.Input((None,), dtype="int32", name="decoder_inputs")
    source_embedded = PositionalEmbedding(length, source_vocab, dim)(source)
    memory = EncoderBlock(dim, latent, heads)(source_embedded)
    x = DecoderBlock(dim, latent, heads)(PositionalEmbedding(length, target_vocab, dim)(target), memory,
                                         memory_mask=keras.ops.not_equal(source, 0))
    outputs = keras.layers.Dense(target_vocab, activation="softmax")(keras.layers.Dropout(0.5)(x))
    model = keras.Model([source, target], outputs)
    model.compile("rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def reference_ids(pairs, vocabularies=None, length=KERAS_IO["sequence_length"]):
    """Our word tokens -> whitespace text -> TextVectorization ids (the example's "[start]"/"[end]")."""
    sources = [" ".join(tokens) for tokens in WordTokenizer().tokenize([p[0] for p in pairs])]
    targets = ["[start] " + " ".join(tokens) + " [end]" for tokens in WordTokenizer().tokenize([p[1] for p in pairs])]
    if vocabularies is None:
        vocabularies = []
        for texts in (sources, targets):
            layer = keras.layers.TextVectorization(KERAS_IO["vocab_size"], standardize=None, split="whitespace")
            layer.adapt(texts)
            vocabularies.append(layer.get_vocabulary())
    source_layer, target_layer = (keras.layers.TextVectorization(
        standardize=None, split="whitespace", vocabulary=vocabulary, output_sequence_length=size)
        for vocabulary, size in zip(vocabularies, (length, length + 1)))
    return np.asarray(source_layer(sources)), np.asarray(target_layer(targets)), vocabularies


class WallClock(keras.callbacks.Callback):
    """Stop at the end of the epoch after which another would pass `seconds`."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds, self.started, self.epochs = seconds, time.time(), 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs = epoch + 1
        elapsed = time.time() - self.started
        if elapsed * (self.epochs + 1) / self.epochs > self.seconds:
            self.model.stop_training = True


def keras_io_reference(data, seconds, seed):
    """Train the example on our training split for `seconds`; greedy BLEU on our test split."""
    keras.utils.set_random_seed(seed)
    source, target, vocabularies = reference_ids(data.pairs["train"])
    model = keras_io_model(len(vocabularies[0]), len(vocabularies[1]))
    clock = WallClock(seconds)
    model.fit((source, target[:, :-1]), target[:, 1:], batch_size=KERAS_IO["batch_size"], epochs=1000,
              callbacks=[clock], verbose=0)
    trained = time.time() - clock.started
    test_source, _, _ = reference_ids(data.pairs["test"], vocabularies)
    words = vocabularies[1]
    prefix = np.full((len(test_source), 1), words.index("[start]"), dtype="int64")
    for _ in range(KERAS_IO["sequence_length"]):  # the example's loop: predict the whole prefix per token
        probabilities = model.predict((test_source, prefix), verbose=0, batch_size=256)
        prefix = np.concatenate([prefix, probabilities[:, -1].argmax(-1)[:, None]], axis=1)
    end = words.index("[end]")
    tokens = [[words[i] for i in row[1:]][:list(row[1:]).index(end) if end in row[1:] else None] for row in prefix]
    hypotheses = WordTokenizer().detokenize([[t for t in row if t] for row in tokens])
    references = normalise_references([pair[1] for pair in data.pairs["test"]])
    return {**corpus_scores(hypotheses, references), "epochs": clock.epochs, "train_seconds": round(trained, 1),
            "samples": [{"translation": h, "reference": r} for h, r in zip(hypotheses[:5], references[:5])]}
