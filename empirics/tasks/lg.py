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

Oracles: :func:`kalman_predictions` adapts the core's Kalman filter (exact time-varying gains
from the stationary prior, or ``steady=True``: the DARE gain from step 1, the papers' oracle) to
the (batch, T, m) prediction layout of the models; :func:`augmented_params` is the core's
colored-noise parameter set.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from chasm_theory.errors import ValidationError

__all__ = ["colored_noise_batch", "static_batch", "lgssm_batch", "as_training_pair",
           "augmented_params", "kalman_predictions", "SSParams", "riccati_limit", "sample_prior",
           "prior_task_sampler"]


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


def sample_prior(rng: np.random.Generator, n: int, d: int = 4, m: int = 2) -> SSParams:
    """n task parameter sets from the 000 App C.7.1 / 001 App B.1 prior (core library)."""
    from chasm_theory.oracles.tasks import random_lgssm_prior

    ps = [random_lgssm_prior(rng, d, m) for _ in range(n)]
    return SSParams(*(np.stack([getattr(p, f) for p in ps]) for f in ("A", "C", "Q", "R", "P0")))


def prior_task_sampler(tasks: SSParams, T: int, device: str | torch.device = "cpu"):
    """sample_batch(gen, batch): tasks drawn uniformly from the finite meta-training set;
    pairs (x_{1..T}, x_{2..T+1}) of shape (batch, T, m)."""
    def sample(gen: torch.Generator, batch: int) -> tuple[Tensor, Tensor]:
        idx = torch.randint(0, tasks.A.shape[0], (batch,), generator=gen,
                            device=device).cpu().numpy()
        x = lgssm_batch(gen, SSParams(*(p[idx] for p in tasks)), device, T=T + 1)
        return x[:, :-1], x[:, 1:]
    return sample


# ----------------------------------------------------------------------------- oracles
# Thin adapters onto the core's one Kalman implementation (chasm_theory.oracles.kalman) and
# its colored-noise parameters (chasm_theory.oracles.tasks.colored_noise_lgssm).


def augmented_params(a: float, alpha: float, q: float = 1.0) -> tuple[np.ndarray, ...]:
    """(A, C, Q, R, P0) of the core's :func:`colored_noise_lgssm` (000 Thm 2): ξ_t = [z_t; v_t],
    A = diag(a, α), C = [1 1], Q = diag(q, 1 − α²), R = 0, P0 = diag(q/(1−a²), 1)."""
    from chasm_theory.oracles.tasks import colored_noise_lgssm

    p = colored_noise_lgssm(a, alpha, q)
    return p.A, p.C, p.Q, p.R, p.P0


def _params(A: np.ndarray, C: np.ndarray, Q: np.ndarray, R: np.ndarray, P0: np.ndarray):
    from chasm_theory.oracles.lgssm import make_lgssm

    return make_lgssm(A, C, Q, R, np.zeros(np.shape(A)[0]), P0)


def riccati_limit(A: np.ndarray, C: np.ndarray, Q: np.ndarray, R: np.ndarray,
                  P0: np.ndarray) -> np.ndarray:
    """The steady prediction covariance P_{t+1|t} (the core's DARE solution)."""
    from chasm_theory.oracles.dare import solve_filter_dare

    return solve_filter_dare(A, C, Q, R).P_pred


def kalman_predictions(x: np.ndarray, A: np.ndarray, C: np.ndarray, Q: np.ndarray,
                       R: np.ndarray, P0: np.ndarray, *, steady: bool = False,
                       return_loglik: bool = False):
    """Kalman one-step predictions for sequences sharing one parameter set (the core's filter).

    x: (batch, T, m). Returns pred (batch, T, m), pred[:, t] = E[x_{t+2} | x_{1..t+1}] (0-based:
    the prediction made after seeing t+1 observations, aligned with a model's output t), and
    with ``return_loglik`` also the log-likelihood log p(x_{1..t}) for t = 1..T (batch, T).
    ``steady``: the constant DARE gain from step 1 (the papers' steady-state oracle)."""
    from chasm_theory.oracles.kalman import kalman_filter, steady_state_filter

    x = np.asarray(x, dtype=float)
    if x.ndim != 3 or x.shape[2] != np.shape(C)[0]:
        raise ValidationError("x", f"must have shape (batch, T, {np.shape(C)[0]})", str(x.shape))
    params = _params(A, C, Q, R, P0)
    res = steady_state_filter(params, x) if steady else kalman_filter(params, x)
    if not return_loglik:
        return res.one_step
    T, m = x.shape[1], x.shape[2]
    L = res.gains.S_chol[:T]  # (T, m, m) lower factors of the innovation covariances
    w = np.linalg.solve(L[None], res.innovations[..., None])[..., 0]  # (batch, T, m)
    per_t = (w * w).sum(-1) + res.gains.logdet_S[:T][None] + m * math.log(2 * math.pi)
    return res.one_step, -0.5 * np.cumsum(per_t, axis=1)
