"""The steady-state oracle vs the exact Kalman predictor."""

import numpy as np

from chasm_theory.claims.chasm.oracle import gaps, steady_weights, steady_weights_by_impulses


def test_weights_two_ways():
    assert np.allclose(steady_weights(0.5, 20), steady_weights_by_impulses(0.5, 20), atol=1e-13)


def test_gap_nonnegative_positive_and_zero_at_alpha_equal_a():
    g = gaps(0.99, 64)
    assert g["gap"].min() > -1e-10 and g["gap"][0] > 1e-5
    assert np.max(np.abs(gaps(0.9, 64)["gap"])) < 1e-10
