"""Steady-state Kalman filter from the discrete algebraic Riccati equation (filter form).

Filter-form DARE for the predicted covariance P = P_{t|t-1} in steady state::

    P = A (P - P C^T (C P C^T + R)^{-1} C P) A^T + Q

It is the control-form DARE of the dual system, ``dare(A^T, C^T, Q, R)``. The primary solver is
python-control's ``control.dare``; scipy's ``solve_discrete_are`` cross-checks it (or stands in
when one of them refuses, e.g. R = 0 singular); the last resort iterates the Riccati recursion.
Whatever produced it, the solution is substituted back into the DARE and rejected with
:class:`NumericalError` if the relative residual exceeds ``tol`` or the closed loop is unstable.
"""
from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import scipy.linalg

from chasm_theory.errors import NumericalError, ValidationError
from chasm_theory.oracles.lgssm import LGSSMParams, spectral_radius

__all__ = ["DareSolution", "solve_filter_dare", "dare_residual", "riccati_step"]


class DareSolution(NamedTuple):
    """Steady-state filter quantities.

    P_pred: (d, d) steady P_{t|t-1} (the DARE solution); P_filt: (d, d) steady P_{t|t};
    K: (d, m) filter gain, z_{t|t} = z_{t|t-1} + K (x_t - C z_{t|t-1});
    S: (m, m) innovation covariance C P_pred C^T + R;
    closed_loop: (d, d) F = (I - K C) A, so z_{t|t} = F z_{t-1|t-1} + K x_t;
    spectral_radius: rho(F); residual: relative DARE residual of P_pred;
    method: which solver produced P_pred ('control', 'scipy', 'iteration');
    cross_check: max relative difference control vs scipy (nan if only one ran).
    """

    P_pred: np.ndarray
    P_filt: np.ndarray
    K: np.ndarray
    S: np.ndarray
    closed_loop: np.ndarray
    spectral_radius: float
    residual: float
    method: str
    cross_check: float


def _sym(M: np.ndarray) -> np.ndarray:
    return 0.5 * (M + M.T)


