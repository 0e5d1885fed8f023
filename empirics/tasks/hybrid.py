"""The mixed filtering/retrieval task of 000 App D.1.

A sequence of T = 4·32 steps alternates blocks [filter, retrieve, filter, retrieve]:

* filtering block: x_t = z_t + v_t with z_t = a z_{t−1} + w_t (a = 0.9, w ~ N(0, 1)) and AR(1)
  noise v_t = α v_{t−1} + √(1 − α²) ε_t (α = 0.95) (the colored-noise LG-SSM of 000 App C.7.2),
  each block started from the stationary law; target z_t (filtering);
* retrieval block: input x_t = 0, target x* = the observation of largest |x| in the preceding
  filtering block (constant over the block).

Inputs (batch, T, 2) = [x_t, 1{retrieval block}], targets (batch, T, 1), and a mask (T,) that is
True on retrieval positions.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.kalman import riccati_gains
from chasm_theory.oracles.lgssm import make_lgssm, stationary_covariance

__all__ = ["sample_hybrid_batch", "hybrid_sampler", "retrieval_mask", "kalman_filter_mse"]


def _check_law(q: float, r: float, start: str) -> None:
    if start not in ("stationary", "zero"):
        raise ValidationError("start", "must be 'stationary' or 'zero'", f"got {start!r}")
    for name, v in (("q", q), ("r", r)):
        if not v > 0:
            raise ValidationError(name, "must be a positive variance", f"got {v!r}")


def retrieval_mask(block: int = 32, n_blocks: int = 4) -> Tensor:
    return torch.tensor([(t // block) % 2 == 1 for t in range(block * n_blocks)])


def sample_hybrid_batch(g: torch.Generator, batch: int, a: float = 0.9, alpha: float = 0.95,
                        block: int = 32, n_blocks: int = 4, q: float = 1.0, r: float = 1.0,
                        start: str = "stationary") -> tuple[Tensor, Tensor]:
    """x (batch, T, 2), y (batch, T, 1), float32; drawn from ``g`` (float64 internally).

    ``q``: the state noise's variance; ``r``: the AR(1) noise's stationary variance; ``start``:
    each filtering block's first state from the stationary law ("stationary") or from
    z_0 = v_0 = 0 ("zero") -- the law :func:`kalman_filter_mse` filters (the defaults draw the
    same numbers as before these parameters existed)."""
    _check_law(q, r, start)
    dev, f64 = g.device, torch.float64
    T = block * n_blocks
    sq, sv = math.sqrt(q), math.sqrt(r * (1 - alpha * alpha))
    x = torch.zeros(batch, T, 2, dtype=f64, device=dev)
    y = torch.zeros(batch, T, 1, dtype=f64, device=dev)
    for bi in range(0, n_blocks, 2):
        n = torch.randn(batch, block, 2, generator=g, dtype=f64, device=dev)
        if start == "stationary":  # (1 − a²)/q and × √r are exact at q = r = 1: same numbers
            z, v = n[:, 0, 0] / math.sqrt((1 - a * a) / q), n[:, 0, 1] * math.sqrt(r)
        else:
            z, v = sq * n[:, 0, 0], sv * n[:, 0, 1]
        zs, xs = [], []
        for t in range(block):
            if t:
                z = a * z + sq * n[:, t, 0]
                v = alpha * v + sv * n[:, t, 1]
            zs.append(z)
            xs.append(z + v)
        Z, X = torch.stack(zs, 1), torch.stack(xs, 1)
        s = bi * block
        x[:, s:s + block, 0] = X
        y[:, s:s + block, 0] = Z
        key = X.gather(1, X.abs().argmax(1, keepdim=True))  # (batch, 1)
        if bi + 1 < n_blocks:
            x[:, s + block:s + 2 * block, 1] = 1.0
            y[:, s + block:s + 2 * block, 0] = key
    return x.float(), y.float()


def hybrid_sampler() -> Callable[[torch.Generator, int], tuple[Tensor, Tensor]]:
    return lambda g, batch: sample_hybrid_batch(g, batch)


def kalman_filter_mse(a: float = 0.9, alpha: float = 0.95, block: int = 32, q: float = 1.0,
                      r: float = 1.0, start: str = "stationary") -> np.ndarray:
    """E(z_t − E[z_t | x_1..x_t])² for t = 1..block, (block,): the exact Riccati recursion of
    :func:`chasm_theory.oracles.kalman.riccati_gains` on the augmented state [z, v], z_t =
    a z_{t−1} + N(0, q), v_t = α v_{t−1} + √(r(1 − α²)) ε_t (stationary variance r), noise-free
    observation x_t = z_t + v_t. ``start``: "stationary" draws [z_1, v_1] from the stationary law
    (the sampler's law at q = r = 1); "zero" starts the block from z_0 = v_0 = 0."""
    _check_law(q, r, start)
    A = np.diag([a, alpha])
    Q = np.diag([q, r * (1 - alpha * alpha)])
    P0 = stationary_covariance(A, Q) if start == "stationary" else np.zeros((2, 2))
    law = make_lgssm(A, [1.0, 1.0], Q, [[0.0]], P0=P0, require_stable=True)
    return riccati_gains(law, block).P_filt[:, 0, 0].copy()
