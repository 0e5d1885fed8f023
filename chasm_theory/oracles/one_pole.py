"""Scaled one-pole predictors of x_(k+1): the class of 001 Thm 2's ERM baseline.

A predictor of the class is

    f_(c, p)(x_1..x_k) = c * sum_{i=1..k} p^(k-i) x_i,     c real, 0 <= p < 1

(equivalently c'·γ Σ (1−γ)^(k−i) x_i with γ = 1 − p, c' = c/γ). It contains the pooled
predictors that weight the context equally (p -> 1) or with weights decaying with distance, and
the steady-state Kalman predictor of every scalar model "AR(1) signal + i.i.d. noise"
(x_(k+1) predicted by a K Σ ((1 − K) a)^(k−i) x_i: pole (1 − K) a, scale a K).

Two computations:

* :func:`population_best` — the member with the least *population* risk for a stationary
  zero-mean process given by its autocovariance (exact: for fixed p the best c is closed form,
  the 1-D profile over p is minimised on a grid and refined by bounded Brent).
* :func:`erm_fit_predict` — the member fitted *in context* by empirical risk minimisation: for
  each sequence, (c, p) minimise the empirical one-step squared loss over the context,
  sum_{t=1..k-1} (x_(t+1) − c f_t(p))², then the fitted member predicts x_(k+1). Grid over p then
  golden-section refinement in the bracketing cell (numba, one sequence per thread).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numba import njit, prange
from scipy.optimize import minimize_scalar

from chasm_theory.errors import ValidationError

__all__ = [
    "OnePoleBest",
    "OnePoleFit",
    "population_best",
    "stationary_best",
    "erm_fit_predict",
    "P_MAX",
]

P_MAX = 0.999  # the largest pole searched (p -> 1 is the equal-weight pool)
_GOLDEN = 0.3819660112501051


class OnePoleBest(NamedTuple):
    """risk: least population risk over the class; pole p and scale c of the minimiser."""

    risk: float
    pole: float
    scale: float


class OnePoleFit(NamedTuple):
    """pred: (B, K) prediction of x_(k+1) for each context length k of ``ks``; pole, scale:
    (B, K) the fitted (p, c); loss: (B, K) the minimised empirical loss (sum over k − 1 pairs)."""

    pred: np.ndarray
    pole: np.ndarray
    scale: np.ndarray
    loss: np.ndarray


def _minimise_profile(
    profile: Callable[[float], tuple[float, float]], grid: int, xatol: float
) -> OnePoleBest:
    """Least risk of ``profile(p) -> (risk, best scale)`` over p in [0, P_MAX]: ``grid`` poles
    scanned, then bounded Brent inside the bracketing cell (kept only if it beats the grid)."""
    ps = np.linspace(0.0, P_MAX, grid)
    rs = np.array([profile(float(p))[0] for p in ps])
    j = int(np.argmin(rs))
    lo, hi = ps[max(j - 1, 0)], ps[min(j + 1, grid - 1)]
    res = minimize_scalar(
        lambda p: profile(p)[0], bounds=(lo, hi), method="bounded", options={"xatol": xatol}
    )
    p_best, r_best = (
        (float(res.x), float(res.fun)) if res.fun < rs[j] else (float(ps[j]), float(rs[j]))
    )
    return OnePoleBest(r_best, p_best, profile(p_best)[1])


def population_best(gamma: np.ndarray, k: int, grid: int = 400) -> OnePoleBest:
    """Best member for predicting x_(k+1) from x_1..x_k of a stationary zero-mean process with
    autocovariance ``gamma`` (array (k + 1,), gamma[h] = Cov(x_t, x_(t+h)))."""
    g = np.asarray(gamma, dtype=np.float64).reshape(-1)
    if int(k) != k or k < 1:
        raise ValidationError("k", "must be an integer >= 1", repr(k))
    if g.size < k + 1 or not np.all(np.isfinite(g[: k + 1])):
        raise ValidationError(
            "gamma", f"must hold k + 1 = {k + 1} finite autocovariances", f"got {g.size}"
        )
    idx = np.arange(k)
    G = g[np.abs(idx[:, None] - idx[None, :])]
    cxy = g[k - idx]  # Cov(x_(k+1), x_i), i = 1..k

    def profile(p: float) -> tuple[float, float]:
        w = p ** (k - 1 - idx)
        den = float(w @ G @ w)
        c = float(w @ cxy) / den
        return float(g[0] - c * float(w @ cxy)), c

    return _minimise_profile(profile, grid, 1e-12)


@njit(cache=True)
def _loss_at(x, k, p):  # pragma: no cover - numba
    """Profile loss and (pred, scale) of pole p on the context x[0..k-1]."""
    f = 0.0
    syf = 0.0
    sff = 0.0
    syy = 0.0
    for t in range(k):
        y = x[t]
        if t >= 1:
            syf += f * y
            sff += f * f
            syy += y * y
        f = p * f + y
    if sff <= 0.0:
        return syy, 0.0, 0.0
    c = syf / sff
    return syy - syf * c, c * f, c


@njit(cache=True, parallel=True)
def _erm_kernel(x, ks, grid, iters, pred, pole, scale, loss):  # pragma: no cover - numba
    B = x.shape[0]
    K = ks.shape[0]
    P = grid.shape[0]
    for b in prange(B):
        xb = x[b]
        for j in range(K):
            k = ks[j]
            best = np.inf
            jb = 0
            for g in range(P):
                L, _, _ = _loss_at(xb, k, grid[g])
                if best > L:
                    best = L
                    jb = g
            lo = grid[max(jb - 1, 0)]
            hi = grid[min(jb + 1, P - 1)]
            # golden-section search on [lo, hi] (the profile is smooth there)
            u = lo + _GOLDEN * (hi - lo)
            v = hi - _GOLDEN * (hi - lo)
            Lu = _loss_at(xb, k, u)[0]
            Lv = _loss_at(xb, k, v)[0]
            for _ in range(iters):
                if Lu <= Lv:
                    hi = v
                    v = u
                    Lv = Lu
                    u = lo + _GOLDEN * (hi - lo)
                    Lu = _loss_at(xb, k, u)[0]
                else:
                    lo = u
                    u = v
                    Lu = Lv
                    v = hi - _GOLDEN * (hi - lo)
                    Lv = _loss_at(xb, k, v)[0]
            p_ref = u if Lu <= Lv else v
            L_ref, pr_ref, c_ref = _loss_at(xb, k, p_ref)
            if L_ref > best:  # the refinement lost to the grid: keep the grid's pole
                p_ref = grid[jb]
                L_ref, pr_ref, c_ref = _loss_at(xb, k, p_ref)
            pole[b, j] = p_ref
            loss[b, j] = L_ref
            pred[b, j] = pr_ref
            scale[b, j] = c_ref


def erm_fit_predict(x: object, ks: object, grid: int = 128, iters: int = 48) -> OnePoleFit:
    """In-context ERM over the scaled one-pole class.

    x: (B, T) observations x_1..x_T (float64); ks: context lengths 2 <= k <= T. For each
    sequence and k, (c, p) minimise sum_{t=1..k-1} (x_(t+1) − c f_t(p))² with
    f_t(p) = sum_{i<=t} p^(t−i) x_i, p in [0, P_MAX]; returns the fitted member's prediction
    c f_k(p) of x_(k+1). ``grid`` poles are scanned, then ``iters`` golden-section steps refine
    the minimiser inside the bracketing grid cell (width 2·P_MAX/(grid − 1) -> 0.618^iters of it).
    """
    X = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
    if X.ndim != 2 or not np.all(np.isfinite(X)):
        raise ValidationError("x", "must be a finite (batch, time) array", f"got shape {X.shape}")
    K = np.asarray(ks, dtype=np.int64).reshape(-1)
    if K.size == 0 or np.any(K < 2) or np.any(X.shape[1] < K):
        raise ValidationError("ks", f"must lie in 2..T = {X.shape[1]}", f"got {K.tolist()}")
    if int(grid) != grid or grid < 3:
        raise ValidationError("grid", "must be an integer >= 3", repr(grid))
    shape = (X.shape[0], K.size)
    pred, pole, scale, loss = (np.empty(shape) for _ in range(4))
    _erm_kernel(X, K, np.linspace(0.0, P_MAX, int(grid)), int(iters), pred, pole, scale, loss)
    return OnePoleFit(pred, pole, scale, loss)


def stationary_best(terms: tuple[tuple[float, float], ...], grid: int = 2000) -> OnePoleBest:
    """Best member with an infinite context (k -> oo), in closed form, for a process whose
    autocovariance is a sum of geometric terms gamma(h) = sum_j A_j r_j^|h| (``terms`` = ((A_j,
    r_j), ...), |r_j| < 1). With S(p) = sum_i p^i x_(t−i):

        Cov(x_(t+1), S) = sum_j A_j r_j / (1 − p r_j),
        Var(S) = sum_j A_j (1 + p r_j) / ((1 − p²)(1 − p r_j)),

    so the best scale is c = Cov/Var and the risk gamma(0) − Cov²/Var. Independent of
    :func:`population_best` (no Toeplitz matrix): the two agree as k grows."""
    tr = [(float(A), float(r)) for A, r in terms]
    if not tr or any(not (np.isfinite(A) and np.isfinite(r) and abs(r) < 1.0) for A, r in tr):
        raise ValidationError(
            "terms", "must be (amplitude, pole) pairs with |pole| < 1", repr(terms)
        )
    g0 = sum(A for A, _ in tr)

    def profile(p: float) -> tuple[float, float]:
        cov = sum(A * r / (1.0 - p * r) for A, r in tr)
        var = sum(A * (1.0 + p * r) / ((1.0 - p * p) * (1.0 - p * r)) for A, r in tr)
        return g0 - cov * cov / var, cov / var

    return _minimise_profile(profile, grid, 1e-13)