def _gain(P: np.ndarray, C: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """S = C P C^T + R and K = P C^T S^{-1} by a Cholesky solve (no inverse)."""
    S = _sym(C @ P @ C.T + R)
    try:
        cf = scipy.linalg.cho_factor(S, lower=True)
    except np.linalg.LinAlgError:
        raise NumericalError(f"innovation covariance S is not positive definite "
                             f"(eigenvalues {np.linalg.eigvalsh(S)})") from None
    K = scipy.linalg.cho_solve(cf, C @ P).T  # S K^T = C P  (S, P symmetric)
    return K, S


def riccati_step(P: np.ndarray, A: np.ndarray, C: np.ndarray, Q: np.ndarray,
                 R: np.ndarray) -> np.ndarray:
    """One step of the filter Riccati recursion on P_{t|t-1} -> P_{t+1|t} (Joseph form)."""
    K, _ = _gain(P, C, R)
    IKC = np.eye(P.shape[0]) - K @ C
    Pf = IKC @ P @ IKC.T + K @ R @ K.T
    return _sym(A @ Pf @ A.T + Q)


def dare_residual(P: np.ndarray, A: np.ndarray, C: np.ndarray, Q: np.ndarray,
                  R: np.ndarray) -> float:
    """Relative residual ||riccati_step(P) - P||_F / max(||P||_F, ||Q||_F)."""
    res = riccati_step(P, A, C, Q, R) - P
    scale = max(float(np.linalg.norm(P)), float(np.linalg.norm(Q)), np.finfo(float).tiny)
    return float(np.linalg.norm(res) / scale)


def _try_control(A: np.ndarray, C: np.ndarray, Q: np.ndarray, R: np.ndarray) -> np.ndarray:
    import control

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = control.dare(A.T, C.T, Q, R)[0]
    return np.asarray(X, dtype=np.float64)


def _try_scipy(A: np.ndarray, C: np.ndarray, Q: np.ndarray, R: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = scipy.linalg.solve_discrete_are(A.T, C.T, Q, R)
    return np.asarray(X, dtype=np.float64)


def _iterate(A: np.ndarray, C: np.ndarray, Q: np.ndarray, R: np.ndarray,
             max_iter: int = 200_000) -> np.ndarray:
    P = _sym(Q + np.eye(A.shape[0]))
    with np.errstate(all="ignore"):
        for it in range(max_iter):
            Pn = riccati_step(P, A, C, Q, R)
            nrm = float(np.linalg.norm(Pn))
            if not np.isfinite(nrm) or nrm > 1e150:
                raise NumericalError(f"Riccati iteration diverged at iteration {it} "
                                     f"(||P|| = {nrm:.3g})")
            if np.linalg.norm(Pn - P) <= 1e-15 * max(1.0, nrm):
                return Pn
            P = Pn
    return P


def solve_filter_dare(A: object, C: object = None, Q: object = None, R: object = None, *,
                      tol: float = 1e-8) -> DareSolution:
    """Solve the filter-form DARE; return the steady-state gain and covariances.

    A: (d, d); C: (m, d); Q: (d, d) PSD; R: (m, m) PSD (R = 0 allowed if C P C^T is PD).
    Also accepts an :class:`LGSSMParams` as ``A`` (then C, Q, R may be None).
    Raises :class:`NumericalError` if no solver gives a relative residual <= ``tol`` with a
    stable closed loop (spectral radius of (I - K C) A < 1).
    """
    if isinstance(A, LGSSMParams):
        A, C, Q, R = A.A, A.C, A.Q, A.R
    if C is None or Q is None or R is None:
        raise ValidationError("C/Q/R", "must be given unless A is an LGSSMParams")
    A_ = np.atleast_2d(np.asarray(A, dtype=np.float64))
    C_ = np.atleast_2d(np.asarray(C, dtype=np.float64))
    Q_ = _sym(np.atleast_2d(np.asarray(Q, dtype=np.float64)))
    R_ = _sym(np.atleast_2d(np.asarray(R, dtype=np.float64)))
    d, m = A_.shape[0], C_.shape[0]
    for name, M, shp in (("A", A_, (d, d)), ("C", C_, (m, d)), ("Q", Q_, (d, d)),
                         ("R", R_, (m, m))):
        if M.shape != shp:
            raise ValidationError(name, f"must have shape {shp}", f"got {M.shape}")
        if not np.all(np.isfinite(M)):
            raise ValidationError(name, "must be finite", "contains NaN or inf")

    candidates: dict[str, np.ndarray] = {}
    errors: dict[str, str] = {}
    for name, fn in (("control", _try_control), ("scipy", _try_scipy)):
        try:
            X = fn(A_, C_, Q_, R_)
            if np.all(np.isfinite(X)):
                candidates[name] = _sym(X)
            else:
                errors[name] = "non-finite solution"
        except Exception as exc:  # noqa: BLE001 -- any refusal means: try the next solver
            errors[name] = f"{type(exc).__name__}: {exc}"
    cross = float("nan")
    if len(candidates) == 2:
        Xc, Xs = candidates["control"], candidates["scipy"]
        cross = float(np.max(np.abs(Xc - Xs)) / max(float(np.max(np.abs(Xs))), 1e-300))

    tried: list[str] = []
    order = list(candidates)
    for name in order + ["iteration"]:
        if name == "iteration":
            try:
                P = _iterate(A_, C_, Q_, R_)
            except NumericalError as exc:
                tried.append(f"iteration: {exc}")
                continue
        else:
            P = candidates[name]
        try:
            K, S = _gain(P, C_, R_)
            res = dare_residual(P, A_, C_, Q_, R_)
        except NumericalError as exc:
            tried.append(f"{name}: {exc}")
            continue
        F = (np.eye(d) - K @ C_) @ A_
        rho = spectral_radius(F)
        if res <= tol and rho < 1.0:
            Pf = _sym(P - K @ S @ K.T)
            return DareSolution(P, Pf, K, S, F, rho, res, name, cross)
        tried.append(f"{name}: residual {res:.3g}, closed-loop spectral radius {rho:.6g}")
    detail = "; ".join(tried + [f"{k} refused ({v})" for k, v in errors.items()])
    raise NumericalError(f"DARE: no stabilising solution with relative residual <= {tol:g} "
                         f"({detail})")
