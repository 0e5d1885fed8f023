"""Brute-force oracle: the joint Gaussian law of (z_1..z_T, x_1..x_T) and exact conditioning.

Independent of every filter (no recursion): moments are built in closed form from the
parameters (same convention as :mod:`chasm_theory.lgssm`: z_0 ~ N(m0, P0), z_t = A z_{t-1} + w_t,
x_t = C z_t + v_t, t = 1..T), then conditioned by a positive-definite solve. A float64 version
(``scipy.linalg.solve(..., assume_a='pos')``) and an mpmath version (``mp.dps = 50`` by
default) for small cases. Times ``t`` are 1-based: "given x_1..x_t".
"""

from __future__ import annotations

from typing import NamedTuple

import mpmath
import numpy as np
import scipy.linalg

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.lgssm import LGSSMParams

__all__ = [
    "JointMoments",
    "GaussianCond",
    "joint_moments",
    "conditional_state_mean",
    "conditional_next_obs",
    "log_marginal_likelihood",
    "conditional_state_mean_mp",
    "conditional_next_obs_mp",
    "log_marginal_likelihood_mp",
]


class JointMoments(NamedTuple):
    """Moments of the stacked vectors Z = (z_1..z_T) (T*d,) and X = (x_1..x_T) (T*m,).

    mu_z (T*d,), mu_x (T*m,), S_zz (T*d, T*d), S_zx (T*d, T*m), S_xx (T*m, T*m).
    """

    mu_z: np.ndarray
    mu_x: np.ndarray
    S_zz: np.ndarray
    S_zx: np.ndarray
    S_xx: np.ndarray


class GaussianCond(NamedTuple):
    """A conditional Gaussian: mean (k,) and covariance (k, k)."""

    mean: np.ndarray
    cov: np.ndarray


def _seq(params: LGSSMParams, x_seq: object, t: int) -> np.ndarray:
    m = params.C.shape[0]
    x = np.asarray(x_seq, dtype=np.float64)
    if x.ndim == 1 and m == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != m:
        raise ValidationError("x_seq", f"must have shape (time, {m})", f"got {np.shape(x_seq)}")
    if not isinstance(t, (int, np.integer)) or not 0 <= t <= x.shape[0]:
        raise ValidationError("t", f"must be an integer in 0..{x.shape[0]}", f"got {t!r}")
    if not np.all(np.isfinite(x[:t])):
        raise ValidationError("x_seq", "must be finite", "contains NaN or inf")
    return x


def joint_moments(params: LGSSMParams, T: int) -> JointMoments:
    """Closed-form moments of (z_1..z_T, x_1..x_T) for T steps (float64).

    E z_t = A^t m0; Var z_t = A Var z_{t-1} A^T + Q from Var z_0 = P0;
    Cov(z_s, z_t) = A^{s-t} Var z_t for s >= t; x = C z + v with Cov(v_s, v_t) = R 1[s = t].
    """
    A, C, Q, R, m0, P0 = params
    d = A.shape[0]
    mus = []
    vars_ = []
    mu, V = m0.copy(), P0.copy()
    for _ in range(T):
        mu = A @ mu
        V = A @ V @ A.T + Q
        mus.append(mu)
        vars_.append(V)
    Szz = np.zeros((T * d, T * d))
    for t in range(T):
        blk = vars_[t]
        for s in range(t, T):  # Cov(z_s, z_t) = A^{s-t} Var z_t
            Szz[s * d : (s + 1) * d, t * d : (t + 1) * d] = blk
            Szz[t * d : (t + 1) * d, s * d : (s + 1) * d] = blk.T
            blk = A @ blk
    Cb = np.kron(np.eye(T), C)
    Szx = Szz @ Cb.T
    Sxx = Cb @ Szz @ Cb.T + np.kron(np.eye(T), R)
    Sxx = 0.5 * (Sxx + Sxx.T)
    mu_z = np.concatenate(mus) if T else np.zeros(0)
    return JointMoments(mu_z, Cb @ mu_z, Szz, Szx, Sxx)


