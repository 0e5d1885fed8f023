"""DARE: the solution satisfies its equation, python-control and scipy agree, fallbacks work."""
from __future__ import annotations

import numpy as np
import pytest
from _lgssm_strategies import systems
from hypothesis import given, settings

from chasm_theory.errors import NumericalError, ValidationError
from chasm_theory.oracles import dare as dare_mod
from chasm_theory.oracles.dare import dare_residual, riccati_step, solve_filter_dare
from chasm_theory.oracles.tasks import colored_noise_lgssm


def _dare_rhs(P, A, C, Q, R):
    """A (P - P C^T (C P C^T + R)^{-1} C P) A^T + Q, written out independently (np.linalg.solve)."""
    S = C @ P @ C.T + R
    return A @ (P - P @ C.T @ np.linalg.solve(S, C @ P)) @ A.T + Q


@settings(max_examples=25)
@given(params=systems)
def test_solution_satisfies_dare_and_solvers_agree(params):
    A, C, Q, R = params.A, params.C, params.Q, params.R
    sol = solve_filter_dare(A, C, Q, R)
    P = sol.P_pred
    np.testing.assert_allclose(_dare_rhs(P, A, C, Q, R), P, rtol=1e-9,
                               atol=1e-9 * np.max(np.abs(P)))
    assert sol.residual <= 1e-8
    assert sol.spectral_radius < 1
    assert np.min(np.linalg.eigvalsh(P)) > 0
    # gain and covariances are consistent
    np.testing.assert_allclose(sol.S, C @ P @ C.T + R, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sol.K @ sol.S, P @ C.T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sol.P_filt, (np.eye(params.d) - sol.K @ C) @ P, rtol=1e-8,
                               atol=1e-10 * np.max(np.abs(P)))
    np.testing.assert_allclose(sol.closed_loop, (np.eye(params.d) - sol.K @ C) @ A, atol=1e-12)
    # control vs scipy (both ran on these well-posed systems)
    Xc = dare_mod._try_control(A, C, Q, R)
    Xs = dare_mod._try_scipy(A, C, Q, R)
    np.testing.assert_allclose(Xc, Xs, rtol=1e-8, atol=1e-10 * np.max(np.abs(Xs)))
    assert sol.cross_check < 1e-8


def test_colored_noise_r_zero():
    p = colored_noise_lgssm(0.9, 0.95)
    sol = solve_filter_dare(p)
    assert sol.method in ("control", "scipy")
    np.testing.assert_allclose(riccati_step(sol.P_pred, p.A, p.C, p.Q, p.R), sol.P_pred,
                               rtol=1e-12)
    # R = 0 and C = [1, 1]: x_t is observed exactly, so P_filt has C P_filt C^T = 0
    np.testing.assert_allclose(p.C @ sol.P_filt @ p.C.T, 0.0, atol=1e-12)
    np.testing.assert_allclose(sol.K.sum(), 1.0, rtol=1e-12)


def test_fallbacks_when_solvers_refuse(monkeypatch):
    p = colored_noise_lgssm(0.9, 0.95)
    ref = solve_filter_dare(p)

    def refuse(*args):
        raise np.linalg.LinAlgError("refused")

    monkeypatch.setattr(dare_mod, "_try_control", refuse)
    s1 = solve_filter_dare(p)
    assert s1.method == "scipy" and np.isnan(s1.cross_check)
    monkeypatch.setattr(dare_mod, "_try_scipy", refuse)
    s2 = solve_filter_dare(p)
    assert s2.method == "iteration"
    np.testing.assert_allclose(s2.P_pred, ref.P_pred, rtol=1e-9)
    np.testing.assert_allclose(s2.K, ref.K, rtol=1e-9)


def test_wrong_solution_is_rejected(monkeypatch):
    """A solver returning a non-solution must not get through the residual check."""
    p = colored_noise_lgssm(0.9, 0.5)
    monkeypatch.setattr(dare_mod, "_try_control", lambda *a: np.eye(2))
    sol = solve_filter_dare(p)
    assert sol.method == "scipy"
    assert dare_residual(np.eye(2), p.A, p.C, p.Q, p.R) > 1e-3


def test_undetectable_system_raises():
    # an unstable mode that C cannot see: no stabilising solution exists
    A = np.diag([1.5, 0.5])
    C = np.array([[0.0, 1.0]])
    with pytest.raises(NumericalError, match="DARE"):
        solve_filter_dare(A, C, np.eye(2), np.eye(1))


def test_bad_shapes():
    with pytest.raises(ValidationError, match="parameter 'C'"):
        solve_filter_dare(np.eye(2), np.ones((1, 3)), np.eye(2), np.eye(1))
    with pytest.raises(ValidationError, match="parameter 'R'"):
        solve_filter_dare(np.eye(2) * 0.5, np.ones((1, 2)), np.eye(2), np.eye(2))


@settings(max_examples=25)
@given(params=systems)
def test_solution_is_the_limit_of_the_riccati_recursion(params):
    """Independent of scipy and python-control (which, without slycot, calls scipy itself):
    the time-varying Riccati recursion of the core filter converges to the DARE solution."""
    from chasm_theory.oracles.kalman import riccati_gains

    sol = solve_filter_dare(params.A, params.C, params.Q, params.R)
    T = 400
    while True:
        g = riccati_gains(params, T)
        step = np.max(np.abs(g.P_pred[-1] - g.P_pred[-2]))
        if step <= 1e-13 * np.max(np.abs(g.P_pred[-1])) or T >= 6400:
            break
        T *= 2
    scale = np.max(np.abs(sol.P_pred))
    np.testing.assert_allclose(g.P_pred[-1], sol.P_pred, rtol=1e-7, atol=1e-9 * scale)
    atol = 1e-9 * max(1.0, np.max(np.abs(sol.K)))
    np.testing.assert_allclose(g.K[-1], sol.K, rtol=1e-6, atol=atol)
