"""Exact one-step prediction risks of linear predictors, from a process covariance.

Every function here reads a covariance ``Sigma`` of (x_1, ..., x_k, y) with shape
(k + 1, k + 1): the first k coordinates are the context, the last one the target y (usually
y = x_{k+1}). All processes are zero-mean, so a linear predictor is w^T x_{1..k} and its risk is

    R(w) = Var(y) - 2 w^T Cov(x, y) + w^T Cov(x) w.

No sampling: the numbers are exact up to float64 linear algebra. For Gaussian processes the
best linear predictor is the conditional mean, i.e. the Kalman predictor from the same prior.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from chasm_theory.errors import NumericalError, ValidationError

__all__ = [
    "process_covariance_colored",
    "process_covariance_static",
    "colored_autocovariance",
    "best_linear_risk",
    "best_linear_risks_all",
    "best_pi_linear_risk",
    "best_pi_coefficient",
    "best_prefix_invariant_risk",
    "sample_mean_risk",
    "ewma_risk",
    "ewma_weights",
    "linear_risk",
]


def _check_unit(name: str, value: float) -> float:
    v = float(value)
    if not (np.isfinite(v) and abs(v) < 1.0):
        raise ValidationError(name, "must satisfy |value| < 1 (stationary AR(1))", repr(value))
    return v


def _check_k(k: int) -> int:
    if int(k) != k or k < 1:
        raise ValidationError("k", "must be an integer >= 1", repr(k))
    return int(k)


def colored_autocovariance(a: float, alpha: float, lags: np.ndarray, q: float = 1.0) -> np.ndarray:
    """gamma(h) = q a^|h| / (1 - a^2) + alpha^|h| of x_t = z_t + v_t (000 Thm 2), where
    z_t = a z_{t-1} + w_t, w ~ N(0, q), and v_t = alpha v_{t-1} + sqrt(1 - alpha^2) eps_t has unit
    marginal variance; both stationary. ``lags``: integer array (any shape)."""
    a_ = _check_unit("a", a)
    al = _check_unit("alpha", alpha)
    if not (np.isfinite(q) and q > 0):
        raise ValidationError("q", "must be > 0", repr(q))
    h = np.abs(np.asarray(lags))
    return q * a_**h / (1.0 - a_ * a_) + al**h


def process_covariance_colored(a: float, alpha: float, k: int, q: float = 1.0) -> np.ndarray:
    """Covariance of (x_1, ..., x_{k+1}) of the stationary colored-noise process of 000 Thm 2.

    Returns Sigma: (k + 1, k + 1), Toeplitz with entries :func:`colored_autocovariance`; the
    last coordinate is the prediction target x_{k+1}.
    """
    k = _check_k(k)
    idx = np.arange(k + 1)
    return colored_autocovariance(a, alpha, idx[:, None] - idx[None, :], q)


def process_covariance_static(
    k: int, sigma2: float = 1.0, prior_var: float = 1.0, target: str = "theta"
) -> np.ndarray:
    """Covariance of (x_1, ..., x_k, y) for the static task x_i = theta + eps_i (000 Def 6),
    theta ~ N(0, prior_var), eps_i ~ N(0, sigma2) i.i.d.; y = theta (``target="theta"``) or
    y = x_{k+1} (``target="next"``). Returns (k + 1, k + 1)."""
    k = _check_k(k)
    if not sigma2 > 0:
        raise ValidationError("sigma2", "must be > 0", repr(sigma2))
    if not prior_var >= 0:
        raise ValidationError("prior_var", "must be >= 0", repr(prior_var))
    if target not in ("theta", "next"):
        raise ValidationError("target", "must be 'theta' or 'next'", repr(target))
    S = np.full((k + 1, k + 1), float(prior_var))
    S[np.arange(k), np.arange(k)] += sigma2
    if target == "next":
        S[k, k] += sigma2
    return S


def _split(Sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    S = np.asarray(Sigma, dtype=np.float64)
    if S.ndim != 2 or S.shape[0] != S.shape[1] or S.shape[0] < 2:
        raise ValidationError(
            "Sigma", "must be a square (k+1, k+1) matrix with k >= 1", f"got shape {S.shape}"
        )
    if not np.all(np.isfinite(S)):
        raise ValidationError("Sigma", "must be finite", "contains NaN or inf")
    if np.max(np.abs(S - S.T)) > 1e-10 * max(1.0, np.max(np.abs(S))):
        raise ValidationError("Sigma", "must be symmetric", "")
    return S[:-1, :-1], S[:-1, -1], float(S[-1, -1])


def linear_risk(Sigma: np.ndarray, w: np.ndarray) -> float:
    """Risk E(y - w^T x)^2 of the linear predictor with weights ``w``: (k,)."""
    Sxx, sxy, syy = _split(Sigma)
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    if w.shape != sxy.shape:
        raise ValidationError("w", f"must have shape ({sxy.size},)", f"got {w.shape}")
    return float(syy - 2.0 * w @ sxy + w @ Sxx @ w)


def best_linear_risks_all(Sigma: np.ndarray) -> np.ndarray:
    """Prediction-error variances of x_j given x_1..x_{j-1}, for every j = 1..n, from one
    Cholesky factor Sigma = L L^T: entry j - 1 is L_jj^2. Returns (n,). Entry k (0-based) is
    the best linear risk with a context of length k."""
    S = np.asarray(Sigma, dtype=np.float64)
    try:
        L = scipy.linalg.cholesky(S, lower=True)
    except np.linalg.LinAlgError:
        raise NumericalError("Sigma is not positive definite (Cholesky failed)") from None
    return np.diag(L) ** 2


def best_linear_risk(Sigma: np.ndarray) -> float:
    """min_w E(y - w^T x)^2 = Var(y) - Cov(y, x) Cov(x)^{-1} Cov(x, y) (Schur complement)."""
    Sxx, sxy, syy = _split(Sigma)
    try:
        cf = scipy.linalg.cho_factor(Sxx, lower=True)
    except np.linalg.LinAlgError:
        raise NumericalError("Cov(x) is not positive definite (Cholesky failed)") from None
    w = scipy.linalg.cho_solve(cf, sxy)
    return float(syy - sxy @ w)


def best_pi_coefficient(Sigma: np.ndarray) -> float:
    """The c minimising E(y - c * sum_i x_i)^2: c = Cov(y, S) / Var(S), S = sum_i x_i.

    Every linear permutation-invariant predictor has equal weights, i.e. is c * S."""
    Sxx, sxy, _ = _split(Sigma)
    var_s = float(Sxx.sum())
    if not var_s > 0:
        raise NumericalError(f"Var(sum x) = {var_s} is not positive")
    return float(sxy.sum()) / var_s


def best_pi_linear_risk(Sigma: np.ndarray) -> float:
    """Risk of the best linear permutation-invariant predictor c * sum_i x_i:
    Var(y) - Cov(y, S)^2 / Var(S)."""
    Sxx, sxy, syy = _split(Sigma)
    var_s = float(Sxx.sum())
    if not var_s > 0:
        raise NumericalError(f"Var(sum x) = {var_s} is not positive")
    return float(syy - float(sxy.sum()) ** 2 / var_s)


def best_prefix_invariant_risk(Sigma: np.ndarray) -> float:
    """Risk of the best linear predictor that ignores the order of x_1..x_{k-1} only:
    w x_k + c sum_{i<k} x_i (every linear map invariant to permutations of x_1..x_{k-1} has
    this form). It is the linear part of what a causal attention read-out without positional
    encoding computes: its query is x_k and its keys and values a multiset of the earlier
    context (000 App C.4). For k = 1 it is the best linear risk."""
    Sxx, sxy, syy = _split(Sigma)
    k = sxy.size
    F = np.zeros((k, 1 if k == 1 else 2))  # columns: x_k, then sum_{i<k} x_i (none at k = 1)
    F[k - 1, 0] = 1.0
    F[: k - 1, -1] = 1.0
    C, c = F.T @ Sxx @ F, F.T @ sxy
    try:
        return float(syy - c @ np.linalg.solve(C, c))
    except np.linalg.LinAlgError:
        raise NumericalError("Cov(x_k, sum_{i<k} x_i) is singular") from None


def sample_mean_risk(Sigma: np.ndarray) -> float:
    """Risk of the sample mean (1/k) sum_i x_i as predictor of y."""
    k = Sigma.shape[0] - 1
    return linear_risk(Sigma, np.full(k, 1.0 / k))


def ewma_weights(k: int, gamma: float) -> np.ndarray:
    """Weights of h_k for h_t = (1 - gamma) h_{t-1} + gamma x_t, h_0 = 0:
    w_i = gamma (1 - gamma)^(k - i), i = 1..k. Returns (k,)."""
    k = _check_k(k)
    if not (0.0 < gamma <= 1.0):
        raise ValidationError("gamma", "must lie in (0, 1]", repr(gamma))
    return gamma * (1.0 - gamma) ** (k - np.arange(1, k + 1))


def ewma_risk(Sigma: np.ndarray, gamma: float) -> float:
    """Risk of the fixed-gain recursion h_k (h_0 = 0) as predictor of y."""
    k = Sigma.shape[0] - 1
    return linear_risk(Sigma, ewma_weights(k, gamma))
