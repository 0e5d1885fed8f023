"""The two diagonal models of 002 that :mod:`empirics.models.diagonal_ssm` lacks: the Simple
AUSSM column of the length-generalisation table and the two-layer Negative Mamba of the
single- vs two-layer ablation (C2 × C4).

Both map tokens ``x (batch, time)`` (long, element indices) to logits ``(batch, time, n)``;
output t depends on x[:, :t+1] only.

**Simple AUSSM (our reading).** 002 names the column but never defines it. Its model table
writes Mamba as exp(Δ(x) ⊙ Λ), Negative Mamba as 2exp(Δ(x) ⊙ Λ) − I (Λ input-independent) and
AUSSM as exp(iΔ(x) ⊙ Λ(x)) (Λ input-dependent). Simple AUSSM is read as AUSSM with Mamba's
input-independent Λ: a(x) = exp(i·Δ(x) ⊙ λ) on the unit circle, Δ(x) = softplus(table[x]) > 0,
λ ∈ ℝ^d a learned vector. ``delta="coord"`` (Δ(x) ∈ ℝ^d, one step per coordinate, as the ⊙
of the table implies) is the main reading; ``delta="scalar"`` (one step Δ(x) ∈ ℝ per token,
shared by every coordinate, so every token's angle vector is a multiple of λ) the second.
Everything else (complex per-token b(x), learned h0, decoder MLP on (Re h, Im h, emb(x)))
is the AUSSM tracker's.

**Two-layer diagonal stack.** Layer 1 (d1 coordinates) feeds a K-way soft read-out
p1 = softmax(W·(Re h1, Im h1)) (batch, time, K); layer 2's per-token tables are indexed by
(token, k) and mixed with p1, i.e. layer 2 reads (x_t, layer 1's decoded output), as in 002's
k-layer DCD SSM; the decoder reads both states and emb(x). With ``kind="neg"`` both layers are
Negative Mamba layers (real eigenvalues 2exp(−Δλ) − 1 ∈ (−1, 1)).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from chasm_theory.errors import ValidationError
from empirics.models.diagonal_ssm import DiagonalLayer
from empirics.models.kernels import linear_scan

__all__ = ["DELTA_READINGS", "SimpleAUSSMLayer", "SimpleAUSSMTracker", "TwoLayerDiagonal"]

DELTA_READINGS = ("coord", "scalar")


def _features(h: Tensor) -> Tensor:
    """(B, T, d) complex -> (B, T, 2d) real: (Re h, Im h)."""
    return torch.cat([h.real, h.imag], -1)


class SimpleAUSSMLayer(nn.Module):
    """a(x) = exp(i·Δ(x) ⊙ λ), Δ(x) = softplus(delta_raw[x]) (n_in, 1 or d), λ (d,) real.

    ``forward(tokens (B, T) long) -> states (B, T, d) complex``. Initialisation (002 states
    none): delta_raw ~ N(0, 0.5²) as the Mamba tracker's, λ ~ U(−π, π), b ~ N(0, 0.1²)."""

    def __init__(self, n_in: int, d: int, delta: str = "coord") -> None:
        super().__init__()
        if delta not in DELTA_READINGS:
            raise ValidationError("delta", f"must be one of {DELTA_READINGS}", repr(delta))
        self.d, self.delta = d, delta
        self.delta_raw = nn.Parameter(torch.randn(n_in, d if delta == "coord" else 1) * 0.5)
        self.lam = nn.Parameter((torch.rand(d) * 2 - 1) * math.pi)
        self.b_re = nn.Parameter(torch.randn(n_in, d) * 0.1)
        self.b_im = nn.Parameter(torch.randn(n_in, d) * 0.1)
        self.h0 = nn.Parameter(torch.zeros(2, d))  # (Re, Im) of the initial state

    def angles(self, tokens: Tensor) -> Tensor:
        """θ(x) = Δ(x) ⊙ λ: tokens (B, T) -> (B, T, d) real."""
        return F.softplus(self.delta_raw[tokens]) * self.lam

    def coefficients(self, tokens: Tensor) -> tuple[Tensor, Tensor]:
        """a (|a| = 1), b: (B, T, d) complex64."""
        th = self.angles(tokens)
        return torch.polar(torch.ones_like(th), th), torch.complex(self.b_re[tokens],
                                                                   self.b_im[tokens])

    def forward(self, tokens: Tensor) -> Tensor:
        a, b = self.coefficients(tokens)
        h0 = torch.complex(self.h0[0], self.h0[1]).to(a.device).expand(a.shape[0], self.d)
        return linear_scan(a, b, h0=h0)


class SimpleAUSSMTracker(nn.Module):
    """One Simple AUSSM layer + the AUSSM tracker's decoder: tokens (B, T) -> logits (B, T, n)."""

    def __init__(self, n: int, delta: str = "coord", d: int = 32, d_emb: int = 16,
                 hidden: int = 128) -> None:
        super().__init__()
        self.layer = SimpleAUSSMLayer(n, d, delta)
        self.emb = nn.Embedding(n, d_emb)
        self.dec = nn.Sequential(nn.Linear(2 * d + d_emb, hidden), nn.ReLU(), nn.Linear(hidden, n))

    def forward(self, x: Tensor) -> Tensor:
        return self.dec(torch.cat([_features(self.layer(x)), self.emb(x)], -1))


class TwoLayerDiagonal(nn.Module):
    """Two diagonal layers of one ``kind`` (mamba | neg | aussm): tokens (B, T) -> logits
    (B, T, n). Layer 1 (d1) -> soft read-out p1 (B, T, k_mix) -> layer 2 (d2) with tables
    indexed by (token, k) and mixed with p1 -> decoder MLP on (h1, h2, emb(x))."""

    def __init__(self, n: int, kind: str = "neg", d1: int = 32, d2: int = 32, k_mix: int = 8,
                 d_emb: int = 16, hidden: int = 128) -> None:
        super().__init__()
        if k_mix < 1:
            raise ValidationError("k_mix", "must be >= 1", repr(k_mix))
        self.l1 = DiagonalLayer(n, d1, kind)
        self.read1 = nn.Linear(2 * d1, k_mix)
        self.l2 = DiagonalLayer(n, d2, kind, k_mix=k_mix)
        self.emb = nn.Embedding(n, d_emb)
        self.dec = nn.Sequential(nn.Linear(2 * d1 + 2 * d2 + d_emb, hidden), nn.ReLU(),
                                 nn.Linear(hidden, n))

    def states(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """h1 (B, T, d1) complex, p1 (B, T, k_mix), h2 (B, T, d2) complex."""
        h1 = self.l1(x)
        p1 = torch.softmax(self.read1(_features(h1)), -1)
        return h1, p1, self.l2(x, p1)

    def forward(self, x: Tensor) -> Tensor:
        h1, _, h2 = self.states(x)
        return self.dec(torch.cat([_features(h1), _features(h2), self.emb(x)], -1))