def _cond(
    mu_a: np.ndarray,
    mu_b: np.ndarray,
    S_aa: np.ndarray,
    S_ab: np.ndarray,
    S_bb: np.ndarray,
    xb: np.ndarray,
) -> GaussianCond:
    """Law of a given b = xb for a jointly Gaussian (a, b)."""
    if xb.size == 0:
        return GaussianCond(mu_a.copy(), S_aa.copy())
    sol = scipy.linalg.solve(S_bb, np.column_stack([xb - mu_b, S_ab.T]), assume_a="pos")
    mean = mu_a + S_ab @ sol[:, 0]
    cov = S_aa - S_ab @ sol[:, 1:]
    return GaussianCond(mean, 0.5 * (cov + cov.T))


def conditional_state_mean(params: LGSSMParams, x_seq: object, t: int) -> GaussianCond:
    """E[z_t | x_1..x_t] (d,) and Cov[z_t | x_1..x_t] (d, d); x_seq: (time >= t, m) or
    (time,) when m = 1; t >= 1 is 1-based (t = 0 gives the prior of z_0)."""
    x = _seq(params, x_seq, t)
    d, m = params.A.shape[0], params.C.shape[0]
    if t == 0:
        return GaussianCond(params.m0.copy(), params.P0.copy())
    J = joint_moments(params, t)
    sl = slice((t - 1) * d, t * d)
    return _cond(J.mu_z[sl], J.mu_x, J.S_zz[sl, sl], J.S_zx[sl, :], J.S_xx, x[:t].reshape(t * m))


def conditional_next_obs(params: LGSSMParams, x_seq: object, t: int) -> GaussianCond:
    """E[x_{t+1} | x_1..x_t] (m,) and its covariance (m, m), by conditioning the joint law of
    (x_1..x_{t+1}) directly (t = 0: the marginal of x_1)."""
    x = _seq(params, x_seq, t)
    m = params.C.shape[0]
    J = joint_moments(params, t + 1)
    last = slice(t * m, (t + 1) * m)
    head = slice(0, t * m)
    return _cond(
        J.mu_x[last],
        J.mu_x[head],
        J.S_xx[last, last],
        J.S_xx[last, head],
        J.S_xx[head, head],
        x[:t].reshape(t * m),
    )


def log_marginal_likelihood(params: LGSSMParams, x_seq: object) -> float:
    """log N(x_1..x_T; mu_x, S_xx) for one sequence x_seq (T, m) or (T,), by Cholesky."""
    x = _seq(params, x_seq, np.asarray(x_seq).shape[0])
    T, m = x.shape
    J = joint_moments(params, T)
    L = np.linalg.cholesky(J.S_xx)
    w = scipy.linalg.solve_triangular(L, x.reshape(T * m) - J.mu_x, lower=True)
    return float(-0.5 * (w @ w) - np.sum(np.log(np.diag(L))) - 0.5 * T * m * np.log(2 * np.pi))


# ------------------------------------------------------------------------------------- mpmath


def _mpm(M: np.ndarray) -> mpmath.matrix:
    M = np.atleast_2d(np.asarray(M, dtype=np.float64))
    return mpmath.matrix([[mpmath.mpf(float(v)) for v in row] for row in M])


def _joint_mp(params: LGSSMParams, T: int) -> tuple[mpmath.matrix, ...]:
    A, C, Q, R = _mpm(params.A), _mpm(params.C), _mpm(params.Q), _mpm(params.R)
    m0, P0 = _mpm(np.reshape(params.m0, (-1, 1))), _mpm(params.P0)
    d, m = A.rows, C.rows
    mus, vars_ = [], []
    mu, V = m0, P0
    for _ in range(T):
        mu = A * mu
        V = A * V * A.T + Q
        mus.append(mu)
        vars_.append(V)
    Szz = mpmath.zeros(T * d, T * d)
    for t in range(T):
        blk = vars_[t]
        for s in range(t, T):
            for i in range(d):
                for j in range(d):
                    Szz[s * d + i, t * d + j] = blk[i, j]
                    Szz[t * d + j, s * d + i] = blk[i, j]
            blk = A * blk
    Cb = mpmath.zeros(T * m, T * d)
    Rb = mpmath.zeros(T * m, T * m)
    mu_z = mpmath.zeros(T * d, 1)
    for t in range(T):
        for i in range(m):
            for j in range(d):
                Cb[t * m + i, t * d + j] = C[i, j]
            for j in range(m):
                Rb[t * m + i, t * m + j] = R[i, j]
        for i in range(d):
            mu_z[t * d + i] = mus[t][i]
    return mu_z, Cb * mu_z, Szz, Szz * Cb.T, Cb * Szz * Cb.T + Rb


