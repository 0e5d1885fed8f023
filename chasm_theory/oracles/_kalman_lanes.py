"""numba kernels of the Kalman filters that vectorise across sequences (private; the public API
is :mod:`chasm_theory.oracles.kalman`).

Layout: observations arrive as (batch, time, obs). A kernel takes the batch in blocks of
``LANES`` sequences, and time in tiles of ``TILE`` steps; each tile is transposed into a small
(tile, lanes) buffer that stays in L1, the recursion runs with the lane index innermost (so
LLVM vectorises across sequences), and the outputs are transposed back. Blocks run in
parallel (``prange``). All arithmetic is float64; no matrix inverse is formed.

The covariance recursion these kernels share with the serial reference lives in
:mod:`chasm_theory.oracles._kalman_kernels`; here it is written out per lane for d = 2, m = 1
(scalar S, so the Cholesky solve is one division).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

LANES = 16
TILE = 32


# --------------------------------------------------------------------- shared-gain filter, d=2, m=1

@njit(parallel=True, cache=True, fastmath={"contract"})
def filter_d2m1(x, A, C, K, il, m0, nl, full, filt, pred, pobs, onestep, innov, quad):
    """Shared-gain filter for d = 2, m = 1.

    x: (B, T, 1); K: (T, 2, 1); il: (T,) = 1 / sqrt(S_t); m0: (2,); nl: pass ``LANES`` (a
    runtime trip count, so LLVM vectorises the lane loop instead of unrolling it).
    Outputs (B, T, .): filt = z_{t|t}; if ``full`` also pred = z_{t|t-1}, pobs = C z_{t|t-1},
    onestep = C A z_{t|t}, innov = x_t - C z_{t|t-1}; quad (B,) = sum_t e_t^2 / S_t (always).
    All per-lane state lives in one local allocation with constant shape, so LLVM can prove
    the lane loop free of aliasing (separate local arrays would each need a runtime check).
    """
    B = x.shape[0]
    T = x.shape[1]
    a00, a01, a10, a11 = A[0, 0], A[0, 1], A[1, 0], A[1, 1]
    c0, c1 = C[0, 0], C[0, 1]
    ca0 = c0 * a00 + c1 * a10
    ca1 = c0 * a01 + c1 * a11
    nblk = (B + LANES - 1) // LANES
    for ib in prange(nblk):
        b0 = ib * LANES
        nb = min(LANES, B - b0)
        st = np.zeros((3, LANES))
        xb = np.zeros((TILE, LANES))
        ob = np.empty((TILE, 7, LANES))
        for j in range(LANES):
            st[0, j] = m0[0]
            st[1, j] = m0[1]
        z0v = st[0]
        z1v = st[1]
        qv = st[2]
        for t0 in range(0, T, TILE):
            tn = min(TILE, T - t0)
            for j in range(nb):
                for s in range(tn):
                    xb[s, j] = x[b0 + j, t0 + s, 0]
            for s in range(tn):
                k0 = K[t0 + s, 0, 0]
                k1 = K[t0 + s, 1, 0]
                ils = il[t0 + s]
                xv = xb[s]
                o = ob[s]
                for j in range(nl):
                    z0 = z0v[j]
                    z1 = z1v[j]
                    p0 = a00 * z0 + a01 * z1
                    p1 = a10 * z0 + a11 * z1
                    yo = c0 * p0 + c1 * p1
                    e = xv[j] - yo
                    f0 = p0 + k0 * e
                    f1 = p1 + k1 * e
                    z0v[j] = f0
                    z1v[j] = f1
                    v = e * ils
                    qv[j] += v * v
                    o[0, j] = f0
                    o[1, j] = f1
                    o[2, j] = p0
                    o[3, j] = p1
                    o[4, j] = yo
                    o[5, j] = ca0 * f0 + ca1 * f1
                    o[6, j] = e
            for j in range(nb):
                for s in range(tn):
                    filt[b0 + j, t0 + s, 0] = ob[s, 0, j]
                    filt[b0 + j, t0 + s, 1] = ob[s, 1, j]
            if full:
                for j in range(nb):
                    for s in range(tn):
                        pred[b0 + j, t0 + s, 0] = ob[s, 2, j]
                        pred[b0 + j, t0 + s, 1] = ob[s, 3, j]
                        pobs[b0 + j, t0 + s, 0] = ob[s, 4, j]
                        onestep[b0 + j, t0 + s, 0] = ob[s, 5, j]
                        innov[b0 + j, t0 + s, 0] = ob[s, 6, j]
        for j in range(nb):
            quad[b0 + j] = st[2, j]


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


# ------------------------------------------------- per-sequence covariance filter, d=2, m=1 lanes

@njit(parallel=True, cache=True, fastmath={"contract"})
def filter_per_sequence_d2m1(x, A, C, Q, R, m0, P0, nl, filt, onestep, ll):
    """Per-sequence covariance filter specialised to d = 2, m = 1, lanes innermost.

    Same inputs as :func:`filter_per_sequence` plus nl (pass ``LANES``); writes z_{t|t}
    (B, T, 2), C A z_{t|t} (B, T, 1) and the exact log-likelihood (B,) (log det S summed in
    products of 8 steps, exact unless some S lies outside [1e-38, 1e38]). Returns -1, or the
    first sequence index with S <= 0.
    """
    B = x.shape[0]
    T = x.shape[1]
    log2pi = np.log(2.0 * np.pi)
    nblk = (B + LANES - 1) // LANES
    bad = np.full(nblk, -1, dtype=np.int64)
    for ib in prange(nblk):
        b0 = ib * LANES
        nb = min(LANES, B - b0)
        pr = np.zeros((24, LANES))
        for j in range(LANES):
            pr[8, j] = 1.0   # q11
            pr[9, j] = 1.0   # r
            pr[14, j] = 1.0  # P11
            pr[17, j] = 1.0  # running product of S
            pr[18, j] = np.inf  # min S
        for j in range(nb):
            b = b0 + j
            pr[0, j] = A[b, 0, 0]; pr[1, j] = A[b, 0, 1]
            pr[2, j] = A[b, 1, 0]; pr[3, j] = A[b, 1, 1]
            pr[4, j] = C[b, 0, 0]; pr[5, j] = C[b, 0, 1]
            pr[6, j] = Q[b, 0, 0]; pr[7, j] = 0.5 * (Q[b, 0, 1] + Q[b, 1, 0]); pr[8, j] = Q[b, 1, 1]
            pr[9, j] = R[b, 0, 0]
            pr[10, j] = m0[b, 0]; pr[11, j] = m0[b, 1]
            pr[12, j] = P0[b, 0, 0]; pr[13, j] = 0.5 * (P0[b, 0, 1] + P0[b, 1, 0])
            pr[14, j] = P0[b, 1, 1]
        a00 = pr[0]; a01 = pr[1]; a10 = pr[2]; a11 = pr[3]; c0 = pr[4]; c1 = pr[5]
        q00 = pr[6]; q01 = pr[7]; q11 = pr[8]; r = pr[9]; z0v = pr[10]; z1v = pr[11]
        P00 = pr[12]; P01 = pr[13]; P11 = pr[14]; acc = pr[15]; lg = pr[16]; ps = pr[17]
        mn = pr[18]
        xb = np.zeros((TILE, LANES))
        ob = np.empty((TILE, 3, LANES))
        for t0 in range(0, T, TILE):
            tn = min(TILE, T - t0)
            for j in range(nb):
                for s in range(tn):
                    xb[s, j] = x[b0 + j, t0 + s, 0]
            for s in range(tn):
                xv = xb[s]
                o = ob[s]
                for j in range(nl):
                    A00 = a00[j]; A01 = a01[j]; A10 = a10[j]; A11 = a11[j]
                    C0 = c0[j]; C1 = c1[j]; rr = r[j]
                    u00 = A00 * P00[j] + A01 * P01[j]
                    u01 = A00 * P01[j] + A01 * P11[j]
                    u10 = A10 * P00[j] + A11 * P01[j]
                    u11 = A10 * P01[j] + A11 * P11[j]
                    pp00 = u00 * A00 + u01 * A01 + q00[j]
                    pp01 = u00 * A10 + u01 * A11 + q01[j]
                    pp11 = u10 * A10 + u11 * A11 + q11[j]
                    h0 = pp00 * C0 + pp01 * C1
                    h1 = pp01 * C0 + pp11 * C1
                    S = C0 * h0 + C1 * h1 + rr
                    mn[j] = min(mn[j], S)
                    iS = 1.0 / S
                    k0 = h0 * iS
                    k1 = h1 * iS
                    g00 = 1.0 - k0 * C0
                    g01 = -k0 * C1
                    g10 = -k1 * C0
                    g11 = 1.0 - k1 * C1
                    v00 = g00 * pp00 + g01 * pp01
                    v01 = g00 * pp01 + g01 * pp11
                    v10 = g10 * pp00 + g11 * pp01
                    v11 = g10 * pp01 + g11 * pp11
                    P00[j] = v00 * g00 + v01 * g01 + k0 * k0 * rr
                    P01[j] = v00 * g10 + v01 * g11 + k0 * k1 * rr
                    P11[j] = v10 * g10 + v11 * g11 + k1 * k1 * rr
                    p0 = A00 * z0v[j] + A01 * z1v[j]
                    p1 = A10 * z0v[j] + A11 * z1v[j]
                    e = xv[j] - (C0 * p0 + C1 * p1)
                    f0 = p0 + k0 * e
                    f1 = p1 + k1 * e
                    z0v[j] = f0
                    z1v[j] = f1
                    acc[j] += e * e * iS
                    ps[j] *= S
                    o[0, j] = f0
                    o[1, j] = f1
                    o[2, j] = (C0 * A00 + C1 * A10) * f0 + (C0 * A01 + C1 * A11) * f1
                if (s & 7) == 7 or s == tn - 1:
                    for j in range(nl):
                        lg[j] += np.log(ps[j])
                        ps[j] = 1.0
            for j in range(nb):
                for s in range(tn):
                    filt[b0 + j, t0 + s, 0] = ob[s, 0, j]
                    filt[b0 + j, t0 + s, 1] = ob[s, 1, j]
                    onestep[b0 + j, t0 + s, 0] = ob[s, 2, j]
        for j in range(nb):
            ll[b0 + j] = -0.5 * (acc[j] + lg[j] + T * log2pi)
            if not (mn[j] > 0.0):
                bad[ib] = b0 + j
    for ib in range(nblk):
        if bad[ib] >= 0:
            return bad[ib]
    return -1
