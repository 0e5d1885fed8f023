"""The 001 App B.1 LG-SSM prior (d = 4) as a map from standard-normal latents, and the fused
Kalman log-likelihood / one-step prediction of every latent (numba, batched over particles).

Non-centred parametrisation. A latent xi ~ N(0, I_D) is mapped deterministically to
theta = (A, C, Q, R) so that theta has exactly the law of
:func:`chasm_theory.oracles.tasks.random_lgssm_prior` (``a_form="scaled-orthogonal"``):

* A: G_A (d x d, Gaussian) -> U = Q-factor of G_A with positive diag(R) (Haar orthogonal, the
  same sign fix as the core). U's invariant planes / real lines are the eigenspaces of the
  symmetric S = (U + U^T)/2 (eigenvalue cos of the rotation angle, double for a plane, +-1 for a
  real eigenvalue), with projectors P_k written in closed form from tr S and tr S^2. Each block
  gets its own r_k ~ U(lo, hi) and A = U sum_k r_k P_k. So A restricted to block k is r_k U,
  which is the core's "scale each real-Schur block of U by its own r". d = 4 only.
* C: the latents themselves (i.i.d. N(0, 1)).
* Q = V_Q diag(exp u) V_Q^T, V_Q Haar (QR of a Gaussian), u_i = log q_lo + (log q_hi - log q_lo)
  Phi(eta_i), i.e. u_i ~ U(log q_lo, log q_hi); R the same in dimension m.
* m0 = 0, P0 = the stationary covariance of (A, Q) (doubling iteration).

Uniforms enter as Phi(eta) with eta ~ N(0, 1), so the prior on the latent is N(0, I_D) and a
posterior over xi pushes forward to the posterior over theta. The map is many-to-one (the
latents of the QR factors that do not reach theta stay at their prior): harmless for the
posterior predictive.

Latent layout (d = 4, m observations): G_A (16) | eta_r (3) | C (m d) | G_Q (16) | eta_q (4) |
G_R (m^2) | eta_v (m); D = 39 + m (d + m + 1).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from chasm_theory.errors import ValidationError
from chasm_theory.oracles._kalman_kernels import _riccati_step

__all__ = ["PriorSpec", "LgssmPrior", "latent_dim", "theta_from_latent"]

_LOG2PI = math.log(2.0 * math.pi)
_D_STATE = 4


class PriorSpec(NamedTuple):
    """Ranges of the 001 App B.1 prior (the defaults of ``random_lgssm_prior``)."""

    eig_range: tuple[float, float] = (0.7, 0.95)
    q_range: tuple[float, float] = (0.1, 1.0)
    r_range: tuple[float, float] = (0.05, 0.5)


def latent_dim(m: int, d: int = _D_STATE) -> int:
    """Length D of the latent vector for state dimension d (= 4) and m observations."""
    return 2 * d * d + 3 + m * d + d + m * m + m


@njit(cache=True)
def _phi(z):
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


@njit(cache=True)
def _haar(g, n, out):
    """out (n, n): modified Gram-Schmidt Q-factor of the n x n matrix g (row-major flat): the
    Q of QR with a positive diagonal of R."""
    for i in range(n):
        for j in range(n):
            out[i, j] = g[i * n + j]
    for j in range(n):
        for k in range(j):
            dot = 0.0
            for i in range(n):
                dot += out[i, k] * out[i, j]
            for i in range(n):
                out[i, j] -= dot * out[i, k]
        nrm = 0.0
        for i in range(n):
            nrm += out[i, j] * out[i, j]
        nrm = math.sqrt(nrm)
        for i in range(n):
            out[i, j] /= nrm


@njit(cache=True)
def _det4(M):
    """Determinant of a 4 x 4 matrix (Laplace expansion by 2 x 2 minors)."""
    s0 = M[0, 0] * M[1, 1] - M[1, 0] * M[0, 1]
    s1 = M[0, 0] * M[1, 2] - M[1, 0] * M[0, 2]
    s2 = M[0, 0] * M[1, 3] - M[1, 0] * M[0, 3]
    s3 = M[0, 1] * M[1, 2] - M[1, 1] * M[0, 2]
    s4 = M[0, 1] * M[1, 3] - M[1, 1] * M[0, 3]
    s5 = M[0, 2] * M[1, 3] - M[1, 2] * M[0, 3]
    c5 = M[2, 2] * M[3, 3] - M[3, 2] * M[2, 3]
    c4 = M[2, 1] * M[3, 3] - M[3, 1] * M[2, 3]
    c3 = M[2, 1] * M[3, 2] - M[3, 1] * M[2, 2]
    c2 = M[2, 0] * M[3, 3] - M[3, 0] * M[2, 3]
    c1 = M[2, 0] * M[3, 2] - M[3, 0] * M[2, 2]
    c0 = M[2, 0] * M[3, 1] - M[3, 0] * M[2, 1]
    return s0 * c5 - s1 * c4 + s2 * c3 + s3 * c2 - s4 * c1 + s5 * c0


@njit(cache=True)
def _mm4(X, Y, out, transpose_y):
    """out = X Y (or X Y^T) for 4 x 4 matrices (out distinct from X and Y)."""
    for i in range(4):
        for j in range(4):
            s = 0.0
            for q in range(4):
                s += X[i, q] * (Y[j, q] if transpose_y else Y[q, j])
            out[i, j] = s


@njit(cache=True)
def _sym_from_factor(V, lam, n, out):
    """out = V diag(lam) V^T (n x n)."""
    for i in range(n):
        for j in range(i + 1):
            s = 0.0
            for q in range(n):
                s += V[i, q] * lam[q] * V[j, q]
            out[i, j] = s
            out[j, i] = s


@njit(cache=True)
def _theta(xi, m, eig_lo, eig_hi, lq_lo, lq_hi, lr_lo, lr_hi, A, C, Q, R, P0, buf):
    """Fill A (4,4), C (m,4), Q (4,4), R (m,m), P0 (4,4) from one latent xi (D,).
    buf: scratch (6, 4, 4)."""
    d = 4
    U, S, S2, Mm, T1, T2 = buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]
    _haar(xi[0:16], d, U)
    sgn = 1.0 if _det4(U) > 0.0 else -1.0
    r1 = eig_lo + (eig_hi - eig_lo) * _phi(xi[16])
    r2 = eig_lo + (eig_hi - eig_lo) * _phi(xi[17])
    r3 = eig_lo + (eig_hi - eig_lo) * _phi(xi[18])
    for i in range(d):
        for j in range(d):
            S[i, j] = 0.5 * (U[i, j] + U[j, i])
    _mm4(S, S, S2, False)
    t1 = 0.0
    t2 = 0.0
    for i in range(d):
        t1 += S[i, i]
        t2 += S2[i, i]
    if sgn > 0.0:
        # two rotation planes, eigenvalues c1 < c2 of S (each double)
        t1 *= 0.5
        t2 *= 0.5
        disc = math.sqrt(max(2.0 * t2 - t1 * t1, 1e-300))
        c1 = 0.5 * (t1 - disc)
        c2 = 0.5 * (t1 + disc)
        for i in range(d):
            for j in range(d):
                p1 = (S[i, j] - (c2 if i == j else 0.0)) / (c1 - c2)
                Mm[i, j] = r1 * p1 + r2 * ((1.0 if i == j else 0.0) - p1)
    else:
        # eigenvalues +1, -1 (real lines) and c (a rotation plane)
        c = 0.5 * t1
        for i in range(d):
            for j in range(d):
                e = 1.0 if i == j else 0.0
                # (S + I)(S - cI) = S2 + (1 - c) S - c I ; (S - I)(S - cI) = S2 - (1 + c) S + c I
                pp = (S2[i, j] + (1.0 - c) * S[i, j] - c * e) / (2.0 * (1.0 - c))
                pm = (S2[i, j] - (1.0 + c) * S[i, j] + c * e) / (2.0 * (1.0 + c))
                Mm[i, j] = r1 * (e - pp - pm) + r2 * pp + r3 * pm
    _mm4(U, Mm, A, False)
    o = 19
    for i in range(m):
        for j in range(d):
            C[i, j] = xi[o + i * d + j]
    o += m * d
    _haar(xi[o:o + d * d], d, U)
    o += d * d
    lam = np.empty(d)
    for i in range(d):
        lam[i] = math.exp(lq_lo + (lq_hi - lq_lo) * _phi(xi[o + i]))
    o += d
    _sym_from_factor(U, lam, d, Q)
    _haar(xi[o:o + m * m], m, S)
    o += m * m
    for i in range(m):
        lam[i] = math.exp(lr_lo + (lr_hi - lr_lo) * _phi(xi[o + i]))
    _sym_from_factor(S, lam, m, R)
    # stationary covariance P = sum_j A^j Q A^jT by doubling: after n steps the sum holds
    # j < 2^n and the remainder is O(rho^(2^(n+1))) (rho <= 0.95: 0.95^1024 < 1e-22 at n = 9)
    for i in range(d):
        for j in range(d):
            P0[i, j] = Q[i, j]
            Mm[i, j] = A[i, j]
    for _ in range(9):
        _mm4(Mm, P0, T1, False)
        _mm4(T1, Mm, T2, True)
        for i in range(d):
            for j in range(d):
                P0[i, j] += T2[i, j]
        _mm4(Mm, Mm, T1, False)
        for i in range(d):
            for j in range(d):
                Mm[i, j] = T1[i, j]
    for i in range(d):
        for j in range(i):
            h = 0.5 * (P0[i, j] + P0[j, i])
            P0[i, j] = h
            P0[j, i] = h


@njit(cache=True)
def _kalman_one(x, A, C, Q, R, P0, pred, buf):
    """Exact Kalman filter of one sequence x (k, m) from z_0 ~ N(0, P0): returns
    log p(x_1..x_k) and writes E[x_{k+1} | x_1..x_k] = C A z_{k|k} into pred (m,).
    The covariance recursion is the core's one Riccati step
    (:func:`chasm_theory.oracles._kalman_kernels._riccati_step`); buf: scratch (8, 4, 4)
    (m <= 4), so no allocation per step (d = 4)."""
    k, m = x.shape
    d = 4
    P, Pp, IKC, KRK = buf[0], buf[1], buf[2], buf[3]
    S, L = buf[4, :m, :m], buf[5, :m, :m]
    CP, Y = buf[6, :m, :], buf[7, :m, :]
    Kt = np.empty((d, m))
    z = np.zeros(d)
    zp = np.empty(d)
    w = np.empty(m)
    e = np.empty(m)
    for i in range(d):
        for j in range(d):
            P[i, j] = P0[i, j]
    ll = 0.0
    for t in range(k):
        if not _riccati_step(A, C, Q, R, P, Pp, S, L, CP, Y, Kt, IKC, KRK):
            return -np.inf
        for i in range(d):
            s = 0.0
            for j in range(d):
                s += A[i, j] * z[j]
            zp[i] = s
        quad = 0.0
        ldet = 0.0
        for i in range(m):
            s = x[t, i]
            for q in range(d):
                s -= C[i, q] * zp[q]
            e[i] = s
            for q in range(i):
                s -= L[i, q] * w[q]
            w[i] = s / L[i, i]
            quad += w[i] * w[i]
            ldet += 2.0 * math.log(L[i, i])
        ll -= 0.5 * (quad + ldet + m * _LOG2PI)
        for i in range(d):
            s = zp[i]
            for q in range(m):
                s += Kt[i, q] * e[q]
            z[i] = s
    for i in range(m):
        s = 0.0
        for j in range(d):
            az = 0.0
            for q in range(d):
                az += A[j, q] * z[q]
            s += C[i, j] * az
        pred[i] = s
    return ll


@njit(parallel=True, cache=True)
def _loglik_pred_kernel(xi, x, ctx, eig_lo, eig_hi, lq_lo, lq_hi, lr_lo, lr_hi, ll, pred):
    B = xi.shape[0]
    m = x.shape[2]
    for b in prange(B):
        A = np.empty((4, 4))
        C = np.empty((m, 4))
        Q = np.empty((4, 4))
        R = np.empty((m, m))
        P0 = np.empty((4, 4))
        buf = np.empty((8, 4, 4))
        _theta(xi[b], m, eig_lo, eig_hi, lq_lo, lq_hi, lr_lo, lr_hi, A, C, Q, R, P0, buf)
        ll[b] = _kalman_one(x[ctx[b]], A, C, Q, R, P0, pred[b], buf)


@njit(cache=True)
def _theta_batch(xi, m, eig_lo, eig_hi, lq_lo, lq_hi, lr_lo, lr_hi, A, C, Q, R, P0):
    buf = np.empty((8, 4, 4))
    for b in range(xi.shape[0]):
        _theta(xi[b], m, eig_lo, eig_hi, lq_lo, lq_hi, lr_lo, lr_hi, A[b], C[b], Q[b], R[b],
               P0[b], buf)


def _bounds(spec: PriorSpec) -> tuple[float, ...]:
    lo, hi = spec.eig_range
    if not 0.0 <= lo <= hi < 1.0:
        raise ValidationError("eig_range", "must satisfy 0 <= lo <= hi < 1", f"got {lo, hi}")
    for name, (a, b) in (("q_range", spec.q_range), ("r_range", spec.r_range)):
        if not 0.0 < a <= b < np.inf:
            raise ValidationError(name, "must satisfy 0 < lo <= hi < inf", f"got {a, b}")
    return (float(lo), float(hi), math.log(spec.q_range[0]), math.log(spec.q_range[1]),
            math.log(spec.r_range[0]), math.log(spec.r_range[1]))


def _check_latent(xi: object, D: int) -> np.ndarray:
    a = np.ascontiguousarray(xi, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != D:
        raise ValidationError("xi", f"must have shape (batch, {D})", f"got {np.shape(xi)}")
    if not np.all(np.isfinite(a)):
        raise ValidationError("xi", "must be finite", "contains NaN or inf")
    return a


def theta_from_latent(xi: object, m: int = 2, spec: PriorSpec | None = None
                      ) -> tuple[np.ndarray, ...]:
    """Batched theta from latents xi (B, D): A (B, 4, 4), C (B, m, 4), Q (B, 4, 4),
    R (B, m, m), m0 (B, 4) zeros, P0 (B, 4, 4) stationary covariance."""
    if isinstance(m, bool) or int(m) != m or not 1 <= int(m) <= 4:
        raise ValidationError("m", "must be an integer in 1..4", f"got {m!r}")
    a = _check_latent(xi, latent_dim(m))
    B = a.shape[0]
    A, Q, P0 = (np.empty((B, 4, 4)) for _ in range(3))
    C, R = np.empty((B, m, 4)), np.empty((B, m, m))
    _theta_batch(a, m, *_bounds(spec or PriorSpec()), A, C, Q, R, P0)
    return A, C, Q, R, np.zeros((B, 4)), P0


class LgssmPrior:
    """The d = 4 LG-SSM prior as an SMC model: a N(0, I_D) latent and, for latents of
    particles attached to contexts, the exact Kalman log-likelihood of the context and the
    one-step prediction E[x_{k+1} | x_1..x_k, theta]."""

    def __init__(self, m: int = 2, spec: PriorSpec | None = None) -> None:
        if isinstance(m, bool) or int(m) != m or not 1 <= int(m) <= 4:
            raise ValidationError("m", "must be an integer in 1..4", f"got {m!r}")
        self.m = int(m)
        self.spec = spec or PriorSpec()
        self.dim = latent_dim(self.m)
        self._b = _bounds(self.spec)

    def loglik_pred(self, xi: np.ndarray, x: np.ndarray, ctx: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        """xi (B, D) latents, x (n, k, m) contexts, ctx (B,) the context of each latent.
        Returns log p(x_ctx | theta(xi)) (B,) and the predictions (B, m)."""
        B = xi.shape[0]
        ll = np.empty(B)
        pred = np.empty((B, self.m))
        _loglik_pred_kernel(np.ascontiguousarray(xi), np.ascontiguousarray(x),
                            np.ascontiguousarray(ctx, dtype=np.int64), *self._b, ll, pred)
        return ll, pred
