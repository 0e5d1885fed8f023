"""Seeded samplers for the papers' tasks (numpy, float64). Every sampler takes a
``np.random.Generator``; nothing reads global random state.

Timing convention (same as :mod:`chasm_theory.lgssm` and the filters): the state starts at
z_0 ~ N(m0, P0), then for t = 1..T: z_t = A z_{t-1} + w_t, x_t = C z_t + v_t. The returned
arrays hold t = 1..T (z_0 is not returned).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.lgssm import LGSSMParams, make_lgssm, stationary_covariance

__all__ = [
    "colored_noise_lgssm",
    "sample_colored_noise",
    "sample_lgssm",
    "sample_static",
    "random_lgssm_prior",
    "ColoredNoiseSample",
    "LGSSMSample",
    "StaticSample",
    "psd_sqrt",
]


class ColoredNoiseSample(NamedTuple):
    """x: (batch, T) observations x_t = z_t + v_t; z: (batch, T) signal; v: (batch, T) noise."""

    x: np.ndarray
    z: np.ndarray
    v: np.ndarray


class LGSSMSample(NamedTuple):
    """z: (batch, T, d) states z_1..z_T; x: (batch, T, m) observations x_1..x_T."""

    z: np.ndarray
    x: np.ndarray


class StaticSample(NamedTuple):
    """theta: (batch,) static level; x: (batch, T) observations theta + eps_i."""

    theta: np.ndarray
    x: np.ndarray


def _check_unit(name: str, value: float) -> float:
    v = float(value)
    if not np.isfinite(v) or not abs(v) < 1.0:
        raise ValidationError(
            name, "must satisfy |" + name + "| < 1 (stationary AR(1))", f"got {value!r}"
        )
    return v


def _check_positive(name: str, value: float, allow_zero: bool = False) -> float:
    v = float(value)
    ok = np.isfinite(v) and (v >= 0.0 if allow_zero else v > 0.0)
    if not ok:
        raise ValidationError(
            name,
            "must be " + ("non-negative" if allow_zero else "positive") + " and finite",
            f"got {value!r}",
        )
    return v


def _check_size(name: str, value: int) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise ValidationError(name, "must be a positive integer", f"got {value!r}")
    return int(value)


def colored_noise_lgssm(a: float, alpha: float, q: float = 1.0) -> LGSSMParams:
    """The augmented 2-D model of 000 Thm 2 / App B.2 for x_t = z_t + v_t.

    xi_t = [z_t; v_t], A = diag(a, alpha), C = [[1, 1]], Q = diag(q, 1 - alpha^2), R = [[0]],
    m0 = 0, P0 = stationary covariance diag(q / (1 - a^2), 1): the noise v has unit marginal
    variance. Requires |a| < 1 and |alpha| < 1 (ValidationError naming ``a`` / ``alpha``).
    """
    a_ = _check_unit("a", a)
    al = _check_unit("alpha", alpha)
    q_ = _check_positive("q", q)
    A = np.diag([a_, al])
    Q = np.diag([q_, 1.0 - al * al])
    return make_lgssm(
        A,
        np.array([[1.0, 1.0]]),
        Q,
        np.zeros((1, 1)),
        np.zeros(2),
        np.diag([q_ / (1.0 - a_ * a_), 1.0]),
    )


def psd_sqrt(M: np.ndarray) -> np.ndarray:
    """A square root S with S S^T = M for a symmetric PSD M (via eigh; works when singular)."""
    lam, U = np.linalg.eigh(0.5 * (M + M.T))
    return U * np.sqrt(np.clip(lam, 0.0, None))


def sample_colored_noise(
    a: float, alpha: float, batch: int, T: int, rng: np.random.Generator, q: float = 1.0
) -> ColoredNoiseSample:
    """Colored-noise task (000 Thm 2): z_t = a z_{t-1} + w_t (w ~ N(0, q)),
    v_t = alpha v_{t-1} + sqrt(1 - alpha^2) eps_t, x_t = z_t + v_t, t = 1..T, started from the
    stationary law (z_0 ~ N(0, q/(1-a^2)), v_0 ~ N(0, 1)). Returns (batch, T) arrays.
    """
    a_, al = _check_unit("a", a), _check_unit("alpha", alpha)
    q_ = _check_positive("q", q)
    batch, T = _check_size("batch", batch), _check_size("T", T)
    z = np.empty((batch, T))
    v = np.empty((batch, T))
    zc = rng.standard_normal(batch) * np.sqrt(q_ / (1.0 - a_ * a_))
    vc = rng.standard_normal(batch)
    w = rng.standard_normal((batch, T)) * np.sqrt(q_)
    e = rng.standard_normal((batch, T)) * np.sqrt(1.0 - al * al)
    for t in range(T):
        zc = a_ * zc + w[:, t]
        vc = al * vc + e[:, t]
        z[:, t] = zc
        v[:, t] = vc
    return ColoredNoiseSample(z + v, z, v)


def sample_lgssm(params: LGSSMParams, batch: int, T: int, rng: np.random.Generator) -> LGSSMSample:
    """Sample z_0 ~ N(m0, P0); z_t = A z_{t-1} + w_t; x_t = C z_t + v_t for t = 1..T.

    Returns z: (batch, T, d) and x: (batch, T, m) (z_0 not returned). Singular (PSD) Q, R, P0
    are fine (square roots via eigh).
    """
    batch, T = _check_size("batch", batch), _check_size("T", T)
    A, C, Q, R, m0, P0 = params
    d, m = A.shape[0], C.shape[0]
    zc = m0[None, :] + rng.standard_normal((batch, d)) @ psd_sqrt(P0).T
    w = rng.standard_normal((batch, T, d)) @ psd_sqrt(Q).T
    v = rng.standard_normal((batch, T, m)) @ psd_sqrt(R).T
    z = np.empty((batch, T, d))
    for t in range(T):
        zc = zc @ A.T + w[:, t]
        z[:, t] = zc
    x = z @ C.T + v
    return LGSSMSample(z, x)


def sample_static(
    batch: int, T: int, rng: np.random.Generator, sigma: float = 1.0, prior_var: float = 1.0
) -> StaticSample:
    """Static estimation task (000 Def 6 / App C.2): theta ~ N(0, prior_var),
    x_i = theta + eps_i, eps_i ~ N(0, sigma^2) i.i.d. Returns theta (batch,), x (batch, T).
    """
    batch, T = _check_size("batch", batch), _check_size("T", T)
    s = _check_positive("sigma", sigma)
    pv = _check_positive("prior_var", prior_var, allow_zero=True)
    theta = rng.standard_normal(batch) * np.sqrt(pv)
    x = theta[:, None] + s * rng.standard_normal((batch, T))
    return StaticSample(theta, x)


def _random_orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """Haar-distributed orthogonal matrix: QR of a Gaussian matrix with the sign fix."""
    G = rng.standard_normal((n, n))
    Qm, Rm = np.linalg.qr(G)
    return Qm * np.sign(np.diag(Rm))[None, :]


def _scaled_orthogonal(rng: np.random.Generator, d: int, lo: float, hi: float) -> np.ndarray:
    """A random orthogonal U (QR) with each eigenvalue's modulus rescaled into [lo, hi].

    U = Z T Z^T (real Schur form: T block-diagonal with 2x2 rotations and +-1 entries); each
    block is multiplied by its own r ~ U(lo, hi), A = Z diag-blocks(r_k T_k) Z^T. So A keeps
    U's eigenvector structure and rotation angles, and its eigenvalues are r_k e^{+-i theta_k}
    (a conjugate pair shares one modulus).
    """
    import scipy.linalg

    U = _random_orthogonal(rng, d)
    Tm, Z = scipy.linalg.schur(U, output="real")
    scale = np.ones(d)
    i = 0
    while i < d:
        r = rng.uniform(lo, hi)
        if i + 1 < d and abs(Tm[i + 1, i]) > 1e-12:
            scale[i : i + 2] = r
            i += 2
        else:
            scale[i] = r
            i += 1
    # zero the round-off below the block diagonal so the blocks are exactly rotations
    Tb = np.zeros_like(Tm)
    i = 0
    while i < d:
        if i + 1 < d and abs(Tm[i + 1, i]) > 1e-12:
            Tb[i : i + 2, i : i + 2] = Tm[i : i + 2, i : i + 2] * scale[i]
            i += 2
        else:
            Tb[i, i] = Tm[i, i] * scale[i]
            i += 1
    return Z @ Tb @ Z.T


def random_lgssm_prior(
    rng: np.random.Generator,
    d: int = 4,
    m: int = 2,
    *,
    a_form: str = "scaled-orthogonal",
    eig_range: tuple[float, float] = (0.7, 0.95),
    q_range: tuple[float, float] = (0.1, 1.0),
    r_range: tuple[float, float] = (0.05, 0.5),
) -> LGSSMParams:
    """One draw from the LG-SSM task prior of 000 App C.7.1 / 001 App B.1.

    Reading of "random orthogonal with eigenvalues in [0.7, 0.95]" (an orthogonal matrix has
    unit-modulus eigenvalues, so the text must mean a rescaling):

    * ``a_form="scaled-orthogonal"`` (default): U Haar-orthogonal by QR; in U's real Schur
      basis each rotation block (conjugate pair) / real eigenvalue is multiplied by its own
      r ~ U(0.7, 0.95). Eigenvalue moduli are uniform in the range; phases are U's.
    * ``a_form="symmetric"``: A = V diag(lambda) V^T, V Haar-orthogonal, lambda_i ~ U(0.7, 0.95)
      (real positive eigenvalues).

    C: (m, d) i.i.d. N(0, 1). Q = V_Q diag(exp u) V_Q^T, u_i ~ U(log 0.1, log 1.0);
    R = V_R diag(exp v) V_R^T, v_i ~ U(log 0.05, log 0.5) (V_Q, V_R fresh Haar-orthogonal).
    m0 = 0, P0 = stationary covariance.
    """
    d, m = _check_size("d", d), _check_size("m", m)
    lo, hi = eig_range
    if not 0.0 <= lo <= hi < 1.0:
        raise ValidationError("eig_range", "must satisfy 0 <= lo <= hi < 1", f"got {eig_range}")
    if a_form == "scaled-orthogonal":
        A = _scaled_orthogonal(rng, d, lo, hi)
    elif a_form == "symmetric":
        V = _random_orthogonal(rng, d)
        A = (V * rng.uniform(lo, hi, d)[None, :]) @ V.T
    else:
        raise ValidationError(
            "a_form", "must be 'scaled-orthogonal' or 'symmetric'", f"got {a_form!r}"
        )
    C = rng.standard_normal((m, d))
    VQ = _random_orthogonal(rng, d)
    Q = (VQ * np.exp(rng.uniform(np.log(q_range[0]), np.log(q_range[1]), d))[None, :]) @ VQ.T
    VR = _random_orthogonal(rng, m)
    R = (VR * np.exp(rng.uniform(np.log(r_range[0]), np.log(r_range[1]), m))[None, :]) @ VR.T
    Q = 0.5 * (Q + Q.T)
    R = 0.5 * (R + R.T)
    return make_lgssm(A, C, Q, R, np.zeros(d), stationary_covariance(A, Q))
