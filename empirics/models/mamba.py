"""Mamba (selective SSM) block in pure PyTorch (Gu & Dao 2023, as used in 000 App C.5/D and
001 App B.3), with two implementations of the selective scan:

* :func:`selective_scan_ref`: the sequential recurrence, one step at a time (the reference);
* :func:`selective_scan`: chunked; inside each chunk a log-depth (Hillis–Steele) scan of the
  affine maps h ↦ a_t h + b_t (composition (a₂, b₂)∘(a₁, b₁) = (a₂a₁, a₂b₁ + b₂)), across
  chunks a short sequential carry.

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

__all__ = ["MambaConfig", "MambaBlock", "MambaModel", "selective_scan", "selective_scan_ref",
           "linear_scan", "linear_scan_ref"]


def linear_scan_ref(a: Tensor, b: Tensor) -> Tensor:
    """h_t = a_t ⊙ h_{t−1} + b_t, h_0 = 0, along dim 1; a, b (batch, time, ...) -> h, same shape."""
    h = torch.zeros_like(b[:, 0])
    out = []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]
        out.append(h)
    return torch.stack(out, dim=1)


def _hillis_steele(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Inclusive log-depth scan along dim 1: returns (A_t = a_t⋯a_1, H_t) with H_t the
    recurrence from h_0 = 0. a, b (batch, time, ...)."""
    T = a.shape[1]
    s = 1
    while s < T:
        a_prev = torch.cat([torch.ones_like(a[:, :s]), a[:, :-s]], dim=1)
        b_prev = torch.cat([torch.zeros_like(b[:, :s]), b[:, :-s]], dim=1)
        b = b + a * b_prev
        a = a * a_prev
        s *= 2
    return a, b


def linear_scan(a: Tensor, b: Tensor, chunk: int = 64) -> Tensor:
    """Same result as :func:`linear_scan_ref` by a chunked log-depth scan (time is padded to
    a multiple of ``chunk``)."""
    if a.shape != b.shape:
        raise ValidationError("a/b", "must have the same shape", f"{tuple(a.shape)} vs {tuple(b.shape)}")
    if chunk < 1:
        raise ValidationError("chunk", "must be >= 1", repr(chunk))
    B, T = a.shape[:2]
    rest = a.shape[2:]
    n = math.ceil(T / chunk)
    pad = n * chunk - T
    if pad:
        a = torch.cat([a, a.new_ones((B, pad, *rest))], dim=1)
        b = torch.cat([b, b.new_zeros((B, pad, *rest))], dim=1)
    a = a.reshape(B, n, chunk, *rest).transpose(0, 1).reshape(n * B, chunk, *rest)
    b = b.reshape(B, n, chunk, *rest).transpose(0, 1).reshape(n * B, chunk, *rest)
    Acum, H = _hillis_steele(a, b)
    Acum = Acum.reshape(n, B, chunk, *rest)
    H = H.reshape(n, B, chunk, *rest)
    outs = []
    carry = torch.zeros_like(H[0, :, 0])
    for c in range(n):
        hc = H[c] + Acum[c] * carry.unsqueeze(1)
        outs.append(hc)
        carry = hc[:, -1]
    h = torch.cat(outs, dim=1)
    return h[:, :T]


def _scan_inputs(x: Tensor, delta: Tensor, A: Tensor, Bm: Tensor) -> tuple[Tensor, Tensor]:
    # x, delta (batch, T, c); A (c, n); Bm (batch, T, n) -> a, b (batch, T, c, n)
    a = torch.exp(delta.unsqueeze(-1) * A)
    b = (delta * x).unsqueeze(-1) * Bm.unsqueeze(2)
    return a, b


def selective_scan_ref(x: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor, D: Tensor) -> Tensor:
    """Sequential selective scan. x, delta (batch, T, c); A (c, n); Bm, Cm (batch, T, n); D (c,)
    -> y (batch, T, c)."""
    a, b = _scan_inputs(x, delta, A, Bm)
    h = linear_scan_ref(a, b)
    return torch.einsum("btcn,btn->btc", h, Cm) + D * x


def selective_scan(x: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor, D: Tensor,
                   chunk: int = 64) -> Tensor:
    """Chunked log-depth selective scan; same arguments and result as :func:`selective_scan_ref`."""
    a, b = _scan_inputs(x, delta, A, Bm)
    h = linear_scan(a, b, chunk)
    return torch.einsum("btcn,btn->btc", h, Cm) + D * x


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
        self.A_log = nn.Parameter(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).repeat(di, 1))
        self.D = nn.Parameter(torch.ones(di))
        self.out_proj = nn.Linear(di, d, bias=False)
        with torch.no_grad():  # Δ initialised in [1e-3, 1e-1] (log-uniform), as in Mamba
            dt = torch.exp(torch.rand(di) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3))
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))

    def forward(self, u: Tensor, *, reference: bool = False) -> Tensor:
        B, T, _ = u.shape
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
