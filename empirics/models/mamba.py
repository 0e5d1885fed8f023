"""Mamba (selective SSM) block in pure PyTorch (Gu & Dao 2023, as used in 000 App C.5/D and
001 App B.3), with two implementations of the selective scan:

* :func:`selective_scan_ref`: the sequential recurrence, one step at a time (the reference,
  kept as the test oracle);
* :func:`selective_scan_logdepth`: chunked; inside each chunk a log-depth (Hillis–Steele) scan
  of the affine maps h ↦ a_t h + b_t (composition (a₂, b₂)∘(a₁, b₁) = (a₂a₁, a₂b₁ + b₂)),
  across chunks a short sequential carry (full-size (batch, time, c, n) intermediates per level);
* :func:`empirics.models.kernels.selective_scan_seq`: fused sequential scan (numba) with a
  hand-written backward, one lane's (time, n) buffers only;
* :func:`selective_scan`: the one the model calls, picked per device by
  :func:`empirics.models.kernels.select_impl` ("sequential" on CPU, "logdepth" on CUDA).

Recurrence (per channel c, state index i; Δ, B, C input-dependent):
    h_t = exp(Δ_t A) ⊙ h_{t−1} + Δ_t B_t x_t,    y_t = C_t · h_t + D x_t.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from chasm_theory.errors import ValidationError
from empirics.models.kernels import (
    linear_scan,
    linear_scan_logdepth,
    linear_scan_ref,
    select_impl,
    selective_scan_seq,
)

__all__ = [
    "MambaBlock",
    "MambaConfig",
    "MambaModel",
    "linear_scan",
    "linear_scan_logdepth",
    "linear_scan_ref",
    "selective_scan",
    "selective_scan_logdepth",
    "selective_scan_ref",
]

def _scan_inputs(x: Tensor, delta: Tensor, A: Tensor, Bm: Tensor) -> tuple[Tensor, Tensor]:
    # x, delta (batch, T, c); A (c, n); Bm (batch, T, n) -> a, b (batch, T, c, n)
    a = torch.exp(delta.unsqueeze(-1) * A)
    b = (delta * x).unsqueeze(-1) * Bm.unsqueeze(2)
    return a, b


def selective_scan_ref(x: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor,
                       D: Tensor) -> Tensor:
    """Sequential selective scan. x, delta (batch, T, c); A (c, n); Bm, Cm (batch, T, n); D (c,)
    -> y (batch, T, c)."""
    a, b = _scan_inputs(x, delta, A, Bm)
    h = linear_scan_ref(a, b)
    return torch.einsum("btcn,btn->btc", h, Cm) + D * x


def selective_scan_logdepth(x: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor,
                            D: Tensor, chunk: int = 64) -> Tensor:
    """Chunked log-depth selective scan; same arguments and result as :func:`selective_scan_ref`."""
    a, b = _scan_inputs(x, delta, A, Bm)
    h = linear_scan_logdepth(a, b, chunk)
    return torch.einsum("btcn,btn->btc", h, Cm) + D * x


def selective_scan(x: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor, D: Tensor,
                   chunk: int = 64) -> Tensor:
    """Same arguments and result as :func:`selective_scan_ref`, by the implementation
    :func:`select_impl` picks for x's device (``chunk``: chunk length of the log-depth scan)."""
    impl = select_impl("scan", x.device)
    if impl == "sequential":
        return selective_scan_seq(x, delta, A, Bm, Cm) + D * x
    if impl == "reference":
        return selective_scan_ref(x, delta, A, Bm, Cm, D)
    return selective_scan_logdepth(x, delta, A, Bm, Cm, D, chunk)


