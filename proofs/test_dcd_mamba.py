"""002 Mamba parity: pair bound vs brute force, float32 horizon, the counter counterexample."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings

from chasm_theory import run_claim
from chasm_theory.claims.dcd.mamba import (
    _families,
    brute_margin,
    finite_precision_property,
    float32_counter_failure,
    float32_horizon,
    pair_gap,
    simulate_pair_gap,
)

COUNTER = (np.array([[1.0], [1.0]]), np.array([[0.0], [1.0]]), np.array([0.0]))


@settings(max_examples=20)
@given(_families())
@example(COUNTER)
@example((np.array([[0.999999], [1.0]]), np.array([[1.0], [-1.0]]), np.array([0.5])))
def test_finite_precision_property(fam):
    assert finite_precision_property(fam)


def test_pair_gap_closed_form_and_decay():
    lam, b, h0 = (
        np.array([[0.9, 1.0], [0.8, 0.95]]),
        np.array([[0.1, 0.2], [-0.3, 0.4]]),
        np.array([0.2, -0.1]),
    )
    for T in (5, 50, 200):
        assert abs(pair_gap(lam, b, h0, T) - simulate_pair_gap(lam, b, h0, T)) < 1e-12
    assert pair_gap(lam, b, h0, 400) < 0.95**199 * 1.01 * pair_gap(lam, b, h0, 1)
    m, _ = brute_margin(lam, b, h0, 8)
    assert m <= pair_gap(lam, b, h0, 8) + 1e-15


def test_counter_keeps_absolute_margin_but_fails_in_float32():
    for T in (3, 10):
        assert brute_margin(*COUNTER, T)[0] == 1.0
    assert float32_counter_failure() == 2**24 + 1
    assert float32_horizon(*COUNTER) == 2**24


def test_records():
    assert run_claim("dcd.models.mamba-parity.exact-margin").verdict == "fails"
