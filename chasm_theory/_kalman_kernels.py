"""numba kernels of the Kalman filters (private; the public API is :mod:`chasm_theory.kalman`).

Layout: observations arrive as (batch, time, obs). A kernel takes the batch in blocks of
``LANES`` sequences, and time in tiles of ``TILE`` steps; each tile is transposed into a small
(tile, lanes) buffer that stays in L1, the recursion runs with the lane index innermost (so
LLVM vectorises across sequences), and the outputs are transposed back. Blocks run in
parallel (``prange``). All arithmetic is float64; no matrix inverse is formed (Cholesky
factors of S_t and forward substitution).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

LANES = 8
TILE = 32


# --------------------------------------------------------------------------- Riccati recursion

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
def riccati_kernel(A, C, Q, R, P0, T, K_out, Pp_out, Pf_out, S_out, L_out):
    """Time-varying covariance recursion from P_{0|0} = P0, Joseph-form update.

    Writes, for t = 0..T-1 (time t+1): K (T, d, m), P_{t|t-1} (T, d, d), P_{t|t} (T, d, d),
    S (T, m, m), chol(S) (T, m, m). Returns -1, or the first step index whose S is not PD.
    """
    d = A.shape[0]
    m = C.shape[0]
    P = P0.copy()
    AP = np.empty((d, d))
    Pp = np.empty((d, d))
    CP = np.empty((m, d))
    S = np.empty((m, m))
    L = np.empty((m, m))
    Kt = np.empty((d, m))
    Y = np.empty((m, d))
    IKC = np.empty((d, d))
    M1 = np.empty((d, d))
    Pf = np.empty((d, d))
    for t in range(T):
        # predict: Pp = A P A^T + Q
        for i in range(d):
            for j in range(d):
                s = 0.0
                for k in range(d):
                    s += A[i, k] * P[k, j]
                AP[i, j] = s
        for i in range(d):
            for j in range(d):
                s = Q[i, j]
                for k in range(d):
                    s += AP[i, k] * A[j, k]
                Pp[i, j] = s
        for i in range(d):
            for j in range(i + 1, d):
                v = 0.5 * (Pp[i, j] + Pp[j, i])
                Pp[i, j] = v
                Pp[j, i] = v
        # S = C Pp C^T + R
        for i in range(m):
            for j in range(d):
                s = 0.0
                for k in range(d):
                    s += C[i, k] * Pp[k, j]
                CP[i, j] = s
        for i in range(m):
            for j in range(m):
                s = R[i, j]
                for k in range(d):
                    s += CP[i, k] * C[j, k]
                S[i, j] = s
        for i in range(m):
            for j in range(i + 1, m):
                v = 0.5 * (S[i, j] + S[j, i])
                S[i, j] = v
                S[j, i] = v
        if not _chol_inplace(S, L):
            return t
        # K^T solves S K^T = C Pp: forward (L Y = C Pp) then backward (L^T K^T = Y)
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
        # Joseph: Pf = (I - K C) Pp (I - K C)^T + K R K^T
        for i in range(d):
            for j in range(d):
                s = 1.0 if i == j else 0.0
                for k in range(m):
                    s -= Kt[i, k] * C[k, j]
                IKC[i, j] = s
        for i in range(d):
            for j in range(d):
                s = 0.0
                for k in range(d):
                    s += IKC[i, k] * Pp[k, j]
                M1[i, j] = s
        for i in range(d):
            for j in range(d):
                s = 0.0
                for k in range(d):
                    s += M1[i, k] * IKC[j, k]
                for k in range(m):
                    for l in range(m):
                        s += Kt[i, k] * R[k, l] * Kt[j, l]
                Pf[i, j] = s
        for i in range(d):
            for j in range(d):
                P[i, j] = 0.5 * (Pf[i, j] + Pf[j, i])
        K_out[t] = Kt
        Pp_out[t] = Pp
        Pf_out[t] = P
        S_out[t] = S
        L_out[t] = L
    return -1


# --------------------------------------------------------------------- shared-gain filter, d=2, m=1

# BEGIN GENERATED filter_d2m1 (by _gen_filter_d2m1; do not edit by hand)
@njit(parallel=True, cache=True, fastmath={'contract'})
def filter_d2m1(x, A, C, K, il, m0, full, filt, pred, pobs, onestep, innov, quad):
    """Shared-gain filter for d = 2, m = 1 (lanes unrolled into scalars; generated code).

    x: (B, T, 1); K: (T, 2, 1); il: (T,) = 1 / sqrt(S_t); m0: (2,).
    Outputs (B, T, .): filt = z_{t|t}; if ``full`` also pred = z_{t|t-1}, pobs = C z_{t|t-1},
    onestep = C A z_{t|t}, innov = x_t - C z_{t|t-1}; quad (B,) = sum_t e_t^2 / S_t (always).
    """
    B = x.shape[0]
    T = x.shape[1]
    a00, a01, a10, a11 = A[0, 0], A[0, 1], A[1, 0], A[1, 1]
    c0, c1 = C[0, 0], C[0, 1]
    ca0 = c0 * a00 + c1 * a10
    ca1 = c0 * a01 + c1 * a11
    nblk = (B + 7) // 8
    for ib in prange(nblk):
        b0 = ib * 8
        nb = min(8, B - b0)
        xb = np.zeros((TILE, 8))
        ob = np.empty((7, TILE, 8))
        z0_0 = m0[0]; z1_0 = m0[1]; q_0 = 0.0
        z0_1 = m0[0]; z1_1 = m0[1]; q_1 = 0.0
        z0_2 = m0[0]; z1_2 = m0[1]; q_2 = 0.0
        z0_3 = m0[0]; z1_3 = m0[1]; q_3 = 0.0
        z0_4 = m0[0]; z1_4 = m0[1]; q_4 = 0.0
        z0_5 = m0[0]; z1_5 = m0[1]; q_5 = 0.0
        z0_6 = m0[0]; z1_6 = m0[1]; q_6 = 0.0
        z0_7 = m0[0]; z1_7 = m0[1]; q_7 = 0.0
        for t0 in range(0, T, TILE):
            tn = min(TILE, T - t0)
            for j in range(nb):
                for s in range(tn):
                    xb[s, j] = x[b0 + j, t0 + s, 0]
            if full:
                for s in range(tn):
                    k0 = K[t0 + s, 0, 0]; k1 = K[t0 + s, 1, 0]; ils = il[t0 + s]
                    p0_0 = a00 * z0_0 + a01 * z1_0; p1_0 = a10 * z0_0 + a11 * z1_0
                    yo_0 = c0 * p0_0 + c1 * p1_0; e_0 = xb[s, 0] - yo_0
                    z0_0 = p0_0 + k0 * e_0; z1_0 = p1_0 + k1 * e_0
                    w_0 = e_0 * ils; q_0 += w_0 * w_0
                    p0_1 = a00 * z0_1 + a01 * z1_1; p1_1 = a10 * z0_1 + a11 * z1_1
                    yo_1 = c0 * p0_1 + c1 * p1_1; e_1 = xb[s, 1] - yo_1
                    z0_1 = p0_1 + k0 * e_1; z1_1 = p1_1 + k1 * e_1
                    w_1 = e_1 * ils; q_1 += w_1 * w_1
                    p0_2 = a00 * z0_2 + a01 * z1_2; p1_2 = a10 * z0_2 + a11 * z1_2
                    yo_2 = c0 * p0_2 + c1 * p1_2; e_2 = xb[s, 2] - yo_2
                    z0_2 = p0_2 + k0 * e_2; z1_2 = p1_2 + k1 * e_2
                    w_2 = e_2 * ils; q_2 += w_2 * w_2
                    p0_3 = a00 * z0_3 + a01 * z1_3; p1_3 = a10 * z0_3 + a11 * z1_3
                    yo_3 = c0 * p0_3 + c1 * p1_3; e_3 = xb[s, 3] - yo_3
                    z0_3 = p0_3 + k0 * e_3; z1_3 = p1_3 + k1 * e_3
                    w_3 = e_3 * ils; q_3 += w_3 * w_3
                    p0_4 = a00 * z0_4 + a01 * z1_4; p1_4 = a10 * z0_4 + a11 * z1_4
                    yo_4 = c0 * p0_4 + c1 * p1_4; e_4 = xb[s, 4] - yo_4
                    z0_4 = p0_4 + k0 * e_4; z1_4 = p1_4 + k1 * e_4
                    w_4 = e_4 * ils; q_4 += w_4 * w_4
                    p0_5 = a00 * z0_5 + a01 * z1_5; p1_5 = a10 * z0_5 + a11 * z1_5
                    yo_5 = c0 * p0_5 + c1 * p1_5; e_5 = xb[s, 5] - yo_5
                    z0_5 = p0_5 + k0 * e_5; z1_5 = p1_5 + k1 * e_5
                    w_5 = e_5 * ils; q_5 += w_5 * w_5
                    p0_6 = a00 * z0_6 + a01 * z1_6; p1_6 = a10 * z0_6 + a11 * z1_6
                    yo_6 = c0 * p0_6 + c1 * p1_6; e_6 = xb[s, 6] - yo_6
                    z0_6 = p0_6 + k0 * e_6; z1_6 = p1_6 + k1 * e_6
                    w_6 = e_6 * ils; q_6 += w_6 * w_6
                    p0_7 = a00 * z0_7 + a01 * z1_7; p1_7 = a10 * z0_7 + a11 * z1_7
                    yo_7 = c0 * p0_7 + c1 * p1_7; e_7 = xb[s, 7] - yo_7
                    z0_7 = p0_7 + k0 * e_7; z1_7 = p1_7 + k1 * e_7
                    w_7 = e_7 * ils; q_7 += w_7 * w_7
                    ob[0, s, 0] = z0_0; ob[1, s, 0] = z1_0
                    ob[0, s, 1] = z0_1; ob[1, s, 1] = z1_1
                    ob[0, s, 2] = z0_2; ob[1, s, 2] = z1_2
                    ob[0, s, 3] = z0_3; ob[1, s, 3] = z1_3
                    ob[0, s, 4] = z0_4; ob[1, s, 4] = z1_4
                    ob[0, s, 5] = z0_5; ob[1, s, 5] = z1_5
                    ob[0, s, 6] = z0_6; ob[1, s, 6] = z1_6
                    ob[0, s, 7] = z0_7; ob[1, s, 7] = z1_7
                    ob[2, s, 0] = p0_0; ob[3, s, 0] = p1_0; ob[4, s, 0] = yo_0
                    ob[5, s, 0] = ca0 * z0_0 + ca1 * z1_0; ob[6, s, 0] = e_0
                    ob[2, s, 1] = p0_1; ob[3, s, 1] = p1_1; ob[4, s, 1] = yo_1
                    ob[5, s, 1] = ca0 * z0_1 + ca1 * z1_1; ob[6, s, 1] = e_1
                    ob[2, s, 2] = p0_2; ob[3, s, 2] = p1_2; ob[4, s, 2] = yo_2
                    ob[5, s, 2] = ca0 * z0_2 + ca1 * z1_2; ob[6, s, 2] = e_2
                    ob[2, s, 3] = p0_3; ob[3, s, 3] = p1_3; ob[4, s, 3] = yo_3
                    ob[5, s, 3] = ca0 * z0_3 + ca1 * z1_3; ob[6, s, 3] = e_3
                    ob[2, s, 4] = p0_4; ob[3, s, 4] = p1_4; ob[4, s, 4] = yo_4
                    ob[5, s, 4] = ca0 * z0_4 + ca1 * z1_4; ob[6, s, 4] = e_4
                    ob[2, s, 5] = p0_5; ob[3, s, 5] = p1_5; ob[4, s, 5] = yo_5
                    ob[5, s, 5] = ca0 * z0_5 + ca1 * z1_5; ob[6, s, 5] = e_5
                    ob[2, s, 6] = p0_6; ob[3, s, 6] = p1_6; ob[4, s, 6] = yo_6
                    ob[5, s, 6] = ca0 * z0_6 + ca1 * z1_6; ob[6, s, 6] = e_6
                    ob[2, s, 7] = p0_7; ob[3, s, 7] = p1_7; ob[4, s, 7] = yo_7
                    ob[5, s, 7] = ca0 * z0_7 + ca1 * z1_7; ob[6, s, 7] = e_7
            else:
                for s in range(tn):
                    k0 = K[t0 + s, 0, 0]; k1 = K[t0 + s, 1, 0]; ils = il[t0 + s]
                    p0_0 = a00 * z0_0 + a01 * z1_0; p1_0 = a10 * z0_0 + a11 * z1_0
                    yo_0 = c0 * p0_0 + c1 * p1_0; e_0 = xb[s, 0] - yo_0
                    z0_0 = p0_0 + k0 * e_0; z1_0 = p1_0 + k1 * e_0
                    w_0 = e_0 * ils; q_0 += w_0 * w_0
                    p0_1 = a00 * z0_1 + a01 * z1_1; p1_1 = a10 * z0_1 + a11 * z1_1
                    yo_1 = c0 * p0_1 + c1 * p1_1; e_1 = xb[s, 1] - yo_1
                    z0_1 = p0_1 + k0 * e_1; z1_1 = p1_1 + k1 * e_1
                    w_1 = e_1 * ils; q_1 += w_1 * w_1
                    p0_2 = a00 * z0_2 + a01 * z1_2; p1_2 = a10 * z0_2 + a11 * z1_2
                    yo_2 = c0 * p0_2 + c1 * p1_2; e_2 = xb[s, 2] - yo_2
                    z0_2 = p0_2 + k0 * e_2; z1_2 = p1_2 + k1 * e_2
                    w_2 = e_2 * ils; q_2 += w_2 * w_2
                    p0_3 = a00 * z0_3 + a01 * z1_3; p1_3 = a10 * z0_3 + a11 * z1_3
                    yo_3 = c0 * p0_3 + c1 * p1_3; e_3 = xb[s, 3] - yo_3
                    z0_3 = p0_3 + k0 * e_3; z1_3 = p1_3 + k1 * e_3
                    w_3 = e_3 * ils; q_3 += w_3 * w_3
                    p0_4 = a00 * z0_4 + a01 * z1_4; p1_4 = a10 * z0_4 + a11 * z1_4
                    yo_4 = c0 * p0_4 + c1 * p1_4; e_4 = xb[s, 4] - yo_4
                    z0_4 = p0_4 + k0 * e_4; z1_4 = p1_4 + k1 * e_4
                    w_4 = e_4 * ils; q_4 += w_4 * w_4
                    p0_5 = a00 * z0_5 + a01 * z1_5; p1_5 = a10 * z0_5 + a11 * z1_5
                    yo_5 = c0 * p0_5 + c1 * p1_5; e_5 = xb[s, 5] - yo_5
                    z0_5 = p0_5 + k0 * e_5; z1_5 = p1_5 + k1 * e_5
                    w_5 = e_5 * ils; q_5 += w_5 * w_5
                    p0_6 = a00 * z0_6 + a01 * z1_6; p1_6 = a10 * z0_6 + a11 * z1_6
                    yo_6 = c0 * p0_6 + c1 * p1_6; e_6 = xb[s, 6] - yo_6
                    z0_6 = p0_6 + k0 * e_6; z1_6 = p1_6 + k1 * e_6
                    w_6 = e_6 * ils; q_6 += w_6 * w_6
                    p0_7 = a00 * z0_7 + a01 * z1_7; p1_7 = a10 * z0_7 + a11 * z1_7
                    yo_7 = c0 * p0_7 + c1 * p1_7; e_7 = xb[s, 7] - yo_7
                    z0_7 = p0_7 + k0 * e_7; z1_7 = p1_7 + k1 * e_7
                    w_7 = e_7 * ils; q_7 += w_7 * w_7
                    ob[0, s, 0] = z0_0; ob[1, s, 0] = z1_0
                    ob[0, s, 1] = z0_1; ob[1, s, 1] = z1_1
                    ob[0, s, 2] = z0_2; ob[1, s, 2] = z1_2
                    ob[0, s, 3] = z0_3; ob[1, s, 3] = z1_3
                    ob[0, s, 4] = z0_4; ob[1, s, 4] = z1_4
                    ob[0, s, 5] = z0_5; ob[1, s, 5] = z1_5
                    ob[0, s, 6] = z0_6; ob[1, s, 6] = z1_6
                    ob[0, s, 7] = z0_7; ob[1, s, 7] = z1_7
            for j in range(nb):
                for s in range(tn):
                    filt[b0 + j, t0 + s, 0] = ob[0, s, j]
                    filt[b0 + j, t0 + s, 1] = ob[1, s, j]
            if full:
                for j in range(nb):
                    for s in range(tn):
                        pred[b0 + j, t0 + s, 0] = ob[2, s, j]
                        pred[b0 + j, t0 + s, 1] = ob[3, s, j]
                        pobs[b0 + j, t0 + s, 0] = ob[4, s, j]
                        onestep[b0 + j, t0 + s, 0] = ob[5, s, j]
                        innov[b0 + j, t0 + s, 0] = ob[6, s, j]
        qs = (q_0, q_1, q_2, q_3, q_4, q_5, q_6, q_7)
        for j in range(nb):
            quad[b0 + j] = qs[j]
# END GENERATED filter_d2m1


# ------------------------------------------------------------------ shared-gain filter, generic

@njit(parallel=True, cache=True)
def filter_generic(x, A, C, K, Lc, m0, full, filt, pred, pobs, onestep, innov, quad):
    """Shared-gain filter for any (d, m). K: (T, d, m); Lc: (T, m, m) = chol(S_t).

    Same outputs as :func:`filter_d2m1`; quad (B,) = sum_t |Lc_t^{-1} e_t|^2.
    """
    B = x.shape[0]
    T = x.shape[1]
    d = A.shape[0]
    m = C.shape[0]
    CA = C @ A
    nblk = (B + LANES - 1) // LANES
    for ib in prange(nblk):
        b0 = ib * LANES
        nb = min(LANES, B - b0)
        z = np.empty((d, LANES))
        p = np.empty((d, LANES))
        e = np.empty((m, LANES))
        w = np.empty((m, LANES))
        q = np.zeros(LANES)
        xb = np.zeros((TILE, m, LANES))
        fb = np.empty((TILE, d, LANES))
        pb = np.empty((TILE, d, LANES))
        pob = np.empty((TILE, m, LANES))
        osb = np.empty((TILE, m, LANES))
        inb = np.empty((TILE, m, LANES))
        for i in range(d):
            for j in range(LANES):
                z[i, j] = m0[i]
        for t0 in range(0, T, TILE):
            tn = min(TILE, T - t0)
            for jj in range(nb):
                for s in range(tn):
                    for i in range(m):
                        xb[s, i, jj] = x[b0 + jj, t0 + s, i]
            for s in range(tn):
                t = t0 + s
                for i in range(d):
                    for j in range(LANES):
                        p[i, j] = 0.0
                    for k in range(d):
                        a = A[i, k]
                        for j in range(LANES):
                            p[i, j] += a * z[k, j]
                for i in range(m):
                    for j in range(LANES):
                        e[i, j] = xb[s, i, j]
                    for k in range(d):
                        c = C[i, k]
                        for j in range(LANES):
                            e[i, j] -= c * p[k, j]
                for i in range(d):
                    for j in range(LANES):
                        z[i, j] = p[i, j]
                    for k in range(m):
                        kk = K[t, i, k]
                        for j in range(LANES):
                            z[i, j] += kk * e[k, j]
                # whitening: forward substitution Lc_t w = e
                for i in range(m):
                    for j in range(LANES):
                        w[i, j] = e[i, j]
                    for k in range(i):
                        lk = Lc[t, i, k]
                        for j in range(LANES):
                            w[i, j] -= lk * w[k, j]
                    li = 1.0 / Lc[t, i, i]
                    for j in range(LANES):
                        w[i, j] *= li
                        q[j] += w[i, j] * w[i, j]
                for i in range(d):
                    for j in range(LANES):
                        fb[s, i, j] = z[i, j]
                        pb[s, i, j] = p[i, j]
                for i in range(m):
                    for j in range(LANES):
                        inb[s, i, j] = e[i, j]
                        pob[s, i, j] = xb[s, i, j] - e[i, j]
                        osb[s, i, j] = 0.0
                    for k in range(d):
                        c = CA[i, k]
                        for j in range(LANES):
                            osb[s, i, j] += c * z[k, j]
            for jj in range(nb):
                for s in range(tn):
                    for i in range(d):
                        filt[b0 + jj, t0 + s, i] = fb[s, i, jj]
            if full:
                for jj in range(nb):
                    for s in range(tn):
                        for i in range(d):
                            pred[b0 + jj, t0 + s, i] = pb[s, i, jj]
                        for i in range(m):
                            pobs[b0 + jj, t0 + s, i] = pob[s, i, jj]
                            onestep[b0 + jj, t0 + s, i] = osb[s, i, jj]
                            innov[b0 + jj, t0 + s, i] = inb[s, i, jj]
        for jj in range(nb):
            quad[b0 + jj] = q[jj]


# ------------------------------------------------------- per-sequence covariance filter, generic

@njit(parallel=True, cache=True)
def filter_per_sequence(x, A, C, Q, R, m0, P0, filt, pred, pobs, onestep, innov, ll, Pf_last,
                        Pp_last):
    """Kalman filter carrying each sequence's own covariance (and parameters).

    x: (B, T, m); A: (B, d, d); C: (B, m, d); Q: (B, d, d); R: (B, m, m); m0: (B, d);
    P0: (B, d, d). Writes the (B, T, .) outputs, the exact log-likelihood ll (B,), and the
    final P_{T|T}, P_{T|T-1} (B, d, d). Returns -1, or b * T + t of the first non-PD S.
    """
    B = x.shape[0]
    T = x.shape[1]
    d = A.shape[1]
    m = C.shape[1]
    status = np.full(B, -1, dtype=np.int64)
    nblk = (B + LANES - 1) // LANES
    for ib in prange(nblk):
        CA = np.empty((m, d))
        P = np.empty((d, d))
        z = np.empty(d)
        AP = np.empty((d, d))
        Pp = np.empty((d, d))
        CP = np.empty((m, d))
        S = np.empty((m, m))
        L = np.empty((m, m))
        Kt = np.empty((d, m))
        Y = np.empty((m, d))
        IKC = np.empty((d, d))
        M1 = np.empty((d, d))
        p = np.empty(d)
        e = np.empty(m)
        w = np.empty(m)
        for b in range(ib * LANES, min(B, (ib + 1) * LANES)):
            _per_sequence_one(b, x, A[b], C[b], Q[b], R[b], m0[b], P0[b], CA, P, z, AP, Pp, CP,
                              S, L, Kt, Y, IKC, M1, p, e, w, filt, pred, pobs, onestep, innov, ll,
                              Pf_last, Pp_last, status)
    for b in range(B):
        if status[b] >= 0:
            return status[b]
    return -1


@njit(cache=True)
def _per_sequence_one(b, x, Ab, Cb, Qb, Rb, m0b, P0b, CA, P, z, AP, Pp, CP, S, L, Kt, Y, IKC, M1,
                      p, e, w, filt, pred, pobs, onestep, innov, ll, Pf_last, Pp_last, status):
    """One sequence of :func:`filter_per_sequence` (work arrays passed in)."""
    T = x.shape[1]
    d = Ab.shape[0]
    m = Cb.shape[0]
    log2pi = np.log(2.0 * np.pi)
    for i in range(m):
        for j in range(d):
            s = 0.0
            for k in range(d):
                s += Cb[i, k] * Ab[k, j]
            CA[i, j] = s
    for i in range(d):
        z[i] = m0b[i]
        for j in range(d):
            P[i, j] = P0b[i, j]
    acc = 0.0
    for t in range(T):
        for i in range(d):
            for j in range(d):
                s = 0.0
                for k in range(d):
                    s += Ab[i, k] * P[k, j]
                AP[i, j] = s
        for i in range(d):
            for j in range(i, d):
                s = Qb[i, j]
                for k in range(d):
                    s += AP[i, k] * Ab[j, k]
                Pp[i, j] = s
                Pp[j, i] = s
        for i in range(m):
            for j in range(d):
                s = 0.0
                for k in range(d):
                    s += Cb[i, k] * Pp[k, j]
                CP[i, j] = s
        for i in range(m):
            for j in range(i, m):
                s = Rb[i, j]
                for k in range(d):
                    s += CP[i, k] * Cb[j, k]
                S[i, j] = s
                S[j, i] = s
        if not _chol_inplace(S, L):
            status[b] = b * T + t
            break
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
        for i in range(d):
            for j in range(d):
                s = 1.0 if i == j else 0.0
                for k in range(m):
                    s -= Kt[i, k] * Cb[k, j]
                IKC[i, j] = s
        for i in range(d):
            for j in range(d):
                s = 0.0
                for k in range(d):
                    s += IKC[i, k] * Pp[k, j]
                M1[i, j] = s
        for i in range(d):
            for j in range(i, d):
                s = 0.0
                for k in range(d):
                    s += M1[i, k] * IKC[j, k]
                for k in range(m):
                    for l in range(m):
                        s += Kt[i, k] * Rb[k, l] * Kt[j, l]
                P[i, j] = s
                P[j, i] = s
        # mean
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
        for i in range(m):
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


# ------------------------------------------------- per-sequence covariance filter, d=2, m=1 lanes

# BEGIN GENERATED filter_per_sequence_d2m1 (by _gen_filter_per_sequence_d2m1; do not edit by hand)
@njit(parallel=True, cache=True, fastmath={'contract'})
def filter_per_sequence_d2m1(x, A, C, Q, R, m0, P0, filt, onestep, ll):
    """Per-sequence covariance filter specialised to d = 2, m = 1 (generated code: the
    8 lanes of a block are unrolled into scalars so they stay in registers).

    Same inputs as :func:`filter_per_sequence`; writes z_{t|t} (B, T, 2), C A z_{t|t} (B, T, 1)
    and the exact log-likelihood (B,). Returns -1, or the first sequence index with S <= 0.
    """
    B = x.shape[0]
    T = x.shape[1]
    log2pi = np.log(2.0 * np.pi)
    nblk = (B + 7) // 8
    bad = np.full(nblk, -1, dtype=np.int64)
    for ib in prange(nblk):
        b0 = ib * 8
        nb = min(8, B - b0)
        xb = np.zeros((TILE, 8))
        ob = np.empty((3, TILE, 8))
        pr = np.zeros((18, 8))  # per-lane parameters and initial state; padding lanes benign
        for j in range(8):
            pr[8, j] = 1.0
            pr[9, j] = 1.0
            pr[14, j] = 1.0
        for j in range(nb):
            b = b0 + j
            pr[0, j] = A[b, 0, 0]; pr[1, j] = A[b, 0, 1]; pr[2, j] = A[b, 1, 0]; pr[3, j] = A[b, 1, 1]
            pr[4, j] = C[b, 0, 0]; pr[5, j] = C[b, 0, 1]
            pr[6, j] = Q[b, 0, 0]; pr[7, j] = 0.5 * (Q[b, 0, 1] + Q[b, 1, 0]); pr[8, j] = Q[b, 1, 1]
            pr[9, j] = R[b, 0, 0]
            pr[10, j] = m0[b, 0]; pr[11, j] = m0[b, 1]
            pr[12, j] = P0[b, 0, 0]; pr[13, j] = 0.5 * (P0[b, 0, 1] + P0[b, 1, 0]); pr[14, j] = P0[b, 1, 1]
        a00_0 = pr[0, 0]; a01_0 = pr[1, 0]; a10_0 = pr[2, 0]; a11_0 = pr[3, 0]
        c0_0 = pr[4, 0]; c1_0 = pr[5, 0]; q00_0 = pr[6, 0]; q01_0 = pr[7, 0]
        q11_0 = pr[8, 0]; r_0 = pr[9, 0]; z0_0 = pr[10, 0]; z1_0 = pr[11, 0]
        P00_0 = pr[12, 0]; P01_0 = pr[13, 0]; P11_0 = pr[14, 0]
        ca0_0 = c0_0 * a00_0 + c1_0 * a10_0; ca1_0 = c0_0 * a01_0 + c1_0 * a11_0
        acc_0 = 0.0; lg_0 = 0.0; ps_0 = 1.0; mn_0 = np.inf
        a00_1 = pr[0, 1]; a01_1 = pr[1, 1]; a10_1 = pr[2, 1]; a11_1 = pr[3, 1]
        c0_1 = pr[4, 1]; c1_1 = pr[5, 1]; q00_1 = pr[6, 1]; q01_1 = pr[7, 1]
        q11_1 = pr[8, 1]; r_1 = pr[9, 1]; z0_1 = pr[10, 1]; z1_1 = pr[11, 1]
        P00_1 = pr[12, 1]; P01_1 = pr[13, 1]; P11_1 = pr[14, 1]
        ca0_1 = c0_1 * a00_1 + c1_1 * a10_1; ca1_1 = c0_1 * a01_1 + c1_1 * a11_1
        acc_1 = 0.0; lg_1 = 0.0; ps_1 = 1.0; mn_1 = np.inf
        a00_2 = pr[0, 2]; a01_2 = pr[1, 2]; a10_2 = pr[2, 2]; a11_2 = pr[3, 2]
        c0_2 = pr[4, 2]; c1_2 = pr[5, 2]; q00_2 = pr[6, 2]; q01_2 = pr[7, 2]
        q11_2 = pr[8, 2]; r_2 = pr[9, 2]; z0_2 = pr[10, 2]; z1_2 = pr[11, 2]
        P00_2 = pr[12, 2]; P01_2 = pr[13, 2]; P11_2 = pr[14, 2]
        ca0_2 = c0_2 * a00_2 + c1_2 * a10_2; ca1_2 = c0_2 * a01_2 + c1_2 * a11_2
        acc_2 = 0.0; lg_2 = 0.0; ps_2 = 1.0; mn_2 = np.inf
        a00_3 = pr[0, 3]; a01_3 = pr[1, 3]; a10_3 = pr[2, 3]; a11_3 = pr[3, 3]
        c0_3 = pr[4, 3]; c1_3 = pr[5, 3]; q00_3 = pr[6, 3]; q01_3 = pr[7, 3]
        q11_3 = pr[8, 3]; r_3 = pr[9, 3]; z0_3 = pr[10, 3]; z1_3 = pr[11, 3]
        P00_3 = pr[12, 3]; P01_3 = pr[13, 3]; P11_3 = pr[14, 3]
        ca0_3 = c0_3 * a00_3 + c1_3 * a10_3; ca1_3 = c0_3 * a01_3 + c1_3 * a11_3
        acc_3 = 0.0; lg_3 = 0.0; ps_3 = 1.0; mn_3 = np.inf
        a00_4 = pr[0, 4]; a01_4 = pr[1, 4]; a10_4 = pr[2, 4]; a11_4 = pr[3, 4]
        c0_4 = pr[4, 4]; c1_4 = pr[5, 4]; q00_4 = pr[6, 4]; q01_4 = pr[7, 4]
        q11_4 = pr[8, 4]; r_4 = pr[9, 4]; z0_4 = pr[10, 4]; z1_4 = pr[11, 4]
        P00_4 = pr[12, 4]; P01_4 = pr[13, 4]; P11_4 = pr[14, 4]
        ca0_4 = c0_4 * a00_4 + c1_4 * a10_4; ca1_4 = c0_4 * a01_4 + c1_4 * a11_4
        acc_4 = 0.0; lg_4 = 0.0; ps_4 = 1.0; mn_4 = np.inf
        a00_5 = pr[0, 5]; a01_5 = pr[1, 5]; a10_5 = pr[2, 5]; a11_5 = pr[3, 5]
        c0_5 = pr[4, 5]; c1_5 = pr[5, 5]; q00_5 = pr[6, 5]; q01_5 = pr[7, 5]
        q11_5 = pr[8, 5]; r_5 = pr[9, 5]; z0_5 = pr[10, 5]; z1_5 = pr[11, 5]
        P00_5 = pr[12, 5]; P01_5 = pr[13, 5]; P11_5 = pr[14, 5]
        ca0_5 = c0_5 * a00_5 + c1_5 * a10_5; ca1_5 = c0_5 * a01_5 + c1_5 * a11_5
        acc_5 = 0.0; lg_5 = 0.0; ps_5 = 1.0; mn_5 = np.inf
        a00_6 = pr[0, 6]; a01_6 = pr[1, 6]; a10_6 = pr[2, 6]; a11_6 = pr[3, 6]
        c0_6 = pr[4, 6]; c1_6 = pr[5, 6]; q00_6 = pr[6, 6]; q01_6 = pr[7, 6]
        q11_6 = pr[8, 6]; r_6 = pr[9, 6]; z0_6 = pr[10, 6]; z1_6 = pr[11, 6]
        P00_6 = pr[12, 6]; P01_6 = pr[13, 6]; P11_6 = pr[14, 6]
        ca0_6 = c0_6 * a00_6 + c1_6 * a10_6; ca1_6 = c0_6 * a01_6 + c1_6 * a11_6
        acc_6 = 0.0; lg_6 = 0.0; ps_6 = 1.0; mn_6 = np.inf
        a00_7 = pr[0, 7]; a01_7 = pr[1, 7]; a10_7 = pr[2, 7]; a11_7 = pr[3, 7]
        c0_7 = pr[4, 7]; c1_7 = pr[5, 7]; q00_7 = pr[6, 7]; q01_7 = pr[7, 7]
        q11_7 = pr[8, 7]; r_7 = pr[9, 7]; z0_7 = pr[10, 7]; z1_7 = pr[11, 7]
        P00_7 = pr[12, 7]; P01_7 = pr[13, 7]; P11_7 = pr[14, 7]
        ca0_7 = c0_7 * a00_7 + c1_7 * a10_7; ca1_7 = c0_7 * a01_7 + c1_7 * a11_7
        acc_7 = 0.0; lg_7 = 0.0; ps_7 = 1.0; mn_7 = np.inf
        for t0 in range(0, T, TILE):
            tn = min(TILE, T - t0)
            for j in range(nb):
                for s in range(tn):
                    xb[s, j] = x[b0 + j, t0 + s, 0]
            for s in range(tn):
                u00 = a00_0 * P00_0 + a01_0 * P01_0; u01 = a00_0 * P01_0 + a01_0 * P11_0
                u10 = a10_0 * P00_0 + a11_0 * P01_0; u11 = a10_0 * P01_0 + a11_0 * P11_0
                pp00 = u00 * a00_0 + u01 * a01_0 + q00_0; pp01 = u00 * a10_0 + u01 * a11_0 + q01_0
                pp11 = u10 * a10_0 + u11 * a11_0 + q11_0
                h0 = pp00 * c0_0 + pp01 * c1_0; h1 = pp01 * c0_0 + pp11 * c1_0
                S = c0_0 * h0 + c1_0 * h1 + r_0; mn_0 = min(mn_0, S); iS = 1.0 / S
                k0 = h0 * iS; k1 = h1 * iS
                g00 = 1.0 - k0 * c0_0; g01 = -k0 * c1_0; g10 = -k1 * c0_0; g11 = 1.0 - k1 * c1_0
                v00 = g00 * pp00 + g01 * pp01; v01 = g00 * pp01 + g01 * pp11
                v10 = g10 * pp00 + g11 * pp01; v11 = g10 * pp01 + g11 * pp11
                P00_0 = v00 * g00 + v01 * g01 + k0 * k0 * r_0
                P01_0 = v00 * g10 + v01 * g11 + k0 * k1 * r_0
                P11_0 = v10 * g10 + v11 * g11 + k1 * k1 * r_0
                p0 = a00_0 * z0_0 + a01_0 * z1_0; p1 = a10_0 * z0_0 + a11_0 * z1_0
                e = xb[s, 0] - (c0_0 * p0 + c1_0 * p1)
                z0_0 = p0 + k0 * e; z1_0 = p1 + k1 * e
                acc_0 += e * e * iS; ps_0 *= S
                ob[0, s, 0] = z0_0; ob[1, s, 0] = z1_0; ob[2, s, 0] = ca0_0 * z0_0 + ca1_0 * z1_0
                u00 = a00_1 * P00_1 + a01_1 * P01_1; u01 = a00_1 * P01_1 + a01_1 * P11_1
                u10 = a10_1 * P00_1 + a11_1 * P01_1; u11 = a10_1 * P01_1 + a11_1 * P11_1
                pp00 = u00 * a00_1 + u01 * a01_1 + q00_1; pp01 = u00 * a10_1 + u01 * a11_1 + q01_1
                pp11 = u10 * a10_1 + u11 * a11_1 + q11_1
                h0 = pp00 * c0_1 + pp01 * c1_1; h1 = pp01 * c0_1 + pp11 * c1_1
                S = c0_1 * h0 + c1_1 * h1 + r_1; mn_1 = min(mn_1, S); iS = 1.0 / S
                k0 = h0 * iS; k1 = h1 * iS
                g00 = 1.0 - k0 * c0_1; g01 = -k0 * c1_1; g10 = -k1 * c0_1; g11 = 1.0 - k1 * c1_1
                v00 = g00 * pp00 + g01 * pp01; v01 = g00 * pp01 + g01 * pp11
                v10 = g10 * pp00 + g11 * pp01; v11 = g10 * pp01 + g11 * pp11
                P00_1 = v00 * g00 + v01 * g01 + k0 * k0 * r_1
                P01_1 = v00 * g10 + v01 * g11 + k0 * k1 * r_1
                P11_1 = v10 * g10 + v11 * g11 + k1 * k1 * r_1
                p0 = a00_1 * z0_1 + a01_1 * z1_1; p1 = a10_1 * z0_1 + a11_1 * z1_1
                e = xb[s, 1] - (c0_1 * p0 + c1_1 * p1)
                z0_1 = p0 + k0 * e; z1_1 = p1 + k1 * e
                acc_1 += e * e * iS; ps_1 *= S
                ob[0, s, 1] = z0_1; ob[1, s, 1] = z1_1; ob[2, s, 1] = ca0_1 * z0_1 + ca1_1 * z1_1
                u00 = a00_2 * P00_2 + a01_2 * P01_2; u01 = a00_2 * P01_2 + a01_2 * P11_2
                u10 = a10_2 * P00_2 + a11_2 * P01_2; u11 = a10_2 * P01_2 + a11_2 * P11_2
                pp00 = u00 * a00_2 + u01 * a01_2 + q00_2; pp01 = u00 * a10_2 + u01 * a11_2 + q01_2
                pp11 = u10 * a10_2 + u11 * a11_2 + q11_2
                h0 = pp00 * c0_2 + pp01 * c1_2; h1 = pp01 * c0_2 + pp11 * c1_2
                S = c0_2 * h0 + c1_2 * h1 + r_2; mn_2 = min(mn_2, S); iS = 1.0 / S
                k0 = h0 * iS; k1 = h1 * iS
                g00 = 1.0 - k0 * c0_2; g01 = -k0 * c1_2; g10 = -k1 * c0_2; g11 = 1.0 - k1 * c1_2
                v00 = g00 * pp00 + g01 * pp01; v01 = g00 * pp01 + g01 * pp11
                v10 = g10 * pp00 + g11 * pp01; v11 = g10 * pp01 + g11 * pp11
                P00_2 = v00 * g00 + v01 * g01 + k0 * k0 * r_2
                P01_2 = v00 * g10 + v01 * g11 + k0 * k1 * r_2
                P11_2 = v10 * g10 + v11 * g11 + k1 * k1 * r_2
                p0 = a00_2 * z0_2 + a01_2 * z1_2; p1 = a10_2 * z0_2 + a11_2 * z1_2
                e = xb[s, 2] - (c0_2 * p0 + c1_2 * p1)
                z0_2 = p0 + k0 * e; z1_2 = p1 + k1 * e
                acc_2 += e * e * iS; ps_2 *= S
                ob[0, s, 2] = z0_2; ob[1, s, 2] = z1_2; ob[2, s, 2] = ca0_2 * z0_2 + ca1_2 * z1_2
                u00 = a00_3 * P00_3 + a01_3 * P01_3; u01 = a00_3 * P01_3 + a01_3 * P11_3
                u10 = a10_3 * P00_3 + a11_3 * P01_3; u11 = a10_3 * P01_3 + a11_3 * P11_3
                pp00 = u00 * a00_3 + u01 * a01_3 + q00_3; pp01 = u00 * a10_3 + u01 * a11_3 + q01_3
                pp11 = u10 * a10_3 + u11 * a11_3 + q11_3
                h0 = pp00 * c0_3 + pp01 * c1_3; h1 = pp01 * c0_3 + pp11 * c1_3
                S = c0_3 * h0 + c1_3 * h1 + r_3; mn_3 = min(mn_3, S); iS = 1.0 / S
                k0 = h0 * iS; k1 = h1 * iS
                g00 = 1.0 - k0 * c0_3; g01 = -k0 * c1_3; g10 = -k1 * c0_3; g11 = 1.0 - k1 * c1_3
                v00 = g00 * pp00 + g01 * pp01; v01 = g00 * pp01 + g01 * pp11
                v10 = g10 * pp00 + g11 * pp01; v11 = g10 * pp01 + g11 * pp11
                P00_3 = v00 * g00 + v01 * g01 + k0 * k0 * r_3
                P01_3 = v00 * g10 + v01 * g11 + k0 * k1 * r_3
                P11_3 = v10 * g10 + v11 * g11 + k1 * k1 * r_3
                p0 = a00_3 * z0_3 + a01_3 * z1_3; p1 = a10_3 * z0_3 + a11_3 * z1_3
                e = xb[s, 3] - (c0_3 * p0 + c1_3 * p1)
                z0_3 = p0 + k0 * e; z1_3 = p1 + k1 * e
                acc_3 += e * e * iS; ps_3 *= S
                ob[0, s, 3] = z0_3; ob[1, s, 3] = z1_3; ob[2, s, 3] = ca0_3 * z0_3 + ca1_3 * z1_3
                u00 = a00_4 * P00_4 + a01_4 * P01_4; u01 = a00_4 * P01_4 + a01_4 * P11_4
                u10 = a10_4 * P00_4 + a11_4 * P01_4; u11 = a10_4 * P01_4 + a11_4 * P11_4
                pp00 = u00 * a00_4 + u01 * a01_4 + q00_4; pp01 = u00 * a10_4 + u01 * a11_4 + q01_4
                pp11 = u10 * a10_4 + u11 * a11_4 + q11_4
                h0 = pp00 * c0_4 + pp01 * c1_4; h1 = pp01 * c0_4 + pp11 * c1_4
                S = c0_4 * h0 + c1_4 * h1 + r_4; mn_4 = min(mn_4, S); iS = 1.0 / S
                k0 = h0 * iS; k1 = h1 * iS
                g00 = 1.0 - k0 * c0_4; g01 = -k0 * c1_4; g10 = -k1 * c0_4; g11 = 1.0 - k1 * c1_4
                v00 = g00 * pp00 + g01 * pp01; v01 = g00 * pp01 + g01 * pp11
                v10 = g10 * pp00 + g11 * pp01; v11 = g10 * pp01 + g11 * pp11
                P00_4 = v00 * g00 + v01 * g01 + k0 * k0 * r_4
                P01_4 = v00 * g10 + v01 * g11 + k0 * k1 * r_4
                P11_4 = v10 * g10 + v11 * g11 + k1 * k1 * r_4
                p0 = a00_4 * z0_4 + a01_4 * z1_4; p1 = a10_4 * z0_4 + a11_4 * z1_4
                e = xb[s, 4] - (c0_4 * p0 + c1_4 * p1)
                z0_4 = p0 + k0 * e; z1_4 = p1 + k1 * e
                acc_4 += e * e * iS; ps_4 *= S
                ob[0, s, 4] = z0_4; ob[1, s, 4] = z1_4; ob[2, s, 4] = ca0_4 * z0_4 + ca1_4 * z1_4
                u00 = a00_5 * P00_5 + a01_5 * P01_5; u01 = a00_5 * P01_5 + a01_5 * P11_5
                u10 = a10_5 * P00_5 + a11_5 * P01_5; u11 = a10_5 * P01_5 + a11_5 * P11_5
                pp00 = u00 * a00_5 + u01 * a01_5 + q00_5; pp01 = u00 * a10_5 + u01 * a11_5 + q01_5
                pp11 = u10 * a10_5 + u11 * a11_5 + q11_5
                h0 = pp00 * c0_5 + pp01 * c1_5; h1 = pp01 * c0_5 + pp11 * c1_5
                S = c0_5 * h0 + c1_5 * h1 + r_5; mn_5 = min(mn_5, S); iS = 1.0 / S
                k0 = h0 * iS; k1 = h1 * iS
                g00 = 1.0 - k0 * c0_5; g01 = -k0 * c1_5; g10 = -k1 * c0_5; g11 = 1.0 - k1 * c1_5
                v00 = g00 * pp00 + g01 * pp01; v01 = g00 * pp01 + g01 * pp11
                v10 = g10 * pp00 + g11 * pp01; v11 = g10 * pp01 + g11 * pp11
                P00_5 = v00 * g00 + v01 * g01 + k0 * k0 * r_5
                P01_5 = v00 * g10 + v01 * g11 + k0 * k1 * r_5
                P11_5 = v10 * g10 + v11 * g11 + k1 * k1 * r_5
                p0 = a00_5 * z0_5 + a01_5 * z1_5; p1 = a10_5 * z0_5 + a11_5 * z1_5
                e = xb[s, 5] - (c0_5 * p0 + c1_5 * p1)
                z0_5 = p0 + k0 * e; z1_5 = p1 + k1 * e
                acc_5 += e * e * iS; ps_5 *= S
                ob[0, s, 5] = z0_5; ob[1, s, 5] = z1_5; ob[2, s, 5] = ca0_5 * z0_5 + ca1_5 * z1_5
                u00 = a00_6 * P00_6 + a01_6 * P01_6; u01 = a00_6 * P01_6 + a01_6 * P11_6
                u10 = a10_6 * P00_6 + a11_6 * P01_6; u11 = a10_6 * P01_6 + a11_6 * P11_6
                pp00 = u00 * a00_6 + u01 * a01_6 + q00_6; pp01 = u00 * a10_6 + u01 * a11_6 + q01_6
                pp11 = u10 * a10_6 + u11 * a11_6 + q11_6
                h0 = pp00 * c0_6 + pp01 * c1_6; h1 = pp01 * c0_6 + pp11 * c1_6
                S = c0_6 * h0 + c1_6 * h1 + r_6; mn_6 = min(mn_6, S); iS = 1.0 / S
                k0 = h0 * iS; k1 = h1 * iS
                g00 = 1.0 - k0 * c0_6; g01 = -k0 * c1_6; g10 = -k1 * c0_6; g11 = 1.0 - k1 * c1_6
                v00 = g00 * pp00 + g01 * pp01; v01 = g00 * pp01 + g01 * pp11
                v10 = g10 * pp00 + g11 * pp01; v11 = g10 * pp01 + g11 * pp11
                P00_6 = v00 * g00 + v01 * g01 + k0 * k0 * r_6
                P01_6 = v00 * g10 + v01 * g11 + k0 * k1 * r_6
                P11_6 = v10 * g10 + v11 * g11 + k1 * k1 * r_6
                p0 = a00_6 * z0_6 + a01_6 * z1_6; p1 = a10_6 * z0_6 + a11_6 * z1_6
                e = xb[s, 6] - (c0_6 * p0 + c1_6 * p1)
                z0_6 = p0 + k0 * e; z1_6 = p1 + k1 * e
                acc_6 += e * e * iS; ps_6 *= S
                ob[0, s, 6] = z0_6; ob[1, s, 6] = z1_6; ob[2, s, 6] = ca0_6 * z0_6 + ca1_6 * z1_6
                u00 = a00_7 * P00_7 + a01_7 * P01_7; u01 = a00_7 * P01_7 + a01_7 * P11_7
                u10 = a10_7 * P00_7 + a11_7 * P01_7; u11 = a10_7 * P01_7 + a11_7 * P11_7
                pp00 = u00 * a00_7 + u01 * a01_7 + q00_7; pp01 = u00 * a10_7 + u01 * a11_7 + q01_7
                pp11 = u10 * a10_7 + u11 * a11_7 + q11_7
                h0 = pp00 * c0_7 + pp01 * c1_7; h1 = pp01 * c0_7 + pp11 * c1_7
                S = c0_7 * h0 + c1_7 * h1 + r_7; mn_7 = min(mn_7, S); iS = 1.0 / S
                k0 = h0 * iS; k1 = h1 * iS
                g00 = 1.0 - k0 * c0_7; g01 = -k0 * c1_7; g10 = -k1 * c0_7; g11 = 1.0 - k1 * c1_7
                v00 = g00 * pp00 + g01 * pp01; v01 = g00 * pp01 + g01 * pp11
                v10 = g10 * pp00 + g11 * pp01; v11 = g10 * pp01 + g11 * pp11
                P00_7 = v00 * g00 + v01 * g01 + k0 * k0 * r_7
                P01_7 = v00 * g10 + v01 * g11 + k0 * k1 * r_7
                P11_7 = v10 * g10 + v11 * g11 + k1 * k1 * r_7
                p0 = a00_7 * z0_7 + a01_7 * z1_7; p1 = a10_7 * z0_7 + a11_7 * z1_7
                e = xb[s, 7] - (c0_7 * p0 + c1_7 * p1)
                z0_7 = p0 + k0 * e; z1_7 = p1 + k1 * e
                acc_7 += e * e * iS; ps_7 *= S
                ob[0, s, 7] = z0_7; ob[1, s, 7] = z1_7; ob[2, s, 7] = ca0_7 * z0_7 + ca1_7 * z1_7
                # log det in batches of 8 steps (a product of 8 S values cannot over/underflow
                # unless some S lies outside [1e-38, 1e38])
                if (s & 7) == 7 or s == tn - 1:
                    lg_0 += np.log(ps_0); ps_0 = 1.0
                    lg_1 += np.log(ps_1); ps_1 = 1.0
                    lg_2 += np.log(ps_2); ps_2 = 1.0
                    lg_3 += np.log(ps_3); ps_3 = 1.0
                    lg_4 += np.log(ps_4); ps_4 = 1.0
                    lg_5 += np.log(ps_5); ps_5 = 1.0
                    lg_6 += np.log(ps_6); ps_6 = 1.0
                    lg_7 += np.log(ps_7); ps_7 = 1.0
            for j in range(nb):
                for s in range(tn):
                    filt[b0 + j, t0 + s, 0] = ob[0, s, j]
                    filt[b0 + j, t0 + s, 1] = ob[1, s, j]
                    onestep[b0 + j, t0 + s, 0] = ob[2, s, j]
        accs = (acc_0 + lg_0, acc_1 + lg_1, acc_2 + lg_2, acc_3 + lg_3, acc_4 + lg_4, acc_5 + lg_5, acc_6 + lg_6, acc_7 + lg_7)
        mns = (mn_0, mn_1, mn_2, mn_3, mn_4, mn_5, mn_6, mn_7)
        for j in range(nb):
            ll[b0 + j] = -0.5 * (accs[j] + T * log2pi)
            if not (mns[j] > 0.0):
                bad[ib] = b0 + j
    for ib in range(nblk):
        if bad[ib] >= 0:
            return bad[ib]
    return -1
# END GENERATED filter_per_sequence_d2m1


# ------------------------------------------------------------------ code generators
# numba leaves LLVM's SLP vectoriser off and cannot prove that separate local arrays do not
# alias, so a lane loop over arrays stays scalar and goes through memory. Unrolling the lanes
# into scalar variables keeps the state in registers (8 independent chains per block).

def _gen_filter_d2m1(U: int = LANES) -> str:
    """Source of :func:`filter_d2m1` (lanes unrolled into scalars)."""
    L = []
    w = L.append
    w("@njit(parallel=True, cache=True, fastmath={'contract'})")
    w("def filter_d2m1(x, A, C, K, il, m0, full, filt, pred, pobs, onestep, innov, quad):")
    w('    """Shared-gain filter for d = 2, m = 1 (lanes unrolled into scalars; generated code).')
    w("")
    w("    x: (B, T, 1); K: (T, 2, 1); il: (T,) = 1 / sqrt(S_t); m0: (2,).")
    w("    Outputs (B, T, .): filt = z_{t|t}; if ``full`` also pred = z_{t|t-1}, pobs = C z_{t|t-1},")
    w("    onestep = C A z_{t|t}, innov = x_t - C z_{t|t-1}; quad (B,) = sum_t e_t^2 / S_t (always).")
    w('    """')
    w("    B = x.shape[0]")
    w("    T = x.shape[1]")
    w("    a00, a01, a10, a11 = A[0, 0], A[0, 1], A[1, 0], A[1, 1]")
    w("    c0, c1 = C[0, 0], C[0, 1]")
    w("    ca0 = c0 * a00 + c1 * a10")
    w("    ca1 = c0 * a01 + c1 * a11")
    w(f"    nblk = (B + {U - 1}) // {U}")
    w("    for ib in prange(nblk):")
    w(f"        b0 = ib * {U}")
    w(f"        nb = min({U}, B - b0)")
    w(f"        xb = np.zeros((TILE, {U}))")
    w(f"        ob = np.empty((7, TILE, {U}))")
    for j in range(U):
        w(f"        z0_{j} = m0[0]; z1_{j} = m0[1]; q_{j} = 0.0")
    w("        for t0 in range(0, T, TILE):")
    w("            tn = min(TILE, T - t0)")
    w("            for j in range(nb):")
    w("                for s in range(tn):")
    w("                    xb[s, j] = x[b0 + j, t0 + s, 0]")
    for full in (True, False):
        ind = "            "
        w(ind + ("if full:" if full else "else:"))
        ind += "    "
        w(ind + "for s in range(tn):")
        ind += "    "
        w(ind + "k0 = K[t0 + s, 0, 0]; k1 = K[t0 + s, 1, 0]; ils = il[t0 + s]")
        for j in range(U):
            w(ind + f"p0_{j} = a00 * z0_{j} + a01 * z1_{j}; p1_{j} = a10 * z0_{j} + a11 * z1_{j}")
            w(ind + f"yo_{j} = c0 * p0_{j} + c1 * p1_{j}; e_{j} = xb[s, {j}] - yo_{j}")
            w(ind + f"z0_{j} = p0_{j} + k0 * e_{j}; z1_{j} = p1_{j} + k1 * e_{j}")
            w(ind + f"w_{j} = e_{j} * ils; q_{j} += w_{j} * w_{j}")
        for j in range(U):
            w(ind + f"ob[0, s, {j}] = z0_{j}; ob[1, s, {j}] = z1_{j}")
        if full:
            for j in range(U):
                w(ind + f"ob[2, s, {j}] = p0_{j}; ob[3, s, {j}] = p1_{j}; ob[4, s, {j}] = yo_{j}")
                w(ind + f"ob[5, s, {j}] = ca0 * z0_{j} + ca1 * z1_{j}; ob[6, s, {j}] = e_{j}")
    w("            for j in range(nb):")
    w("                for s in range(tn):")
    w("                    filt[b0 + j, t0 + s, 0] = ob[0, s, j]")
    w("                    filt[b0 + j, t0 + s, 1] = ob[1, s, j]")
    w("            if full:")
    w("                for j in range(nb):")
    w("                    for s in range(tn):")
    w("                        pred[b0 + j, t0 + s, 0] = ob[2, s, j]")
    w("                        pred[b0 + j, t0 + s, 1] = ob[3, s, j]")
    w("                        pobs[b0 + j, t0 + s, 0] = ob[4, s, j]")
    w("                        onestep[b0 + j, t0 + s, 0] = ob[5, s, j]")
    w("                        innov[b0 + j, t0 + s, 0] = ob[6, s, j]")
    w(f"        qs = ({', '.join(f'q_{j}' for j in range(U))})")
    w("        for j in range(nb):")
    w("            quad[b0 + j] = qs[j]")
    return "\n".join(L) + "\n"


