"""The NTM cell: config round trip, save/load, and one addressing step checked against NumPy."""

import keras
import numpy as np
import pytest

import apps  # noqa: F401 - registers every layer model.keras files hold
from apps.memory.layers import EPSILON, NTMCell, NTMReadout, Threshold, address, circular_shift
from tests.layer_test_case import check_config, run_layer_test

CELL = {"units": 6, "memory_size": 5, "memory_width": 4, "read_heads": 2, "write_heads": 1, "shift_range": 1,
        "controller": "lstm"}


def ntm_model(**kwargs):
    inputs = keras.Input((None, 3))
    cell = NTMCell(**kwargs)
    return keras.Model(inputs, keras.layers.RNN(cell, return_sequences=True)(inputs))


@pytest.mark.parametrize("controller", ["lstm", "dense"])
def test_the_cell_config_round_trips_with_every_argument(controller):
    check_config(NTMCell, {**CELL, "controller": controller})


def test_a_model_with_the_cell_saves_and_reloads_to_equal_outputs(tmp_path):
    model = ntm_model(**CELL)
    inputs = np.random.default_rng(0).uniform(size=(2, 7, 3)).astype("float32")
    model.save(tmp_path / "ntm.keras")
    reloaded = keras.saving.load_model(tmp_path / "ntm.keras", safe_mode=True)
    np.testing.assert_allclose(model.predict(inputs, verbose=0), reloaded.predict(inputs, verbose=0), atol=1e-6)
    assert len(reloaded.weights) == len(model.weights)
    cell = reloaded.layers[-1].cell
    assert (cell.memory_size, cell.read_heads, cell.controller) == (5, 2, "lstm")


def test_weightings_are_distributions_and_the_output_has_its_documented_size():
    model = ntm_model(**CELL)
    outputs = model.predict(np.ones((2, 4, 3), "float32"), verbose=0)
    cell = model.layers[-1].cell
    assert outputs.shape == (2, 4, cell.output_size) == (2, 4, 6 + 2 * 4 + 3 * 5)
    parts = NTMReadout(6, 5, 4, 2, 1)(outputs)
    np.testing.assert_allclose(np.asarray(parts["read_weights"]).sum(axis=-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.asarray(parts["write_weights"]).sum(axis=-1), 1.0, atol=1e-5)


def test_one_fit_step_trains_the_controller_and_the_initial_reads():
    model = ntm_model(**{**CELL, "controller": "dense"})
    cell = model.layers[-1].cell
    before = [np.array(w.numpy()) for w in cell.trainable_weights]
    model.compile(keras.optimizers.SGD(0.5), "mse")
    model.fit(np.ones((2, 3, 3), "float32"), np.ones((2, 3, cell.output_size), "float32"), verbose=0)
    moved = [not np.allclose(b, w.numpy()) for b, w in zip(before, cell.trainable_weights)]
    assert all(moved), [w.path for w, m in zip(cell.trainable_weights, moved) if not m]


def numpy_address(memory, previous, key, beta, gate, shift, gamma):
    """Graves et al. 2014, eqs. 5-9, written out for one head of one sequence."""
    similarity = memory @ key / (np.linalg.norm(memory, axis=1) * np.linalg.norm(key) + EPSILON)
    content = np.exp(beta * similarity) / np.exp(beta * similarity).sum()
    gated = gate * content + (1 - gate) * previous
    n, radius = len(memory), (len(shift) - 1) // 2  # shift[k + radius] moves weight k slots forward
    shifted = np.array([sum(gated[(i - k) % n] * shift[k + radius] for k in range(-radius, radius + 1))
                        for i in range(n)])
    sharpened = (shifted + EPSILON) ** gamma
    return sharpened / sharpened.sum()


def test_an_addressing_step_on_a_three_slot_memory_equals_the_paper_by_hand():
    memory = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.0], [0.3, 0.3, 0.3]], "float32")
    previous = np.array([0.1, 0.7, 0.2], "float32")
    key = np.array([0.9, 0.1, 0.4], "float32")
    beta, gate, gamma = 3.0, 0.6, 1.7
    shift = np.array([0.2, 0.5, 0.3], "float32")  # shifts -1, 0, +1
    got = address(memory[None], previous[None], key[None], np.float32([[beta]]), np.float32([[gate]]),
                  shift[None], np.float32([[gamma]]))
    expected = numpy_address(memory, previous, key, beta, gate, shift, gamma)
    np.testing.assert_allclose(np.asarray(got)[0], expected, rtol=1e-5, atol=1e-6)
    # the shift by hand: weight at slot 0 moves to slot 1 with s(+1)
    rolled = np.asarray(circular_shift(np.float32([[1.0, 0.0, 0.0]]), np.float32([[0.0, 0.0, 1.0]])))
    np.testing.assert_allclose(rolled, [[0.0, 1.0, 0.0]])


def test_a_cell_step_reads_before_it_erases_and_adds():
    cell = NTMCell(units=4, memory_size=3, memory_width=2, controller="dense")
    cell.build((None, 1))
    states = cell.get_initial_state(1)
    memory = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], "float32").reshape(1, -1)
    _, new_states = cell(np.zeros((1, 1), "float32"), [memory, states[1], states[2]])
    output = np.asarray(cell(np.zeros((1, 1), "float32"), [memory, states[1], states[2]])[0])
    read_weights = output[0, 4 + 2:4 + 2 + 3]
    np.testing.assert_allclose(output[0, 4:6], read_weights @ memory.reshape(3, 2), rtol=1e-5)
    assert not np.allclose(np.asarray(new_states[0]), memory)  # the write head changed the memory


def test_bad_cell_arguments_are_refused_with_their_value():
    with pytest.raises(ValueError, match="controller"):
        NTMCell(controller="gru")
    with pytest.raises(ValueError, match="shift_range"):
        NTMCell(memory_size=4, shift_range=2)
    with pytest.raises(ValueError, match="memory_size"):
        NTMCell(memory_size=0)


def test_readout_and_threshold_pass_the_layer_harness():
    run_layer_test(NTMReadout, {"units": 3, "memory_size": 4, "memory_width": 2, "read_heads": 1, "write_heads": 2},
                   input_shape=(2, 5, 3 + 2 + 3 * 4), run_training_check=False)
    run_layer_test(Threshold, {"threshold": 0.3}, input_shape=(2, 5, 4), expected_output_shape=(2, 5, 4),
                   run_training_check=False)
