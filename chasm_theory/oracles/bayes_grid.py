"""Bayes oracle over an unknown scalar parameter: the colored-noise task with alpha unknown.

Prior on alpha: a discrete grid (default: U(lo, hi) discretised at ``G`` midpoints). For each
grid value one exact Kalman filter on the augmented model
(:func:`chasm_theory.tasks.colored_noise_lgssm`, stationary start) runs with its time-varying
gains; its innovations give the exact log-likelihood log p(x_1..x_t | alpha_g). The posterior
weights w_g(t) ~ prior_g p(x_1..x_t | alpha_g) (log-sum-exp, shifted by the running max) mix the
per-filter predictions of the next observation:

    pred[b, t] = E[x[b, t+1] | x[b, 0..t]]      (0-based; same indexing as ``one_step``)
               = sum_g w_g(t) * (C A z_{t|t}(alpha_g)).

The kernel keeps the grid index innermost and uses a vectorisable exp (Cody-Waite range
reduction + degree-13 polynomial + exponent bits), since numba has no SVML here.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from chasm_theory.errors import ValidationError

__all__ = ["BayesGridResult", "uniform_grid", "grid_gains", "bayes_grid_predict"]

_NB = 8  # sequences per block (the gains of one step stay in L1 across the block)
_LOG2E = 1.4426950408889634
_LN2_HI = 0.693147180369123816490
_LN2_LO = 1.90821492927058770002e-10
_TWO52 = 4503599627370496.0
_TWO52_BITS = 0x4330000000000000
_INV_FACT = tuple(1.0 / float(np.prod(np.arange(1, k + 1))) for k in range(14))


class BayesGridResult(NamedTuple):
    """pred: (B, T) posterior-predictive mean of the next observation after each step;
    log_post_final: (B, G) normalised log posterior over the grid after all T observations."""

    pred: np.ndarray
    log_post_final: np.ndarray


def uniform_grid(lo: float = 0.5, hi: float = 0.99, G: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Midpoint grid of U(lo, hi): alphas (G,) = lo + (i + 1/2)(hi - lo)/G, and the uniform
    log prior (G,)."""
    if not (np.isfinite(lo) and np.isfinite(hi) and -1.0 < lo < hi < 1.0):
        raise ValidationError(
            "alphas", "grid bounds must satisfy -1 < lo < hi < 1", f"got lo={lo!r}, hi={hi!r}"
        )
    if int(G) != G or G < 1:
        raise ValidationError("G", "must be a positive integer", f"got {G!r}")
    G = int(G)
    alphas = lo + (np.arange(G) + 0.5) * (hi - lo) / G
    return alphas, np.full(G, -np.log(G))


@njit(cache=True)
def _grid_gains_kernel(a, alphas, q, T, K0, K1, iS, hlS):
    """Riccati recursion of the augmented model for every grid value (closed-form 2x2)."""
    G = alphas.size
    for g in range(G):
        al = alphas[g]
        q11 = 1.0 - al * al
        P00 = q / (1.0 - a * a)
        P01 = 0.0
        P11 = 1.0
        for t in range(T):
            pp00 = a * a * P00 + q
            pp01 = a * al * P01
            pp11 = al * al * P11 + q11
            h0 = pp00 + pp01
            h1 = pp01 + pp11
            S = h0 + h1
            k0 = h0 / S
            k1 = h1 / S
            # Joseph form with R = 0: (I - k c) Pp (I - k c)^T, c = [1, 1]
            g00 = 1.0 - k0
            g01 = -k0
            g10 = -k1
            g11 = 1.0 - k1
            v00 = g00 * pp00 + g01 * pp01
            v01 = g00 * pp01 + g01 * pp11
            v10 = g10 * pp00 + g11 * pp01
            v11 = g10 * pp01 + g11 * pp11
            P00 = v00 * g00 + v01 * g01
            P01 = v00 * g10 + v01 * g11
            P11 = v10 * g10 + v11 * g11
            K0[t, g] = k0
            K1[t, g] = k1
            iS[t, g] = 1.0 / S
            hlS[t, g] = 0.5 * np.log(S)


