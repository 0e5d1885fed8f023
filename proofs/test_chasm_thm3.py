"""000 Theorem 3: EWMA unrolling, finite-k MSE with the prior-bias term, limits."""

import numpy as np
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from chasm_theory import run_claim
from chasm_theory.claims.chasm.thm3 import (
    UNROLL_FUZZ,
    _unroll_holds,
    ewma_limit_symbolic,
    ewma_mse_exact,
    ewma_unroll_residual,
    g,
    s2,
    simulate_static,
)
from chasm_theory.oracles.risks import ewma_risk, process_covariance_static


@given(UNROLL_FUZZ.strategy())
@example((1.0, [5.0]))
def test_unrolled_form(args):
    assert _unroll_holds(args)


def test_unroll_symbolic_small_k():
    assert all(ewma_unroll_residual(k) == 0 for k in range(1, 8))


@given(st.integers(1, 300), st.floats(0.01, 0.99), st.floats(0.1, 3.0), st.floats(0.0, 3.0))
def test_exact_mse_matches_covariance_risk(k, gamma, sigma2, V):
    S = process_covariance_static(k, sigma2, V)
    assert np.isclose(
        ewma_mse_exact(k, gamma, sigma2, V), ewma_risk(S, gamma), rtol=1e-9, atol=1e-12
    )


def test_limit_and_paper_plateau():
    assert sp.simplify(ewma_limit_symbolic() - s2 * g / (2 - g)) == 0
    assert round(0.1 / 1.9, 3) == 0.053
    assert abs(ewma_mse_exact(10_000, 0.1) - 0.1 / 1.9) < 1e-12


def test_monte_carlo_is_unbiased_for_the_exact_mse():
    mc = simulate_static(np.random.default_rng(3), 20000, [5], 0.2)
    e = mc[5]["ewma"]
    assert abs(e.mean() - ewma_mse_exact(5, 0.2)) < 4 * e.std() / np.sqrt(e.size)


def test_records():
    assert run_claim("chasm.thm3.ewma-unrolled").verdict == "holds"
