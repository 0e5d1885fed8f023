"""numba kernels of the Kalman covariance recursion (private; the public API is
:mod:`chasm_theory.oracles.kalman`).

One Riccati step is written once, as small ``@njit`` helpers (predict, innovation covariance,
Cholesky, gain solve, Joseph update) that both the time-varying gain kernel and the serial
per-sequence filter call. All arithmetic is float64; no matrix inverse is formed (Cholesky
factors of S_t and forward/backward substitution). The lane-vectorised kernels are in
:mod:`chasm_theory.oracles._kalman_lanes` and re-exported here.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from chasm_theory.oracles._kalman_lanes import (  # noqa: F401  (re-exported kernels)
    LANES,
    TILE,
    filter_d2m1,
    filter_generic,
    filter_per_sequence_d2m1,
)

# --------------------------------------------------------------------------- one Riccati step

@njit(cache=True)
def _chol_inplace(S: np.ndarray, L: np.ndarray) -> bool:
    """Lower Cholesky factor of the (m, m) matrix S into L; False if S is not (numerically) PD."""
    m = S.shape[0]
    for i in range(m):
        for j in range(m):
            L[i, j] = 0.0
    for j in range(m):
        s = S[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        if not (s > 1e-14 * abs(S[j, j])) or not (s > 0.0):
            return False
        ljj = np.sqrt(s)
        L[j, j] = ljj
        for i in range(j + 1, m):
            s2 = S[i, j]
            for k in range(j):
                s2 -= L[i, k] * L[j, k]
            L[i, j] = s2 / ljj
    return True


@njit(cache=True)
def _sandwich_sym(X, Y, add, out):
    """out = X Y X^T + add, symmetrised; X (p, q), Y (q, q), add/out (p, p)."""
    p, q = X.shape
    for i in range(p):
        for j in range(i, p):
            s = 0.0
            for k in range(q):
                xk = 0.0
                for l in range(q):
                    xk += Y[k, l] * X[j, l]
                s += X[i, k] * xk
            v = s + 0.5 * (add[i, j] + add[j, i])
            out[i, j] = v
            out[j, i] = v


@njit(cache=True)
def _gain(C, Pp, L, CP, Y, Kt):
    """Kalman gain K (d, m) into Kt, solving S K^T = C Pp with S = L L^T: forward L Y = C Pp,
    then backward L^T K^T = Y. CP (m, d) receives C Pp."""
    m, d = C.shape
    for i in range(m):
        for j in range(d):
            s = 0.0
            for k in range(d):
                s += C[i, k] * Pp[k, j]
            CP[i, j] = s
    for j in range(d):
        for i in range(m):
            s = CP[i, j]
            for k in range(i):
                s -= L[i, k] * Y[k, j]
            Y[i, j] = s / L[i, i]
        for i in range(m - 1, -1, -1):
            s = Y[i, j]
            for k in range(i + 1, m):
                s -= L[k, i] * Kt[j, k]
            Kt[j, i] = s / L[i, i]


@njit(cache=True)
def _joseph(Kt, C, Pp, R, IKC, KRK, P):
    """Joseph-form update P = (I - K C) Pp (I - K C)^T + K R K^T, symmetrised (KRK: work)."""
    d, m = Kt.shape
    for i in range(d):
        for j in range(d):
            s = 1.0 if i == j else 0.0
            for k in range(m):
                s -= Kt[i, k] * C[k, j]
            IKC[i, j] = s
    for i in range(d):
        for j in range(d):
            KRK[i, j] = 0.0
    _sandwich_sym(Kt, R, KRK, KRK)
    _sandwich_sym(IKC, Pp, KRK, P)


@njit(cache=True)
def _riccati_step(A, C, Q, R, P, Pp, S, L, CP, Y, Kt, IKC, KRK):
    """One step from P_{t-1|t-1} (in P) to P_{t|t} (in P): Pp = A P A^T + Q, S = C Pp C^T + R,
    L = chol(S), K = Pp C^T S^{-1}, Joseph update. Returns False if S is not PD."""
    _sandwich_sym(A, P, Q, Pp)
    _sandwich_sym(C, Pp, R, S)
    if not _chol_inplace(S, L):
        return False
    _gain(C, Pp, L, CP, Y, Kt)
    _joseph(Kt, C, Pp, R, IKC, KRK, P)
    return True


@njit(cache=True)
def _work(d, m):
    """Work arrays of :func:`_riccati_step`: Pp, S, L, CP, Y, Kt, IKC, KRK."""
    return (np.empty((d, d)), np.empty((m, m)), np.empty((m, m)), np.empty((m, d)),
            np.empty((m, d)), np.empty((d, m)), np.empty((d, d)), np.empty((d, d)))


# --------------------------------------------------------------------------- kernels

@njit(cache=True)
def riccati_kernel(A, C, Q, R, P0, T, K_out, Pp_out, Pf_out, S_out, L_out):
    """Time-varying covariance recursion from P_{0|0} = P0, Joseph-form update.

    Writes, for t = 0..T-1 (time t+1): K (T, d, m), P_{t|t-1} (T, d, d), P_{t|t} (T, d, d),
    S (T, m, m), chol(S) (T, m, m). Returns -1, or the first step index whose S is not PD.
    """
    d = A.shape[0]
    m = C.shape[0]
    P = P0.copy()
    Pp, S, L, CP, Y, Kt, IKC, KRK = _work(d, m)
    for t in range(T):
        if not _riccati_step(A, C, Q, R, P, Pp, S, L, CP, Y, Kt, IKC, KRK):
            return t
        K_out[t] = Kt
        Pp_out[t] = Pp
        Pf_out[t] = P
        S_out[t] = S
        L_out[t] = L
    return -1


@njit(cache=True)
def filter_per_sequence(x, A, C, Q, R, m0, P0, filt, pred, pobs, onestep, innov, ll, Pf_last,
                        Pp_last):
    """Kalman filter carrying each sequence's own covariance (and parameters), any (d, m).

    Serial (the general-purpose reference; ``filter_per_sequence_d2m1`` is the fast path).

    x: (B, T, m); A: (B, d, d); C: (B, m, d); Q: (B, d, d); R: (B, m, m); m0: (B, d);
    P0: (B, d, d). Writes the (B, T, .) outputs, the exact log-likelihood ll (B,), and the
    final P_{T|T}, P_{T|T-1} (B, d, d). Returns -1, or b * T + t of the first non-PD S.
    """
    B = x.shape[0]
    for b in range(B):
        t = _per_sequence_one(b, x, A[b], C[b], Q[b], R[b], m0[b], P0[b], filt, pred, pobs,
                              onestep, innov, ll, Pf_last, Pp_last)
        if t >= 0:
            return b * x.shape[1] + t
    return -1


@njit(cache=True)
def _per_sequence_one(b, x, Ab, Cb, Qb, Rb, m0b, P0b, filt, pred, pobs, onestep, innov, ll,
                      Pf_last, Pp_last):
    """Sequence ``b`` of :func:`filter_per_sequence`; returns -1 or the step of a non-PD S."""
    T = x.shape[1]
    d = Ab.shape[0]
    m = Cb.shape[0]
    log2pi = np.log(2.0 * np.pi)
    CA = Cb @ Ab
    P = P0b.copy()
    z = m0b.copy()
    p = np.empty(d)
    e = np.empty(m)
    w = np.empty(m)
    Pp, S, L, CP, Y, Kt, IKC, KRK = _work(d, m)
    acc = 0.0
    for t in range(T):
        if not _riccati_step(Ab, Cb, Qb, Rb, P, Pp, S, L, CP, Y, Kt, IKC, KRK):
            return t
        for i in range(d):
            s = 0.0
            for k in range(d):
                s += Ab[i, k] * z[k]
            p[i] = s
        for i in range(m):
            s = x[b, t, i]
            for k in range(d):
                s -= Cb[i, k] * p[k]
            e[i] = s
        for i in range(d):
            s = p[i]
            for k in range(m):
                s += Kt[i, k] * e[k]
            z[i] = s
        for i in range(m):  # whitened innovation: forward substitution L w = e
            s = e[i]
            for k in range(i):
                s -= L[i, k] * w[k]
            w[i] = s / L[i, i]
            acc += w[i] * w[i] + 2.0 * np.log(L[i, i]) + log2pi
        for i in range(d):
            filt[b, t, i] = z[i]
            pred[b, t, i] = p[i]
        for i in range(m):
            innov[b, t, i] = e[i]
            pobs[b, t, i] = x[b, t, i] - e[i]
            s = 0.0
            for k in range(d):
                s += CA[i, k] * z[k]
            onestep[b, t, i] = s
    ll[b] = -0.5 * acc
    Pf_last[b] = P
    Pp_last[b] = Pp
    return -1
