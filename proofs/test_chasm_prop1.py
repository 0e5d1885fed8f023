"""000 Proposition 1: exact counterexample, realizability, order-dependence (incl. d = 1)."""

from fractions import Fraction

import numpy as np
from hypothesis import example, given

from chasm_theory import run_claim
from chasm_theory.claims.chasm.prop1 import (
    ORDER_FUZZ,
    SCALAR_FUZZ,
    is_order_dependent,
    is_permutation_invariant,
    order_weights,
    paper_example,
    solve_gains,
)
from chasm_theory.oracles.kalman import kalman_filter
from chasm_theory.oracles.lgssm import make_lgssm

SCALAR_CX = {
    "d": 1,
    "m": 1,
    "mode": "steady",
    "A": [0.0],
    "C": [1.0],
    "G": [0.0],
    "H": [0.0],
    "k": 2,
}


def test_paper_example_exact():
    assert paper_example() == {"z22(0,6)": Fraction(4), "z22(6,0)": Fraction(4, 3)}


def test_gains_realizable_only_update_first():
    assert not solve_gains("predict-first")["admits"]
    assert solve_gains("update-first")["admits"]


@given(ORDER_FUZZ.strategy())
def test_order_dependence_generic(s):
    assert is_order_dependent(s)


@given(SCALAR_FUZZ.strategy())
@example(SCALAR_CX)
def test_scalar_filters_are_order_dependent_too(s):
    # "d = 1 is permutation-invariant" is false: every valid scalar draw is order-dependent;
    # pinned: the minimal counterexample hypothesis finds (a = 0, c = 1, steady gain)
    assert is_order_dependent(s)


def test_pinned_scalar_counterexample():
    assert not is_permutation_invariant(SCALAR_CX)


def test_weights_match_filter_on_swapped_inputs():
    p = make_lgssm([[0.5, 0.2], [0.0, 0.7]], [[1.0, 0.3]], np.eye(2), [[0.5]])
    from chasm_theory.oracles.kalman import riccati_gains

    K = riccati_gains(p, 3).K
    W = order_weights(p.A, p.C, K)
    x = np.array([[1.0, -2.0, 0.5]])
    z = kalman_filter(p, x).filtered_means[0, -1]
    m0_part = np.zeros(2)  # m0 = 0
    assert np.allclose(z, m0_part + sum(W[t] @ x[0, t : t + 1] for t in range(3)))
    xs = x[:, ::-1].copy()
    assert not np.allclose(z, kalman_filter(p, xs).filtered_means[0, -1])


def test_records():
    assert run_claim("chasm.prop1.counterexample").verdict == "holds"
    assert run_claim("chasm.prop1.assumptions").verdict == "fails"
    assert run_claim("chasm.prop1.gains-realizable").verdict == "holds"
    assert run_claim("chasm.prop1.gains-realizable.predict-first").verdict == "fails"
