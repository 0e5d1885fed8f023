"""003: ρ(exp(ΔA)) = exp(Δ·α(A)) and stability iff α(A) < 0, in 60-digit arithmetic."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import scipy.linalg as sla
from hypothesis import example, given, settings

from chasm_theory.claims.gen.spectral import (
    _integer_systems,
    exact_abscissa,
    identity_holds,
    mp_rho_expm,
    stable_iff_negative,
)


@settings(max_examples=25)
@given(_integer_systems())
@example((np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]]), 8))  # nilpotent Jordan block
@example((np.array([[-1, 5], [0, -1]]), 3))  # non-normal
@example((np.array([[0, -1], [1, 0]]), 16))  # rotation, α = 0
def test_identity(sys_):
    assert identity_holds(sys_)


@settings(max_examples=15)
@given(_integer_systems())
@example((np.array([[0, 1], [0, 0]]), 8))
@example((np.array([[-1, 3], [0, -1]]), 1))
def test_stability_iff_negative_abscissa(sys_):
    assert stable_iff_negative(sys_)


def test_exact_abscissa_matches_numpy_on_simple_roots():
    rng = np.random.default_rng(0)
    for _ in range(10):
        A = rng.integers(-3, 4, (4, 4))
        assert abs(float(exact_abscissa(A)) - np.linalg.eigvals(A).real.max()) < 1e-6


def test_exact_abscissa_of_a_repeated_root_is_exact():
    A = np.array([[2, 1, 0], [0, 2, 1], [0, 0, 2]])
    with mp.workdps(60):
        assert exact_abscissa(A) == 2
        assert abs(mp_rho_expm(A, mp.mpf(1) / 4) - mp.exp(mp.mpf(1) / 2)) < mp.mpf("1e-40")


def test_identity_can_fail_for_a_wrong_prediction():
    # ρ(exp(ΔA)) ≠ exp(Δ·max|λ|) when the dominant-modulus eigenvalue is not the rightmost
    A = np.array([[-3.0, 0.0], [0.0, 1.0]])
    rho = np.abs(np.linalg.eigvals(sla.expm(A))).max()
    assert abs(rho - np.exp(1.0)) < 1e-12 and abs(rho - np.exp(3.0)) > 1
