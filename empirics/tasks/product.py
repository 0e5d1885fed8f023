"""Torch sampler of the product-tracking task (000 Def 5, App C.6), same law as
:func:`chasm_theory.oracles.product_tracking.sample_matrices` (cap ``rescale`` or ``none``).

Inputs x_t = M_t flattened row-major (4,), targets y_t = P_t = M_t ⋯ M_1 flattened row-major.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.product_tracking import MatrixLaw

__all__ = ["sample_product_batch", "product_sampler", "matrix_cumprod"]


def _u(g: torch.Generator, shape: tuple[int, ...], lo: float, hi: float, device: torch.device,
       dtype: torch.dtype) -> Tensor:
    return lo + (hi - lo) * torch.rand(shape, generator=g, device=device, dtype=dtype)


def matrix_cumprod(M: Tensor) -> Tensor:
    """P_t = M_t ⋯ M_1 along time: (batch, T, n, n) -> (batch, T, n, n), sequential loop."""
    out = []
    cur = torch.eye(M.shape[-1], dtype=M.dtype, device=M.device).expand(M.shape[0], -1, -1)
    for t in range(M.shape[1]):
        cur = M[:, t] @ cur
        out.append(cur)
    return torch.stack(out, dim=1)


DEFAULT_LAW = MatrixLaw()  # the trained-run law (MatrixLaw's defaults)


def sample_product_batch(g: torch.Generator, batch: int, T: int, law: MatrixLaw = DEFAULT_LAW,
                         dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor]:
    """x (batch, T, 4) = vec_row(M_t), y (batch, T, 4) = vec_row(M_t ⋯ M_1); drawn from ``g``.
    The product is formed in float64 and cast to ``dtype``."""
    if batch < 1 or T < 1:
        raise ValidationError("batch/T", "must be positive", f"{batch}, {T}")
    if law.cap not in ("rescale", "none"):
        raise ValidationError("law.cap", "the torch sampler implements 'rescale' and 'none'",
                              law.cap)
    dev = g.device
    f64 = torch.float64
    th = _u(g, (batch, T), -law.theta_max, law.theta_max, dev, f64)
    s = _u(g, (batch, T, 2), law.s_lo, law.s_hi, dev, f64)
    j = _u(g, (batch, T), -law.shear, law.shear, dev, f64)
    c, sn = torch.cos(th), torch.sin(th)
    M = torch.stack([c * s[..., 0], -sn * s[..., 1] + j, sn * s[..., 0], c * s[..., 1]], dim=-1)
    if law.normalize == "det":
        M = M / (M[..., 0] * M[..., 3] - M[..., 1] * M[..., 2]).abs().sqrt()[..., None]
    if law.cap == "rescale":
        fro = M.pow(2).sum(-1).sqrt()
        M = M * torch.clamp(law.max_fro / fro, max=1.0)[..., None]
    M = M.view(batch, T, 2, 2)
    P = matrix_cumprod(M)
    return M.reshape(batch, T, 4).to(dtype), P.reshape(batch, T, 4).to(dtype)


def product_sampler(T: int, law: MatrixLaw = DEFAULT_LAW
                    ) -> Callable[[torch.Generator, int], tuple[Tensor, Tensor]]:
    """``sample_batch(gen, batch)`` for :func:`empirics.training.train`."""
    return lambda g, batch: sample_product_batch(g, batch, T, law)
