"""Linear Gaussian state-space models (LG-SSMs): the parameter container and its validation.

Model and timing convention (used by every sampler, filter and oracle in the toolkit)::

    z_0 ~ N(m0, P0)                      (prior on the state *before* the first observation)
    z_t = A z_{t-1} + w_t,   w_t ~ N(0, Q)     t = 1..T
    x_t = C z_t + v_t,       v_t ~ N(0, R)     t = 1..T

so the first observation x_1 already sees one transition: z_1 ~ N(A m0, A P0 A^T + Q).
``P0`` plays the role of the paper's ``P_{0|0}`` (000 App B.1: "starting from z_{0|0}").
When ``P0`` is the stationary covariance of (A, Q), z_t is stationary from t = 0 on.

Shapes: A (state, state), C (obs, state), Q (state, state), R (obs, obs), m0 (state,),
P0 (state, state); observations (batch, time, obs), or (batch, time) when obs = 1.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.linalg

from chasm_theory.errors import ValidationError

__all__ = [
    "LGSSMParams",
    "make_lgssm",
    "stationary_covariance",
    "zero_predictor_risk",
    "validate_observations",
    "spectral_radius",
]

_SYM_TOL = 1e-10
_PSD_TOL = 1e-12


class LGSSMParams(NamedTuple):
    """Parameters of an LG-SSM (float64, validated by :func:`make_lgssm`).

    A: (d, d) transition; C: (m, d) observation; Q: (d, d) process noise covariance;
    R: (m, m) observation noise covariance (may be 0); m0: (d,) prior mean of z_0;
    P0: (d, d) prior covariance of z_0.
    """

    A: np.ndarray
    C: np.ndarray
    Q: np.ndarray
    R: np.ndarray
    m0: np.ndarray
    P0: np.ndarray

    @property
    def d(self) -> int:
        """State dimension."""
        return int(self.A.shape[0])

    @property
    def m(self) -> int:
        """Observation dimension."""
        return int(self.C.shape[0])


def spectral_radius(A: np.ndarray) -> float:
    """max |eig(A)| of a square matrix."""
    A = np.asarray(A, dtype=np.float64)
    if A.size == 0:
        return 0.0
    return float(np.max(np.abs(np.linalg.eigvals(A))))


def _as_matrix(name: str, X: object, shape: tuple[int, int] | None = None) -> np.ndarray:
    try:
        M = np.array(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationError(name, "must be a real numeric array", str(exc)) from None
    if M.ndim == 0:
        M = M.reshape(1, 1)
    if M.ndim != 2:
        raise ValidationError(name, "must be a 2-D matrix", f"got shape {M.shape}")
    if shape is not None and M.shape != shape:
        raise ValidationError(name, f"must have shape {shape}", f"got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise ValidationError(name, "must be finite", "contains NaN or inf")
    return M


def _check_square(name: str, M: np.ndarray) -> None:
    if M.shape[0] != M.shape[1]:
        raise ValidationError(name, "must be square", f"got shape {M.shape}")


def _check_psd(name: str, M: np.ndarray) -> np.ndarray:
    """Symmetric positive semi-definite, with a relative tolerance; returns the symmetrised M."""
    scale = max(1.0, float(np.max(np.abs(M))) if M.size else 1.0)
    asym = float(np.max(np.abs(M - M.T))) if M.size else 0.0
    if asym > _SYM_TOL * scale:
        raise ValidationError(
            name,
            "must be symmetric positive semi-definite",
            f"max |{name} - {name}^T| = {asym:.3g}",
        )
    M = 0.5 * (M + M.T)
    if M.size:
        lam = float(np.min(np.linalg.eigvalsh(M)))
        if lam < -_PSD_TOL * scale:
            raise ValidationError(
                name, "must be symmetric positive semi-definite", f"min eigenvalue {lam:.3g}"
            )
    return M


def stationary_covariance(A: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Stationary covariance P of z_t = A z_{t-1} + w_t, w ~ N(0, Q): P = A P A^T + Q.

    A: (d, d) with spectral radius < 1; Q: (d, d) PSD. Returns P: (d, d), symmetric.
    Raises :class:`ValidationError` naming ``A`` when some |eig A| >= 1 (no stationary law).
    """
    A = _as_matrix("A", A)
    _check_square("A", A)
    Q = _as_matrix("Q", Q, A.shape)
    rho = spectral_radius(A)
    if not rho < 1.0:
        raise ValidationError(
            "A",
            "must be stable (spectral radius < 1) for a stationary covariance",
            f"spectral radius {rho:.6g}",
        )
    P = scipy.linalg.solve_discrete_lyapunov(A, Q)
    return 0.5 * (P + P.T)