def _gen_filter_per_sequence_d2m1(U: int = LANES) -> str:
    """Source of :func:`filter_per_sequence_d2m1` (lanes unrolled into scalars)."""
    L = []
    w = L.append
    w("@njit(parallel=True, cache=True, fastmath={'contract'})")
    w("def filter_per_sequence_d2m1(x, A, C, Q, R, m0, P0, filt, onestep, ll):")
    w('    """Per-sequence covariance filter specialised to d = 2, m = 1 (generated code: the')
    w(f'    {U} lanes of a block are unrolled into scalars so they stay in registers).')
    w("")
    w("    Same inputs as :func:`filter_per_sequence`; writes z_{t|t} (B, T, 2), C A z_{t|t} (B, T, 1)")
    w("    and the exact log-likelihood (B,). Returns -1, or the first sequence index with S <= 0.")
    w('    """')
    w("    B = x.shape[0]")
    w("    T = x.shape[1]")
    w("    log2pi = np.log(2.0 * np.pi)")
    w(f"    nblk = (B + {U - 1}) // {U}")
    w("    bad = np.full(nblk, -1, dtype=np.int64)")
    w("    for ib in prange(nblk):")
    w(f"        b0 = ib * {U}")
    w(f"        nb = min({U}, B - b0)")
    w(f"        xb = np.zeros((TILE, {U}))")
    w(f"        ob = np.empty((3, TILE, {U}))")
    w(f"        pr = np.zeros((18, {U}))  # per-lane parameters and initial state; padding lanes benign")
    w(f"        for j in range({U}):")
    w("            pr[8, j] = 1.0")
    w("            pr[9, j] = 1.0")
    w("            pr[14, j] = 1.0")
    w("        for j in range(nb):")
    w("            b = b0 + j")
    w("            pr[0, j] = A[b, 0, 0]; pr[1, j] = A[b, 0, 1]; pr[2, j] = A[b, 1, 0]; pr[3, j] = A[b, 1, 1]")
    w("            pr[4, j] = C[b, 0, 0]; pr[5, j] = C[b, 0, 1]")
    w("            pr[6, j] = Q[b, 0, 0]; pr[7, j] = 0.5 * (Q[b, 0, 1] + Q[b, 1, 0]); pr[8, j] = Q[b, 1, 1]")
    w("            pr[9, j] = R[b, 0, 0]")
    w("            pr[10, j] = m0[b, 0]; pr[11, j] = m0[b, 1]")
    w("            pr[12, j] = P0[b, 0, 0]; pr[13, j] = 0.5 * (P0[b, 0, 1] + P0[b, 1, 0]); pr[14, j] = P0[b, 1, 1]")
    for j in range(U):
        w(f"        a00_{j} = pr[0, {j}]; a01_{j} = pr[1, {j}]; a10_{j} = pr[2, {j}]; a11_{j} = pr[3, {j}]")
        w(f"        c0_{j} = pr[4, {j}]; c1_{j} = pr[5, {j}]; q00_{j} = pr[6, {j}]; q01_{j} = pr[7, {j}]")
        w(f"        q11_{j} = pr[8, {j}]; r_{j} = pr[9, {j}]; z0_{j} = pr[10, {j}]; z1_{j} = pr[11, {j}]")
        w(f"        P00_{j} = pr[12, {j}]; P01_{j} = pr[13, {j}]; P11_{j} = pr[14, {j}]")
        w(f"        ca0_{j} = c0_{j} * a00_{j} + c1_{j} * a10_{j}; ca1_{j} = c0_{j} * a01_{j} + c1_{j} * a11_{j}")
        w(f"        acc_{j} = 0.0; lg_{j} = 0.0; ps_{j} = 1.0; mn_{j} = np.inf")
    w("        for t0 in range(0, T, TILE):")
    w("            tn = min(TILE, T - t0)")
    w("            for j in range(nb):")
    w("                for s in range(tn):")
    w("                    xb[s, j] = x[b0 + j, t0 + s, 0]")
    w("            for s in range(tn):")
    ind = "                "
    for j in range(U):
        w(ind + f"u00 = a00_{j} * P00_{j} + a01_{j} * P01_{j}; u01 = a00_{j} * P01_{j} + a01_{j} * P11_{j}")
        w(ind + f"u10 = a10_{j} * P00_{j} + a11_{j} * P01_{j}; u11 = a10_{j} * P01_{j} + a11_{j} * P11_{j}")
        w(ind + f"pp00 = u00 * a00_{j} + u01 * a01_{j} + q00_{j}; pp01 = u00 * a10_{j} + u01 * a11_{j} + q01_{j}")
        w(ind + f"pp11 = u10 * a10_{j} + u11 * a11_{j} + q11_{j}")
        w(ind + f"h0 = pp00 * c0_{j} + pp01 * c1_{j}; h1 = pp01 * c0_{j} + pp11 * c1_{j}")
        w(ind + f"S = c0_{j} * h0 + c1_{j} * h1 + r_{j}; mn_{j} = min(mn_{j}, S); iS = 1.0 / S")
        w(ind + f"k0 = h0 * iS; k1 = h1 * iS")
        w(ind + f"g00 = 1.0 - k0 * c0_{j}; g01 = -k0 * c1_{j}; g10 = -k1 * c0_{j}; g11 = 1.0 - k1 * c1_{j}")
        w(ind + f"v00 = g00 * pp00 + g01 * pp01; v01 = g00 * pp01 + g01 * pp11")
        w(ind + f"v10 = g10 * pp00 + g11 * pp01; v11 = g10 * pp01 + g11 * pp11")
        w(ind + f"P00_{j} = v00 * g00 + v01 * g01 + k0 * k0 * r_{j}")
        w(ind + f"P01_{j} = v00 * g10 + v01 * g11 + k0 * k1 * r_{j}")
        w(ind + f"P11_{j} = v10 * g10 + v11 * g11 + k1 * k1 * r_{j}")
        w(ind + f"p0 = a00_{j} * z0_{j} + a01_{j} * z1_{j}; p1 = a10_{j} * z0_{j} + a11_{j} * z1_{j}")
        w(ind + f"e = xb[s, {j}] - (c0_{j} * p0 + c1_{j} * p1)")
        w(ind + f"z0_{j} = p0 + k0 * e; z1_{j} = p1 + k1 * e")
        w(ind + f"acc_{j} += e * e * iS; ps_{j} *= S")
        w(ind + f"ob[0, s, {j}] = z0_{j}; ob[1, s, {j}] = z1_{j}; ob[2, s, {j}] = ca0_{j} * z0_{j} + ca1_{j} * z1_{j}")
    w(ind + "# log det in batches of 8 steps (a product of 8 S values cannot over/underflow")
    w(ind + "# unless some S lies outside [1e-38, 1e38])")
    w(ind + "if (s & 7) == 7 or s == tn - 1:")
    for j in range(U):
        w(ind + f"    lg_{j} += np.log(ps_{j}); ps_{j} = 1.0")
    w("            for j in range(nb):")
    w("                for s in range(tn):")
    w("                    filt[b0 + j, t0 + s, 0] = ob[0, s, j]")
    w("                    filt[b0 + j, t0 + s, 1] = ob[1, s, j]")
    w("                    onestep[b0 + j, t0 + s, 0] = ob[2, s, j]")
    w(f"        accs = ({', '.join(f'acc_{j} + lg_{j}' for j in range(U))})")
    w(f"        mns = ({', '.join(f'mn_{j}' for j in range(U))})")
    w("        for j in range(nb):")
    w("            ll[b0 + j] = -0.5 * (accs[j] + T * log2pi)")
    w("            if not (mns[j] > 0.0):")
    w("                bad[ib] = b0 + j")
    w("    for ib in range(nblk):")
    w("        if bad[ib] >= 0:")
    w("            return bad[ib]")
    w("    return -1")
    return "\n".join(L) + "\n"
