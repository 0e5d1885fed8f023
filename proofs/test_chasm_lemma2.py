"""000 Lemma 2: innovations form, filter representation, gain convergence rate."""

import numpy as np
from hypothesis import given, settings

from chasm_theory import run_claim
from chasm_theory.claims.chasm.lemma2 import (
    REP_FUZZ,
    _rep_holds,
    asymptotic_gain_rate_mp,
    innovations_residual,
    random_system,
)
from chasm_theory.oracles.dare import solve_filter_dare


def test_innovations_symbolic():
    r = innovations_residual()
    assert r == 0 or r.is_ZeroMatrix


@settings(max_examples=15)
@given(REP_FUZZ.strategy())
def test_representation(s):
    assert _rep_holds(s)


def test_rate_is_rho_F_squared():
    p = random_system(np.random.default_rng(5), 2, 1)
    sol = solve_filter_dare(p.A, p.C, p.Q, p.R)
    r = asymptotic_gain_rate_mp(p, dps=60, target=1e-40)
    assert abs(np.log(r["rate_mp"]) / np.log(sol.spectral_radius**2) - 1) < 0.02


def test_records():
    assert run_claim("chasm.lemma2.innovations-form").verdict == "holds"