def zero_predictor_risk(params: LGSSMParams, t: int) -> np.ndarray:
    """Risk E‖x_t‖² of predicting x_t (1-based time t ≥ 1) by 0: the second moment of the
    prior predictive of x_t with no observations, tr(C Σ_t Cᵀ + R) + ‖C A^t m0‖², where
    Σ_t = A Σ_{t-1} Aᵀ + Q from Σ_0 = P0 (the Kalman filter's prediction step, never updated).

    The fields of ``params`` may carry the same leading batch dimensions (...), e.g. one task
    per entry (A (..., d, d), C (..., m, d), Q (..., d, d), R (..., m, m), m0 (..., d),
    P0 (..., d, d)); returns (...) float64 (a 0-d array for one model).
    """
    if isinstance(t, bool) or int(t) != t or int(t) < 1:
        raise ValidationError("t", "must be an integer >= 1 (1-based time)", repr(t))
    A, C, Q, R, m0, P0 = (np.asarray(p, dtype=np.float64) for p in params)
    At = np.swapaxes(A, -1, -2)
    S, mu = P0, m0[..., None]
    for _ in range(int(t)):
        S = A @ S @ At + Q
        mu = A @ mu
    cov = C @ S @ np.swapaxes(C, -1, -2) + R
    return np.trace(cov, axis1=-2, axis2=-1) + ((C @ mu)[..., 0] ** 2).sum(-1)


def make_lgssm(
    A: object,
    C: object,
    Q: object,
    R: object,
    m0: object | None = None,
    P0: object | None = None,
    *,
    require_stable: bool = False,
) -> LGSSMParams:
    """Validate and pack LG-SSM parameters (float64 copies).

    A: (d, d); C: (m, d) (a 1-D C of length d is read as one row); Q: (d, d) symmetric PSD;
    R: (m, m) symmetric PSD (R = 0 allowed); m0: (d,), default 0; P0: (d, d) symmetric PSD,
    default the stationary covariance of (A, Q) -- which needs rho(A) < 1.
    ``require_stable``: also demand rho(A) < 1 when P0 is given.

    Every violation raises :class:`ValidationError` naming the parameter and the rule.
    """
    A_ = _as_matrix("A", A)
    _check_square("A", A_)
    d = A_.shape[0]
    if d == 0:
        raise ValidationError("A", "must have at least one state dimension", "got d = 0")
    C_arr = np.asarray(C, dtype=np.float64) if not isinstance(C, np.ndarray) else C
    if np.ndim(C_arr) == 1:
        C_arr = np.reshape(C_arr, (1, -1))
    C_ = _as_matrix("C", C_arr)
    if C_.shape[1] != d:
        raise ValidationError("C", f"must have shape (m, {d}) to match A", f"got {C_.shape}")
    m = C_.shape[0]
    if m == 0:
        raise ValidationError("C", "must have at least one row", "got m = 0")
    Q_ = _check_psd("Q", _as_matrix("Q", Q, (d, d)))
    R_ = _check_psd("R", _as_matrix("R", R, (m, m)))
    if m0 is None:
        m0_ = np.zeros(d)
    else:
        m0_ = np.array(m0, dtype=np.float64).reshape(-1)
        if m0_.shape != (d,):
            raise ValidationError("m0", f"must have shape ({d},)", f"got shape {np.shape(m0)}")
        if not np.all(np.isfinite(m0_)):
            raise ValidationError("m0", "must be finite", "contains NaN or inf")
    rho = spectral_radius(A_)
    if P0 is None:
        if not rho < 1.0:
            raise ValidationError(
                "A",
                "must be stable (spectral radius < 1) when P0 defaults "
                "to the stationary covariance",
                f"spectral radius {rho:.6g}",
            )
        P0_ = stationary_covariance(A_, Q_)
    else:
        P0_ = _check_psd("P0", _as_matrix("P0", P0, (d, d)))
    if require_stable and not rho < 1.0:
        raise ValidationError(
            "A", "must be stable (spectral radius < 1)", f"spectral radius {rho:.6g}"
        )
    return LGSSMParams(A_, C_, Q_, R_, m0_, P0_)


def validate_observations(x: object, m: int) -> np.ndarray:
    """Check observations and return them as a float64 array of shape (batch, time, m).

    Accepts (batch, time, m), or (batch, time) when m = 1. NaN/inf raise
    :class:`ValidationError` naming ``x``.
    """
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationError("x", "must be a real numeric array", str(exc)) from None
    if arr.ndim == 2 and m == 1:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[2] != m:
        want = f"(batch, time, {m})" + (" or (batch, time)" if m == 1 else "")
        raise ValidationError("x", f"must have shape {want}", f"got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValidationError(
            "x", "must have at least one sequence and one time step", f"got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValidationError("x", "must be finite", f"NaN or inf at index {tuple(bad)}")
    return np.ascontiguousarray(arr)
