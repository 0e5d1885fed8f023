"""Linear-Gaussian meta-learning tasks in torch, and their known-parameter oracles in numpy.

Tasks (000 App C.7.2, C.2, C.3; 001 App B.1-B.2). Every sampler draws a batch of sequences
``x (batch, T, m)`` from a ``torch.Generator`` on its device. Training pairs are
``(x[:, :-1], x[:, 1:])``: the output at position t predicts x_{t+1} from x_{1..t}.

* colored noise: z_t = a z_{t−1} + w_t, w_t ~ N(0, 1); v_t = α v_{t−1} + √(1−α²) ε_t
  (marginal variance 1); x_t = z_t + v_t; both chains start stationary. α is per sequence:
  fixed, or ~ U(lo, hi) (meta-training: U(0.5, 0.99)). α = 0 is the i.i.d.-noise case (Exp IV a).
* static: θ ~ N(0, 1), x_i = θ + ε_i, ε_i ~ N(0, 1) i.i.d. (Exp II).
* LG-SSM prior (d = 4, m = 2): per-sequence task parameters (A, C, Q, R) from
  ``chasm_theory.tasks.random_lgssm_prior``; z_0 stationary.

Oracles (numpy float64, batched Kalman predictions of x_{t+1} given x_{1..t}, t = 1..T):
:func:`kalman_predictions` (exact time-varying gains from the stationary prior) and
``steady=True`` (the DARE gain from step 1, the papers' oracle).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from chasm_theory.errors import ValidationError

__all__ = ["colored_noise_batch", "static_batch", "lgssm_batch", "as_training_pair",
           "augmented_params", "kalman_predictions", "SSParams", "riccati_limit"]


def _check_alpha(alpha: float) -> None:
    if not (0.0 <= alpha < 1.0):
        raise ValidationError("alpha", "must lie in [0, 1)", repr(alpha))


def colored_noise_batch(gen: torch.Generator, batch: int, T: int, *, a: float = 0.9,
                        alpha: float | tuple[float, float] = (0.5, 0.99),
                        device: str | torch.device = "cpu") -> tuple[Tensor, Tensor]:
    """x (batch, T, 1) float32 and the per-sequence α (batch,)."""
    if not (0 <= a < 1):
        raise ValidationError("a", "must lie in [0, 1)", repr(a))
    if T < 1 or batch < 1:
        raise ValidationError("T", "batch and T must be positive", f"{batch}, {T}")
    kw = dict(generator=gen, device=device, dtype=torch.float64)
    if isinstance(alpha, tuple):
        lo, hi = alpha
        _check_alpha(lo), _check_alpha(hi)
        al = lo + (hi - lo) * torch.rand(batch, **kw)
    else:
        _check_alpha(alpha)
        al = torch.full((batch,), float(alpha), device=device, dtype=torch.float64)
    w = torch.randn(batch, T, **kw)
    e = torch.randn(batch, T, **kw)
    z = torch.randn(batch, **kw) / math.sqrt(1 - a * a)  # stationary z_0
    v = torch.randn(batch, **kw)  # stationary v_0 (variance 1)
    s = torch.sqrt(1 - al * al)
    xs = []
    for t in range(T):
        z = a * z + w[:, t]
        v = al * v + s * e[:, t]
        xs.append(z + v)
    return torch.stack(xs, 1).unsqueeze(-1).float(), al.float()


def static_batch(gen: torch.Generator, batch: int, T: int, *, sigma: float = 1.0,
                 device: str | torch.device = "cpu") -> tuple[Tensor, Tensor]:
    """x (batch, T, 1) with x_i = θ + ε_i, and θ (batch,)."""
    theta = torch.randn(batch, generator=gen, device=device)
    x = theta[:, None] + sigma * torch.randn(batch, T, generator=gen, device=device)
    return x.unsqueeze(-1), theta


class SSParams(NamedTuple):
    """Batched LG-SSM parameters, leading dim = batch (numpy float64)."""

    A: np.ndarray  # (B, d, d)
    C: np.ndarray  # (B, m, d)
    Q: np.ndarray  # (B, d, d)
    R: np.ndarray  # (B, m, m)
    P0: np.ndarray  # (B, d, d) stationary covariance of z_0


def lgssm_batch(gen: torch.Generator, params: SSParams,
                device: str | torch.device = "cpu", T: int = 33) -> Tensor:
    """x (batch, T, m) from per-sequence parameters ``params`` (batch of tasks), float32."""
    A, C, Q, R, P0 = (torch.as_tensor(p, device=device, dtype=torch.float64) for p in params)
    B, d, m = A.shape[0], A.shape[1], C.shape[1]
    LQ = torch.linalg.cholesky(Q + 1e-12 * torch.eye(d, device=device, dtype=torch.float64))
    LR = torch.linalg.cholesky(R + 1e-12 * torch.eye(m, device=device, dtype=torch.float64))
    L0 = torch.linalg.cholesky(P0 + 1e-12 * torch.eye(d, device=device, dtype=torch.float64))
    kw = dict(generator=gen, device=device, dtype=torch.float64)
    z = (L0 @ torch.randn(B, d, 1, **kw))
    xs = []
    for _ in range(T):
        z = A @ z + LQ @ torch.randn(B, d, 1, **kw)
        xs.append((C @ z + LR @ torch.randn(B, m, 1, **kw)).squeeze(-1))
    return torch.stack(xs, 1).float()


def as_training_pair(x: Tensor) -> tuple[Tensor, Tensor]:
    """(inputs x_{1..T−1}, targets x_{2..T}) from x (batch, T, m)."""
    return x[:, :-1], x[:, 1:]


# ----------------------------------------------------------------------------- oracles


def augmented_params(a: float, alpha: float, q: float = 1.0) -> tuple[np.ndarray, ...]:
    """(A, C, Q, R, P0) of ξ_t = [z_t; v_t] (000 Thm 2): A = diag(a, α), C = [1 1],
    Q = diag(q, 1 − α²), R = 0, P0 = diag(q/(1−a²), 1). For α = 0 the v-state is i.i.d. noise."""
    A = np.diag([a, alpha])
    C = np.array([[1.0, 1.0]])
    Q = np.diag([q, 1.0 - alpha ** 2])
    R = np.zeros((1, 1))
    P0 = np.diag([q / (1 - a * a), 1.0])
    return A, C, Q, R, P0


def riccati_limit(A: np.ndarray, C: np.ndarray, Q: np.ndarray, R: np.ndarray,
                  P0: np.ndarray, tol: float = 1e-14, max_iter: int = 1_000_000) -> np.ndarray:
    """Fixed point of the prediction Riccati recursion P ← A(P − P Cᵀ S⁻¹ C P)Aᵀ + Q, started
    from the first prediction covariance A P0 Aᵀ + Q (so it is the limit of the exact gains)."""
    P = A @ P0 @ A.T + Q
    for _ in range(max_iter):
        S = C @ P @ C.T + R
        K = P @ C.T @ np.linalg.inv(S)
        Pn = A @ (P - K @ C @ P) @ A.T + Q
        if np.max(np.abs(Pn - P)) < tol * (1 + np.max(np.abs(P))):
            return 0.5 * (Pn + Pn.T)
        P = Pn
    return P


def kalman_predictions(x: np.ndarray, A: np.ndarray, C: np.ndarray, Q: np.ndarray,
                       R: np.ndarray, P0: np.ndarray, *, steady: bool = False,
                       return_loglik: bool = False):
    """Kalman one-step predictions for sequences sharing one parameter set.

    x: (batch, T, m). Returns pred (batch, T, m), pred[:, t] = E[x_{t+2} | x_{1..t+1}] (0-based:
    the prediction made after seeing t+1 observations, aligned with a model's output t), and
    with ``return_loglik`` also the log-likelihood log p(x_{1..t}) for t = 1..T (batch, T).
    ``steady``: use the limiting gain at every step (the papers' steady-state oracle)."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 3 or x.shape[2] != C.shape[0]:
        raise ValidationError("x", f"must have shape (batch, T, {C.shape[0]})", str(x.shape))
    Bn, T, m = x.shape
    d = A.shape[0]
    zp = np.zeros((Bn, d))  # ẑ_{1|0} = A·0
    P = A @ P0 @ A.T + Q  # P_{1|0}
    if steady:
        P = riccati_limit(A, C, Q, R, P0)
    preds = np.empty((Bn, T, m))
    ll = np.zeros((Bn, T))
    acc = np.zeros(Bn)
    for t in range(T):
        S = C @ P @ C.T + R
        Sinv = np.linalg.inv(S)
        K = P @ C.T @ Sinv  # (d, m)
        innov = x[:, t] - zp @ C.T  # (B, m)
        if return_loglik:
            _, logdet = np.linalg.slogdet(S)
            acc = acc - 0.5 * (np.einsum("bi,ij,bj->b", innov, Sinv, innov) + logdet
                               + m * math.log(2 * math.pi))
            ll[:, t] = acc
        zf = zp + innov @ K.T
        zp = zf @ A.T
        preds[:, t] = zp @ C.T
        if not steady:
            P = A @ (P - K @ C @ P) @ A.T + Q
    return (preds, ll) if return_loglik else preds
