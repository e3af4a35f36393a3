"""The perceptron rule against updates computed by hand."""

import numpy as np
import pytest

from apps.foundations.data import logic_gate
from apps.foundations.perceptron_rule import Perceptron

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
AND = np.array([-1, -1, -1, 1])


def test_online_rule_matches_the_hand_computed_updates():
    # eta = 1, w = 0, b = 0, y = +1 iff w.x + b > 0, update (t - y) * x:
    # epoch 1: only (1,1) is wrong -> w=(2,2) b=2; epoch 2: (0,0), (0,1), (1,1) wrong; ...
    expected = [
        ((2, 2), 2),                                  # epoch 1: (1,1)
        ((2, 2), 0), ((2, 0), -2), ((4, 2), 0),       # epoch 2: (0,0), (0,1), (1,1)
        ((4, 0), -2), ((2, 0), -4), ((4, 2), -2),     # epoch 3: (0,1), (1,0), (1,1)
        ((2, 2), -4), ((4, 4), -2),                   # epoch 4: (1,0), (1,1)
        ((4, 2), -4),                                 # epoch 5: (0,1); epoch 6 has no error
    ]
    perceptron = Perceptron(2, learning_rate=1.0, mode="online")
    result = perceptron.fit(INPUTS, AND, max_epochs=50)
    assert [(tuple(w), b) for w, b in perceptron.history] == expected
    assert result.converged and result.epochs == 6 and result.updates == 10
    assert result.errors_per_epoch == [1, 3, 3, 2, 1, 0]
    assert perceptron.output(INPUTS).tolist() == AND.tolist()


def test_batch_rule_sums_the_updates_of_an_epoch():
    # epoch 1: only (1,1) wrong -> w=(2,2) b=2; epoch 2: three points wrong, summed:
    # w = (2,2) - 2*(0,0) - 2*(0,1) - 2*(1,0) = (0,0), b = 2 - 6 = -4; epoch 3: (1,1) -> w=(2,2) b=-2.
    perceptron = Perceptron(2, learning_rate=1.0, mode="batch")
    result = perceptron.fit(INPUTS, AND, max_epochs=50)
    assert [(tuple(w), b) for w, b in perceptron.history] == [((2, 2), 2), ((0, 0), -4), ((2, 2), -2)]
    assert result.converged and result.epochs == 4 and result.errors_per_epoch == [1, 3, 1, 0]


def test_learning_rate_scales_every_step():
    perceptron = Perceptron(2, learning_rate=0.5, mode="online")
    perceptron.fit(INPUTS, AND, max_epochs=1)
    assert perceptron.history == [(pytest.approx(np.array([1.0, 1.0])), 1.0)]


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_xor_never_converges_and_keeps_points_wrong(mode):
    x, y = logic_gate("xor")
    targets = np.where(y > 0, 1, -1)
    perceptron = Perceptron(2, mode=mode)
    result = perceptron.fit(x, targets, max_epochs=200)
    assert not result.converged and result.epochs == 200
    assert min(result.errors_per_epoch) >= 1  # no line separates XOR
    assert len(perceptron.misclassified(x, targets)) >= 1


@pytest.mark.parametrize("gate", ["and", "or"])
@pytest.mark.parametrize("mode", ["online", "batch"])
def test_linearly_separable_gates_converge(gate, mode):
    x, y = logic_gate(gate)
    result = Perceptron(2, mode=mode).fit(x, np.where(y > 0, 1, -1), max_epochs=100)
    assert result.converged and result.epochs < 100


def test_bad_arguments_raise_value_errors():
    with pytest.raises(ValueError, match="mode"):
        Perceptron(2, mode="minibatch")
    with pytest.raises(ValueError, match="targets"):
        Perceptron(2).fit(INPUTS, np.array([0, 0, 0, 1]))