def grid_gains(
    a: float, alphas: np.ndarray, T: int, q: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-(step, grid value) gains of the augmented colored-noise model, stationary start.

    Returns K0, K1 (T, G) (signal and noise components of the gain), 1/S and log(S)/2 (T, G).
    """
    G = alphas.size
    K0 = np.empty((T, G))
    K1 = np.empty((T, G))
    iS = np.empty((T, G))
    hlS = np.empty((T, G))
    _grid_gains_kernel(
        float(a), np.ascontiguousarray(alphas, dtype=np.float64), float(q), int(T), K0, K1, iS, hlS
    )
    return K0, K1, iS, hlS


@njit(parallel=True, fastmath=True, cache=True)
def _bayes_kernel(x, a, alphas, K0, K1, iS, hlS, lp, pred, lw_out):
    B = x.shape[0]
    T = x.shape[1]
    G = alphas.size
    nblk = (B + _NB - 1) // _NB
    for ib in prange(nblk):
        b0 = ib * _NB
        nb = min(_NB, B - b0)
        z0 = np.zeros((_NB, G))
        z1 = np.zeros((_NB, G))
        lw = np.empty((_NB, G))
        poly = np.empty(G)
        ybuf = np.empty(G)
        fb = np.empty(G)
        ib_ = fb.view(np.int64)
        for j in range(nb):
            for g in range(G):
                lw[j, g] = lp[g]
        for t in range(T):
            for j in range(nb):
                xt = x[b0 + j, t]
                mx = -1.0e308
                for g in range(G):
                    al = alphas[g]
                    y = a * z0[j, g] + al * z1[j, g]
                    e = xt - y
                    n0 = a * z0[j, g] + K0[t, g] * e
                    n1 = al * z1[j, g] + K1[t, g] * e
                    z0[j, g] = n0
                    z1[j, g] = n1
                    ybuf[g] = a * n0 + al * n1
                    l = lw[j, g] - 0.5 * e * e * iS[t, g] - hlS[t, g]
                    lw[j, g] = l
                    mx = max(mx, l)
                # w_g = exp(lw_g - mx): r = u - n ln2, |r| <= ln2/2, 2^n from exponent bits
                for g in range(G):
                    u = max(lw[j, g] - mx, -700.0)
                    nf = np.floor(u * _LOG2E + 0.5)
                    r = (u - nf * _LN2_HI) - nf * _LN2_LO
                    p = _INV_FACT[13]  # Horner: sum_i r^i / i!, i = 0..13
                    for i in range(12, -1, -1):
                        p = p * r + _INV_FACT[i]
                    poly[g] = p
                    fb[g] = (nf + 1023.0) + _TWO52
                for g in range(G):
                    ib_[g] = (ib_[g] - _TWO52_BITS) << 52
                num = 0.0
                den = 0.0
                for g in range(G):
                    w = poly[g] * fb[g]
                    den += w
                    num += w * ybuf[g]
                pred[b0 + j, t] = num / den
        for j in range(nb):
            for g in range(G):
                lw_out[b0 + j, g] = lw[j, g]


def bayes_grid_predict(
    x: object, a: float, alphas: object, log_prior: object, q: float = 1.0
) -> BayesGridResult:
    """Posterior-predictive mean of x_{t+1} on the colored-noise task with alpha unknown.

    x: (B, T) observations (x_t = z_t + v_t, stationary start); a: known signal pole;
    alphas: (G,) grid of noise poles (|alpha| < 1); log_prior: (G,) log prior weights
    (normalised here); q: signal noise variance. Returns :class:`BayesGridResult` --
    pred (B, T): pred[:, t] = E[x[:, t+1] | x[:, :t+1]] (0-based: the prediction of the next
    observation after seeing t+1 of them), and log_post_final (B, G).
    """
    xa = np.asarray(x, dtype=np.float64)
    if xa.ndim == 3 and xa.shape[2] == 1:
        xa = xa[:, :, 0]
    if xa.ndim != 2 or xa.shape[0] < 1 or xa.shape[1] < 1:
        raise ValidationError("x", "must have shape (batch, time)", f"got {np.shape(x)}")
    if not np.all(np.isfinite(xa)):
        raise ValidationError("x", "must be finite", "contains NaN or inf")
    al = np.asarray(alphas, dtype=np.float64).reshape(-1)
    if al.size < 1 or not np.all(np.isfinite(al)) or not np.all(np.abs(al) < 1.0):
        raise ValidationError(
            "alphas",
            "must be a non-empty grid with every |alpha| < 1",
            f"got range [{np.min(al) if al.size else 'empty'}, "
            f"{np.max(al) if al.size else 'empty'}]",
        )
    lp = np.asarray(log_prior, dtype=np.float64).reshape(-1)
    if lp.shape != al.shape:
        raise ValidationError(
            "log_prior", f"must have shape {al.shape} like alphas", f"got {lp.shape}"
        )
    if not np.all(np.isfinite(lp)):
        raise ValidationError(
            "log_prior", "must be finite (drop zero-prior grid points)", "contains NaN or inf"
        )
    a_ = float(a)
    if not (np.isfinite(a_) and abs(a_) < 1.0):
        raise ValidationError("a", "must satisfy |a| < 1 (stationary AR(1))", f"got {a!r}")
    if not (np.isfinite(q) and q > 0):
        raise ValidationError("q", "must be positive and finite", f"got {q!r}")
    lp = lp - (np.max(lp) + np.log(np.sum(np.exp(lp - np.max(lp)))))
    xa = np.ascontiguousarray(xa)
    B, T = xa.shape
    K0, K1, iS, hlS = grid_gains(a_, al, T, q)
    pred = np.empty((B, T))
    lw = np.empty((B, al.size))
    _bayes_kernel(xa, a_, np.ascontiguousarray(al), K0, K1, iS, hlS, lp, pred, lw)
    mx = np.max(lw, axis=1, keepdims=True)
    lse = mx + np.log(np.sum(np.exp(lw - mx), axis=1, keepdims=True))
    return BayesGridResult(pred, lw - lse)