@dataclass
class MambaConfig:
    """One Mamba block: ``d_model`` residual width, ``d_state`` n, ``expand`` (d_inner =
    expand·d_model), ``d_conv`` causal depthwise conv width, ``dt_rank`` (0: ceil(d_model/16))."""

    d_model: int = 32
    d_state: int = 16
    expand: int = 1
    d_conv: int = 4
    dt_rank: int = 0
    chunk: int = 64

    def __post_init__(self) -> None:
        for name in ("d_model", "d_state", "expand", "d_conv", "chunk"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ValidationError(name, "must be a positive integer", repr(v))
        if self.dt_rank < 0:
            raise ValidationError("dt_rank", "must be >= 0", repr(self.dt_rank))

    @property
    def d_inner(self) -> int:
        return self.expand * self.d_model

    @property
    def rank(self) -> int:
        return self.dt_rank or math.ceil(self.d_model / 16)


class MambaBlock(nn.Module):
    """(batch, time, d_model) -> (batch, time, d_model); causal. No bias on in/out projections
    (as in the reference implementation)."""

    def __init__(self, cfg: MambaConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d, di, n, r = cfg.d_model, cfg.d_inner, cfg.d_state, cfg.rank
        self.in_proj = nn.Linear(d, 2 * di, bias=False)
        self.conv = nn.Conv1d(di, di, cfg.d_conv, groups=di, padding=cfg.d_conv - 1)
        self.x_proj = nn.Linear(di, r + 2 * n, bias=False)
        self.dt_proj = nn.Linear(r, di)
        self.A_log = nn.Parameter(
            torch.log(torch.arange(1, n + 1, dtype=torch.float32)).repeat(di, 1))
        self.D = nn.Parameter(torch.ones(di))
        self.out_proj = nn.Linear(di, d, bias=False)
        with torch.no_grad():  # Δ initialised in [1e-3, 1e-1] (log-uniform), as in Mamba
            dt = torch.exp(torch.rand(di) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3))
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))

    def forward(self, u: Tensor, *, reference: bool = False) -> Tensor:
        T = u.shape[1]
        cfg = self.cfg
        xz = self.in_proj(u)
        x, z = xz.chunk(2, dim=-1)
        x = self.conv(x.transpose(1, 2))[..., :T].transpose(1, 2)
        x = F.silu(x)
        dbc = self.x_proj(x)
        dt, Bm, Cm = torch.split(dbc, [cfg.rank, cfg.d_state, cfg.d_state], dim=-1)
        delta = F.softplus(self.dt_proj(dt))
        A = -torch.exp(self.A_log)
        if reference:
            y = selective_scan_ref(x, delta, A, Bm, Cm, self.D)
        else:
            y = selective_scan(x, delta, A, Bm, Cm, self.D, cfg.chunk)
        return self.out_proj(y * F.silu(z))


class MambaModel(nn.Module):
    """Input projection (or token embedding), ``n_layers`` pre-LayerNorm residual Mamba blocks,
    final LayerNorm, linear read-out. ``forward(x (batch, time, d_in)) -> (batch, time, d_out)``;
    with ``vocab`` set, x is (batch, time) integer tokens and an embedding table is used."""

    def __init__(self, cfg: MambaConfig, d_in: int, d_out: int, n_layers: int = 1,
                 vocab: int | None = None, layernorm: bool = True) -> None:
        super().__init__()
        if n_layers < 1:
            raise ValidationError("n_layers", "must be >= 1", repr(n_layers))
        self.vocab = vocab
        self.embed = nn.Embedding(vocab, cfg.d_model) if vocab else nn.Linear(d_in, cfg.d_model)
        self.blocks = nn.ModuleList(MambaBlock(cfg) for _ in range(n_layers))
        self.norms = nn.ModuleList((nn.LayerNorm(cfg.d_model) if layernorm else nn.Identity())
                                   for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model) if layernorm else nn.Identity()
        self.readout = nn.Linear(cfg.d_model, d_out)

    def features(self, x: Tensor, reference: bool = False) -> Tensor:
        h = self.embed(x)
        for norm, blk in zip(self.norms, self.blocks):
            h = h + blk(norm(h), reference=reference)
        return self.ln_f(h)

    def forward(self, x: Tensor, reference: bool = False) -> Tensor:
        return self.readout(self.features(x, reference))