def _sub(M: mpmath.matrix, rows: range, cols: range) -> mpmath.matrix:
    out = mpmath.zeros(len(rows), len(cols))
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            out[a, b] = M[i, j]
    return out


def _cond_mp(mu_a, mu_b, S_aa, S_ab, S_bb, xb) -> tuple[mpmath.matrix, mpmath.matrix]:
    if S_bb.rows == 0:
        return mu_a, S_aa
    rhs = xb - mu_b
    sol = mpmath.cholesky_solve(S_bb, rhs)
    mean = mu_a + S_ab * sol
    cols = [
        mpmath.cholesky_solve(S_bb, _sub(S_ab.T, range(S_bb.rows), range(k, k + 1)))
        for k in range(S_ab.rows)
    ]
    X = mpmath.zeros(S_bb.rows, S_ab.rows)
    for k, c in enumerate(cols):
        for i in range(S_bb.rows):
            X[i, k] = c[i]
    return mean, S_aa - S_ab * X


def _to_np(M: mpmath.matrix) -> np.ndarray:
    return np.array([[float(M[i, j]) for j in range(M.cols)] for i in range(M.rows)])


def conditional_state_mean_mp(
    params: LGSSMParams, x_seq: object, t: int, dps: int = 50, as_mp: bool = False
) -> GaussianCond:
    """mpmath (``dps`` digits) version of :func:`conditional_state_mean`; the float64 inputs
    are taken as exact. Returns float64 arrays (or mpmath matrices if ``as_mp``)."""
    x = _seq(params, x_seq, t)
    d, m = params.A.shape[0], params.C.shape[0]
    with mpmath.workdps(dps):
        if t == 0:
            mean, cov = _mpm(np.reshape(params.m0, (-1, 1))), _mpm(params.P0)
        else:
            mu_z, mu_x, Szz, Szx, Sxx = _joint_mp(params, t)
            r = range((t - 1) * d, t * d)
            n = range(t * m)
            mean, cov = _cond_mp(
                _sub(mu_z, r, range(1)),
                mu_x,
                _sub(Szz, r, r),
                _sub(Szx, r, n),
                Sxx,
                _mpm(x[:t].reshape(-1, 1)),
            )
        if as_mp:
            return GaussianCond(mean, cov)
        return GaussianCond(_to_np(mean)[:, 0], _to_np(cov))


def conditional_next_obs_mp(
    params: LGSSMParams, x_seq: object, t: int, dps: int = 50, as_mp: bool = False
) -> GaussianCond:
    """mpmath version of :func:`conditional_next_obs`."""
    x = _seq(params, x_seq, t)
    m = params.C.shape[0]
    with mpmath.workdps(dps):
        _mu_z, mu_x, _Szz, _Szx, Sxx = _joint_mp(params, t + 1)
        last = range(t * m, (t + 1) * m)
        head = range(t * m)
        if t == 0:
            mean, cov = _sub(mu_x, last, range(1)), _sub(Sxx, last, last)
        else:
            mean, cov = _cond_mp(
                _sub(mu_x, last, range(1)),
                _sub(mu_x, head, range(1)),
                _sub(Sxx, last, last),
                _sub(Sxx, last, head),
                _sub(Sxx, head, head),
                _mpm(x[:t].reshape(-1, 1)),
            )
        if as_mp:
            return GaussianCond(mean, cov)
        return GaussianCond(_to_np(mean)[:, 0], _to_np(cov))


def log_marginal_likelihood_mp(params: LGSSMParams, x_seq: object, dps: int = 50) -> float:
    """mpmath version of :func:`log_marginal_likelihood`."""
    x = _seq(params, x_seq, np.asarray(x_seq).shape[0])
    T, m = x.shape
    with mpmath.workdps(dps):
        _mu_z, mu_x, _Szz, _Szx, Sxx = _joint_mp(params, T)
        L = mpmath.cholesky(Sxx)
        r = _mpm(x.reshape(-1, 1)) - mu_x
        w = mpmath.lu_solve(L, r)
        quad = sum(w[i] ** 2 for i in range(w.rows))
        logdet = sum(mpmath.log(L[i, i]) for i in range(L.rows))
        return float(-quad / 2 - logdet - mpmath.mpf(T * m) / 2 * mpmath.log(2 * mpmath.pi))
