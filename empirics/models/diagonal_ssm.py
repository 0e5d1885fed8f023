"""Diagonal SSMs for group state tracking (002) and an LTI diagonal SSM with a controlled
spectral abscissa (003).

Group trackers map tokens ``x (batch, time)`` (long, element indices) to logits
``(batch, time, n_elements)``; output t depends on x[:, :t+1] only.

* ``mamba``: a(x) = exp(−Δ(x)·λ) ∈ (0, 1), Δ(x) = softplus(table), λ = softplus(param) > 0.
* ``neg``: a(x) = 2·exp(−Δ(x)·λ) − 1 ∈ (−1, 1) (Negative Mamba).
* ``aussm``: a(x) = exp(i·θ(x)) on the unit circle (θ = Δ(x)⊙Λ(x) folded into one table).
* b(x) a per-token table (real for mamba/neg, complex for aussm); decoder MLP on
  (Re h, Im h, embedding of x) as in 002's dec(h_t, x_t).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from chasm_theory.errors import ValidationError
from empirics.models.kernels import linear_scan

KINDS = ("mamba", "neg", "aussm")


class DiagonalLayer(nn.Module):
    """One input-dependent diagonal layer over a token alphabet of size ``n_in``.

    ``forward(tokens (B, T) long, mix (B, T, K) or None) -> states (B, T, d) complex``. With
    ``mix`` the per-token tables have shape (n_in, K, d) and are averaged with weights ``mix``
    (a soft version of reading the previous layer's decoded output)."""

    def __init__(self, n_in: int, d: int, kind: str, k_mix: int = 1) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValidationError("kind", f"must be one of {KINDS}", repr(kind))
        self.kind, self.d, self.k_mix = kind, d, k_mix
        if kind == "aussm":
            self.theta = nn.Parameter(torch.rand(n_in, k_mix, d) * 2 * math.pi)
            self.b_im = nn.Parameter(torch.randn(n_in, k_mix, d) * 0.1)
        else:
            self.delta_raw = nn.Parameter(torch.randn(n_in, k_mix, d) * 0.5)
            self.lam_raw = nn.Parameter(torch.randn(d) * 0.5)
        self.b_re = nn.Parameter(torch.randn(n_in, k_mix, d) * 0.1)
        self.h0 = nn.Parameter(torch.zeros(2, d))  # (Re, Im) of the initial state

    def coefficients(self, tokens: Tensor, mix: Tensor | None) -> tuple[Tensor, Tensor]:
        """a, b of shape (B, T, d) complex64."""
        def pick(table: Tensor) -> Tensor:
            t = table[tokens]  # (B, T, K, d)
            if mix is None:
                return t[..., 0, :]
            return (mix.unsqueeze(-1) * t).sum(-2)

        if self.kind == "aussm":
            a = torch.polar(torch.ones_like(pick(self.theta)), pick(self.theta))
            b = torch.complex(pick(self.b_re), pick(self.b_im))
        else:
            dec = torch.exp(-F.softplus(pick(self.delta_raw)) * F.softplus(self.lam_raw))
            a_real = dec if self.kind == "mamba" else 2 * dec - 1
            a = torch.complex(a_real, torch.zeros_like(a_real))
            b = torch.complex(pick(self.b_re), torch.zeros_like(a_real))
        return a, b

    def forward(self, tokens: Tensor, mix: Tensor | None = None) -> Tensor:
        a, b = self.coefficients(tokens, mix)
        h0 = torch.complex(self.h0[0], self.h0[1]).to(a.device).expand(a.shape[0], self.d)
        return linear_scan(a, b, h0=h0)  # h_t = a_t h_{t−1} + b_t from h0


def _features(h: Tensor) -> Tensor:
    return torch.cat([h.real, h.imag], -1)


class GroupTracker(nn.Module):
    """One diagonal layer + decoder MLP: tokens (B, T) -> logits (B, T, n)."""

    def __init__(self, n: int, kind: str, d: int = 32, d_emb: int = 16, hidden: int = 128) -> None:
        super().__init__()
        self.layer = DiagonalLayer(n, d, kind)
        self.emb = nn.Embedding(n, d_emb)
        self.dec = nn.Sequential(nn.Linear(2 * d + d_emb, hidden), nn.ReLU(), nn.Linear(hidden, n))

    def forward(self, x: Tensor) -> Tensor:
        h = self.layer(x)
        return self.dec(torch.cat([_features(h), self.emb(x)], -1))


class TwoLayerAUSSM(nn.Module):
    """Two unit-circle layers: layer 1 (d1 coordinates) with a K-way soft read-out p1 (B, T, K);
    layer 2's tables are indexed by (token, k) and mixed with p1; the decoder reads both states.
    ``init_near_solution`` sets 002's S3 solution for a given (α, β) per token plus noise."""

    def __init__(self, n: int, d1: int = 1, d2: int = 1, k_mix: int = 2, hidden: int = 128) -> None:
        super().__init__()
        self.l1 = DiagonalLayer(n, d1, "aussm")
        self.read1 = nn.Linear(2 * d1, k_mix)
        self.l2 = DiagonalLayer(n, d2, "aussm", k_mix=k_mix)
        self.emb = nn.Embedding(n, 16)
        self.dec = nn.Sequential(nn.Linear(2 * d1 + 2 * d2 + 16, hidden), nn.ReLU(),
                                 nn.Linear(hidden, n))

    def forward(self, x: Tensor) -> Tensor:
        h1 = self.l1(x)
        p1 = torch.softmax(self.read1(_features(h1)), -1)
        h2 = self.l2(x, p1)
        return self.dec(torch.cat([_features(h1), _features(h2), self.emb(x)], -1))

    @torch.no_grad()
    def init_near_solution(self, alpha: Tensor, beta: Tensor, noise: float,
                           gen: torch.Generator) -> None:
        """alpha, beta (n,) long: x = σ^α ρ^β. Layer 1: angle π·α; layer 2: angle ±(2π/3)β by
        the mixing slot (slot 0 = even parity, slot 1 = odd); h0 = 1, b = 0 in both layers;
        the parity read-out sends Re h1 = ±1 to the two slots. Angles get N(0, noise²) noise;
        the final decoder keeps its random initialisation."""
        n = alpha.shape[0]
        th1 = (math.pi * alpha.float()).view(n, 1, 1).expand_as(self.l1.theta)
        self.l1.theta.copy_(th1 + noise * torch.randn(self.l1.theta.shape, generator=gen))
        sign = torch.tensor([1.0, -1.0]).view(1, 2, 1)
        th2 = (2 * math.pi / 3) * beta.float().view(n, 1, 1) * sign
        self.l2.theta.copy_(th2.expand_as(self.l2.theta)
                            + noise * torch.randn(self.l2.theta.shape, generator=gen))
        self.read1.weight.zero_()
        self.read1.weight[0, 0], self.read1.weight[1, 0] = 4.0, -4.0
        self.read1.bias.zero_()
        for layer in (self.l1, self.l2):
            layer.h0.zero_()
            layer.h0[0] = 1.0
            layer.b_re.zero_()
            layer.b_im.zero_()


class GRUTracker(nn.Module):
    """Embedding + single-layer GRU + linear read-out: tokens (B, T) -> logits (B, T, n)."""

    def __init__(self, n: int, hidden: int = 64, d_emb: int = 16) -> None:
        super().__init__()
        self.emb = nn.Embedding(n, d_emb)
        self.rnn = nn.GRU(d_emb, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n)

    def forward(self, x: Tensor) -> Tensor:
        return self.out(self.rnn(self.emb(x))[0])


def build_tracker(model: str, n: int) -> nn.Module:
    """``mamba`` | ``neg`` | ``aussm`` | ``rnn`` tracker for a group of order n."""
    if model == "rnn":
        return GRUTracker(n)
    return GroupTracker(n, model)


class SpectralLTI(nn.Module):
    """LTI diagonal SSM with continuous-time A = diag(a), a_0 = α (pinned),
    a_i = α − softplus(r_i), so the spectral abscissa max a_i = α exactly; discretised with
    Δ = 1: h_T = Σ_t e^{a(T−t)} B x_t.
    x (B, T, 1) -> logit (B, 1) from a linear read-out of h_T."""

    def __init__(self, alpha: float, d: int = 8) -> None:
        super().__init__()
        self.alpha = float(alpha)
        self.r = nn.Parameter(torch.linspace(-2.0, 1.0, d - 1))
        self.B = nn.Parameter(torch.ones(d) * 0.5)
        self.C = nn.Linear(d, 1)

    @property
    def a(self) -> Tensor:
        return torch.cat([torch.tensor([self.alpha]), self.alpha - F.softplus(self.r)])

    def forward(self, x: Tensor) -> Tensor:
        T = x.shape[1]
        lags = torch.arange(T - 1, -1, -1, dtype=x.dtype, device=x.device)  # T − t for t = 1..T
        K = torch.exp(lags[:, None] * self.a.to(x)[None, :]) * self.B  # (T, d)
        h = torch.einsum("btc,td->bd", x, K)
        return self.C(h)
