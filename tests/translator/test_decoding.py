"""In-graph greedy and beam decoding on models whose outputs are known."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from apps.translator.config import TranslatorConfig
from apps.translator.decoding import beam_decode, clean_ids, greedy_decode, trim_padding
from apps.translator.model import build_model
from shared.text import END_ID


class CopyModel:
    """Emits source[:, i] at step i, then [END]: greedy must copy the source."""

    vocab = 8

    def encode(self, source):
        return {"source": source}

    def initial_state(self, memory):
        return [tf.zeros([tf.shape(memory["source"])[0], 1])]

    def step(self, tokens, index, state, memory):
        source = memory["source"]
        padded = tf.pad(source, [[0, 0], [0, 64]])
        wanted = padded[:, index]
        wanted = tf.where(wanted == 0, END_ID, wanted)
        return tf.one_hot(wanted, self.vocab) * 10.0, state


class MarkovModel:
    """Next-token probabilities depend on the previous token only.

    [START] -> A 0.6, B 0.4; A -> [END] 0.34, A 0.33, B 0.33; B -> [END] 1.
    Greedy says "A [END]" (p = 0.204); the best sequence is "B [END]" (0.4).
    """

    def encode(self, source):
        return {"source": source}

    def initial_state(self, memory):
        return [tf.zeros([tf.shape(memory["source"])[0], 1])]

    def step(self, tokens, index, state, memory):
        table = np.full((6, 6), 1e-9)
        table[2, 4], table[2, 5] = 0.6, 0.4
        table[4, 3], table[4, 4], table[4, 5] = 0.34, 0.33, 0.33
        table[5, 3] = 1.0
        table[0, 0] = table[3, 0] = table[1, 3] = 1.0
        previous = tokens[:, index]
        return tf.math.log(tf.gather(tf.constant(table, tf.float32), previous)), state


def test_greedy_copies_with_the_copy_model():
    source = tf.constant([[4, 5, 6, 7], [7, 6, 0, 0]])
    out = greedy_decode(CopyModel(), source, max_length=6).numpy()
    assert out.tolist() == [[4, 5, 6, 7, END_ID, 0], [7, 6, END_ID, 0, 0, 0]]
    assert clean_ids(out).numpy().tolist() == [[4, 5, 6, 7, 0, 0], [7, 6, 0, 0, 0, 0]]


def test_greedy_runs_inside_tf_function_with_a_while_loop():
    function = tf.function(lambda s: greedy_decode(CopyModel(), s, 5))
    graph = function.get_concrete_function(tf.TensorSpec([None, None], tf.int32)).graph
    assert any(op.type in ("While", "StatelessWhile") for op in graph.get_operations())
    assert function(tf.constant([[5, 4]])).numpy().tolist() == [[5, 4, END_ID, 0, 0]]


def test_beam_search_finds_the_more_probable_sentence():
    source = tf.constant([[4], [4]])
    greedy = greedy_decode(MarkovModel(), source, 4).numpy()
    assert greedy[0].tolist() == [4, END_ID, 0, 0]
    assert beam_decode(MarkovModel(), source, 4, beam=1, alpha=0.0).numpy().tolist() == greedy.tolist()
    assert beam_decode(MarkovModel(), source, 4, beam=3, alpha=0.0).numpy()[0].tolist() == [5, END_ID, 0, 0]


@pytest.mark.parametrize("model_name,cell", [("attention", "gru"), ("seq2seq", "lstm"), ("transformer", "gru")])
def test_beam_1_equals_greedy_on_real_models(model_name, cell):
    keras.utils.set_random_seed(3)
    config = TranslatorConfig(model=model_name, cell=cell, units=16, embedding_dim=8, feedforward_dim=16, num_heads=2,
                              num_layers=1, max_length=10)
    model = build_model(config, 20, 15)
    source = tf.constant(np.random.default_rng(0).integers(4, 20, size=(6, 7)), tf.int32)
    source = tf.where(tf.range(7)[None, :] < tf.constant([[7], [5], [3], [7], [1], [6]]), source, 0)
    greedy = tf.function(lambda s: greedy_decode(model, s, 11))(source).numpy()
    assert greedy.shape == (6, 11)
    beam_1 = tf.function(lambda s: beam_decode(model, s, 11, beam=1))(source).numpy()
    np.testing.assert_array_equal(beam_1, greedy)
    beams = tf.function(lambda s: beam_decode(model, s, 11, beam=3))(source).numpy()
    assert beams.shape == (6, 11) and beams.min() >= 0 and beams.max() < 15


def test_trim_padding_cuts_to_the_longest_sentence_and_keeps_one_column():
    ids = tf.constant([[4, 5, 0, 0, 0], [6, 0, 0, 0, 0]])
    assert trim_padding(ids).numpy().tolist() == [[4, 5], [6, 0]]
    assert trim_padding(tf.zeros([2, 4], tf.int32)).shape == (2, 1)
    assert trim_padding(tf.zeros([0, 4], tf.int32)).shape == (0, 1)
