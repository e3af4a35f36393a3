import numpy as np

from shared.schedules import warmup_cosine


def test_warmup_rises_linearly_to_the_peak_then_decays_to_the_floor():
    schedule = warmup_cosine(1e-3, 100, warmup_fraction=0.1, final_fraction=0.01)
    rates = np.array([float(schedule(step)) for step in range(0, 120)])
    assert rates[0] < 1e-5
    np.testing.assert_allclose(rates[10], 1e-3, rtol=1e-5)
    assert np.all(np.diff(rates[:11]) > 0)          # warm-up: increasing
    assert np.all(np.diff(rates[10:100]) < 0)       # cosine: decreasing
    np.testing.assert_allclose(rates[100:], 1e-5, rtol=1e-4)  # the floor, held


def test_without_warmup_it_is_plain_cosine_and_without_steps_a_constant():
    schedule = warmup_cosine(0.1, 50, warmup_fraction=0.0)
    np.testing.assert_allclose(float(schedule(0)), 0.1, rtol=1e-6)
    assert warmup_cosine(0.1, 0) == 0.1
