"""Translator data: the English->French numbers default, real sentence pairs.

`load_data(config)` returns a `PairData`: deterministic train, validation
and test splits of (source, target) sentences, their tokens, the two
vocabularies (built on the training split only) and the id arrays the
models train on. Every line of a real file has been checked first.

`--max-length` caps pairs in words (the word tokenizer's tokens) with every
tokenizer, so all tokenizers see the same splits. A subword tokenizer
(`--tokenizer wordpiece|sentencepiece`) is trained on the training split
only; its sequences are capped at the longest training sequence in
subword tokens (`PairData.max_length`). The tokenizers and vocabularies are
shared.text's; the id arrays come from its `TextToIds` layers, the ones
model.keras carries, mapped over the string batches in `tf.data`.

The default: `num_examples` distinct numbers from 0 to 999,999 written in
English and in French by `num2words` ("three hundred and forty-two" ->
"trois cent quarante-deux"). The number of digits is drawn uniformly, so
short and long numbers both occur; every number is in one split only, so
the test numbers are never seen in training.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf
from num2words import num2words

from apps.translator import formats
from shared.data import BadInputs
from shared.errors import DataError
from shared.text import TextToIds, Vocabulary, WordTokenizer, train_tokenizer

log = logging.getLogger("annsuite")


@dataclass
class PairData:
    """Sentence pairs split three ways, tokenised and encoded."""

    pairs: dict                      # split -> list of (source, target) strings
    tokens: dict                     # split -> (source token lists, target token lists)
    source_vocab: Vocabulary
    target_vocab: Vocabulary
    source: str
    skipped: int = 0
    dropped_long: int = 0
    lengths: dict = field(default_factory=dict)  # "source", "target": padded lengths
    max_length: int = 0              # the models' sequence cap in tokens
    tokenizers: tuple = (WordTokenizer(), WordTokenizer())  # source, target
    report: dict = field(default_factory=dict)  # the test pass's extras of metrics.json (the app sets it)

    def sentences(self, split):
        """(source strings, target strings) of one split, as numpy object arrays."""
        chosen = self.pairs[split]
        return tuple(np.array([pair[side] for pair in chosen], dtype=object) for side in (0, 1))

    def text_layers(self):
        """TextToIds of the source, the target input ([START] first) and output ([END] last),
        at the padded training lengths (new layers: seeding frees a SentencePiece model's)."""
        source, target = self.tokenizers
        target_ids = dict(sequence_length=self.lengths["target"])
        return (TextToIds.from_tokenizer(source, self.source_vocab, sequence_length=self.lengths["source"]),
                TextToIds.from_tokenizer(target, self.target_vocab, add_start=True, **target_ids),
                TextToIds.from_tokenizer(target, self.target_vocab, add_end=True, **target_ids))

    def arrays(self, split):
        """(source ids, target_in ids, target_out ids) of one split, numpy int32."""
        to_source, to_target_in, to_target_out = self.text_layers()
        sources, targets = self.sentences(split)
        return (to_source(sources).numpy(), to_target_in(targets).numpy(), to_target_out(targets).numpy())


@functools.lru_cache(maxsize=4)  # the profile (scan) and load_data both read them
def number_pairs(count, seed):
    """`count` distinct (English, French, number) of 0..999,999 (a tuple: shared, never changed)."""
    rng = np.random.default_rng(seed)
    count = min(count, 1_000_000)
    chosen, seen = [], set()
    while len(chosen) < count:
        digits = rng.integers(1, 7, size=4 * count)
        low = np.where(digits == 1, 0, 10 ** (digits - 1))
        for number in rng.integers(low, 10 ** digits):
            if number not in seen:
                seen.add(int(number))
                chosen.append(int(number))
                if len(chosen) == count:
                    break
    return tuple((num2words(n), num2words(n, lang="fr"), str(n)) for n in chosen)


def read_raw(config):
    """(pairs of (source, target, where), source name, skipped count)."""
    if config.data in (None, "", "numbers"):
        return number_pairs(config.num_examples, config.seed), "numbers", 0
    bad = BadInputs(config.skip_bad)
    pairs, kind = formats.read_pairs(config.data, bad, config.source_column, config.target_column)
    bad.summary()
    if not pairs:
        raise DataError(config.data, "no sentence pairs")
    return pairs, kind, bad.count


def split_pairs(count, config):
    """Deterministic (train, validation, test) index arrays."""
    order = np.random.default_rng(config.seed).permutation(count)
    n_test = max(1, int(round(count * config.test_fraction)))
    n_val = max(1, int(round(count * config.validation_fraction)))
    if count - n_test - n_val < 1:
        raise DataError(config.data, f"only {count} usable pairs: too few to split")
    test, val, train = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    if config.max_train_samples:
        train = train[:config.max_train_samples]
    return {"train": np.sort(train), "validation": np.sort(val), "test": np.sort(test)}


def build_vocabularies(config, sources, targets):
    return tuple(Vocabulary.build(side, config.min_count, config.max_vocab)
                 for side in (sources, targets))


def word_pairs(config):
    """(raw pairs kept under --max-length words, split indices, kind, skipped, dropped)."""
    raw, kind, skipped = read_raw(config)
    if config.reverse:
        raw = [(target, source, where) for source, target, where in raw]
    words = WordTokenizer()
    source_tokens = words.tokenize([pair[0] for pair in raw])
    target_tokens = words.tokenize([pair[1] for pair in raw])
    keep = [i for i in range(len(raw))
            if len(source_tokens[i]) <= config.max_length and len(target_tokens[i]) <= config.max_length]
    dropped = len(raw) - len(keep)
    if dropped:
        log.info("%d pair(s) longer than --max-length %d words dropped", dropped, config.max_length)
    kept = [(raw[i][0], raw[i][1], source_tokens[i], target_tokens[i]) for i in keep]
    return kept, split_pairs(len(kept), config), kind, skipped, dropped


def subword_tokens(config, pairs, tokenizers=None):
    """Tokenizers (trained on the training split unless given) and every split's tokens."""
    if tokenizers is None:
        sources, targets = zip(*pairs["train"])
        tokenizers = tuple(train_tokenizer(config.tokenizer, side, config.vocab_size)
                           for side in (sources, targets))
    tokens = {split: tuple(tokenizer.tokenize([pair[side] for pair in chosen])
                           for side, tokenizer in enumerate(tokenizers))
              for split, chosen in pairs.items()}
    return tokenizers, tokens


def load_data(config, tokenizers=None, vocabularies=None):
    """Read, check, cap, split, tokenise and index the pairs of the config.

    `tokenizers`, `vocabularies`: a trained run's (source, target) subword
    tokenizers and vocabularies (those its model.keras carries) to use
    instead of learning new ones.
    """
    kept, indices, kind, skipped, dropped = word_pairs(config)
    pairs = {split: [kept[i][:2] for i in chosen] for split, chosen in indices.items()}
    if config.tokenizer == "word":
        tokenizers = (WordTokenizer(), WordTokenizer())
        tokens = {split: ([kept[i][2] for i in chosen], [kept[i][3] for i in chosen])
                  for split, chosen in indices.items()}
        cap = config.max_length
        longest = {"source": max(1, *(len(t) for split in tokens.values() for t in split[0])),
                   "target": max(len(t) for split in tokens.values() for t in split[1]) + 1}
    else:
        tokenizers, tokens = subword_tokens(config, pairs, tokenizers)
        cap = max(1, *(len(t) for side in tokens["train"] for t in side))
        longest = {"source": cap, "target": cap + 1}
    source_vocab, target_vocab = vocabularies or build_vocabularies(config, *tokens["train"])
    data = PairData(pairs, tokens, source_vocab, target_vocab, kind, skipped, dropped, longest, cap, tokenizers)
    log.info("%s pairs: %d train, %d validation, %d test; %s vocabularies %d / %d tokens", kind,
             len(pairs["train"]), len(pairs["validation"]), len(pairs["test"]), config.tokenizer,
             len(source_vocab), len(target_vocab))
    return data


def make_pipeline(data, split, batch_size, shuffle=False, seed=0):
    """tf.data of ((source, target_in), target_out) id batches: the strings, batched,
    then through the TextToIds layers."""
    to_source, to_target_in, to_target_out = data.text_layers()
    sources, targets = data.sentences(split)
    dataset = tf.data.Dataset.from_tensor_slices((sources, targets))
    if shuffle:
        dataset = dataset.shuffle(len(sources), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size).map(
        lambda source, target: ((to_source(source), to_target_in(target)), to_target_out(target)),
        num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)
