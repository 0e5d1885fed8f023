"""Causal Transformer for next-observation prediction (000 App C.7.3, C.4, C.6; 001 App B.2).

Input ``x (batch, time, d_in)`` is embedded linearly to ``d_model``, optional positional
encoding is added (sinusoidal / learned table) or applied to queries and keys (RoPE), then
``n_layers`` blocks of causal attention (+ optional MLP, optional pre-LayerNorm, optional
residual), then a linear read-out to ``(batch, time, d_out)``. Output ``t`` sees ``x[:, :t+1]``.

Attention kinds (per head, d_h = d_model / n_heads; s ≤ t causal):

* ``"softmax"``: softmax(q_t·k_s / √d_h) over s ≤ t.
* ``"linear-elu"``: φ(x) = ELU(x) + 1 (000 App C.7.3):
  out_t = Σ_s φ(q_t)·φ(k_s) v_s / Σ_s φ(q_t)·φ(k_s).
* ``"linear"``: no kernel, causal mean of (q_t·k_s) v_s: out_t = (1/t) Σ_s (q_t·k_s) v_s.

The two linear kinds run by chunks (:mod:`empirics.models.linear_attention`, O(T·d²) per head).

Without positional encoding all three give a last output that is invariant to permutations of
the context (``chasm.defn1.architectures`` probes this).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from chasm_theory.errors import ValidationError
from empirics.models.linear_attention import causal_linear_attention

__all__ = ["Transformer", "TransformerConfig", "apply_rope", "sinusoidal_table"]

ATTENTIONS = ("softmax", "linear-elu", "linear")
PES = ("none", "sinusoidal", "learned", "rope")


@dataclass
class TransformerConfig:
    """Architecture. ``mlp_hidden = 0``: no MLP. ``attn_bias``: biases on q, k, v (and the
    output projection); ``attn_out_proj``: an output projection W_O after the heads."""

    d_in: int
    d_out: int
    d_model: int = 32
    n_layers: int = 1
    n_heads: int = 1
    attention: str = "softmax"
    pe: str = "none"
    max_len: int = 512
    mlp_hidden: int = 0
    layernorm: bool = False
    residual: bool = True
    attn_bias: bool = True
    attn_out_proj: bool = True

    def __post_init__(self) -> None:
        for name in ("d_in", "d_out", "d_model", "n_layers", "n_heads", "max_len"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ValidationError(name, "must be a positive integer", repr(v))
        if self.mlp_hidden < 0:
            raise ValidationError("mlp_hidden", "must be >= 0", repr(self.mlp_hidden))
        if self.attention not in ATTENTIONS:
            raise ValidationError("attention", f"must be one of {ATTENTIONS}", repr(self.attention))
        if self.pe not in PES:
            raise ValidationError("pe", f"must be one of {PES}", repr(self.pe))
        if self.d_model % self.n_heads:
            raise ValidationError("n_heads", "must divide d_model",
                                  f"{self.d_model} % {self.n_heads}")
        if self.pe == "rope" and (self.d_model // self.n_heads) % 2:
            raise ValidationError("pe", "rope needs an even head dimension",
                                  str(self.d_model // self.n_heads))


def sinusoidal_table(length: int, d: int) -> Tensor:
    """PE(t, 2i) = sin(t / 10000^{2i/d}), PE(t, 2i+1) = cos(t / 10000^{2i/d}) (000 App C.4);
    shape (length, d), t = 0..length-1."""
    t = torch.arange(length, dtype=torch.float64)[:, None]
    i = torch.arange(0, d, 2, dtype=torch.float64)[None, :]
    ang = t / torch.pow(10000.0, i / d)
    pe = torch.zeros(length, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(ang)
    pe[:, 1::2] = torch.cos(ang[:, : d // 2])
    return pe.float()


def apply_rope(x: Tensor, base: float = 10000.0) -> Tensor:
    """Rotary position embedding on the last dim of x (batch, heads, time, d_h), d_h even:
    pairs (x_{2i}, x_{2i+1}) at position t rotated by angle t·base^{-2i/d_h}."""
    T, dh = x.shape[-2], x.shape[-1]
    inv = base ** (-torch.arange(0, dh, 2, device=x.device, dtype=torch.float32) / dh)
    ang = torch.arange(T, device=x.device, dtype=torch.float32)[:, None] * inv[None, :]
    cos, sin = torch.cos(ang).to(x.dtype), torch.sin(ang).to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    out = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)
    return out.flatten(-2)


class CausalAttention(nn.Module):
    """Multi-head causal attention; (batch, time, d_model) -> (batch, time, d_model)."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.q = nn.Linear(d, d, bias=cfg.attn_bias)
        self.k = nn.Linear(d, d, bias=cfg.attn_bias)
        self.v = nn.Linear(d, d, bias=cfg.attn_bias)
        self.o = nn.Linear(d, d, bias=cfg.attn_bias) if cfg.attn_out_proj else nn.Identity()

    def forward(self, h: Tensor) -> Tensor:
        B, T, d = h.shape
        H = self.cfg.n_heads
        dh = d // H

        def split(t: Tensor) -> Tensor:
            return t.view(B, T, H, dh).transpose(1, 2)  # (B, H, T, dh)

        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        if self.cfg.pe == "rope":
            q, k = apply_rope(q), apply_rope(k)
        kind = self.cfg.attention
        if kind == "softmax":
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:  # chunked O(T·d²) on every device; the quadratic form is the reference
            out = causal_linear_attention(q, k, v, kind)
        out = out.transpose(1, 2).reshape(B, T, d)
        return self.o(out)


class Block(nn.Module):
    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.attn = CausalAttention(cfg)
        self.ln1 = nn.LayerNorm(cfg.d_model) if cfg.layernorm else nn.Identity()
        if cfg.mlp_hidden:
            self.mlp = nn.Sequential(nn.Linear(cfg.d_model, cfg.mlp_hidden), nn.GELU(),
                                     nn.Linear(cfg.mlp_hidden, cfg.d_model))
            self.ln2 = nn.LayerNorm(cfg.d_model) if cfg.layernorm else nn.Identity()
        else:
            self.mlp = None

    def forward(self, h: Tensor) -> Tensor:
        a = self.attn(self.ln1(h))
        h = h + a if self.cfg.residual else a
        if self.mlp is not None:
            m = self.mlp(self.ln2(h))
            h = h + m if self.cfg.residual else m
        return h


class Transformer(nn.Module):
    """Causal Transformer; ``forward(x (batch, time, d_in)) -> (batch, time, d_out)``."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Linear(cfg.d_in, cfg.d_model)
        if cfg.pe == "learned":
            self.pos = nn.Parameter(torch.randn(cfg.max_len, cfg.d_model) * 0.02)
        elif cfg.pe == "sinusoidal":
            self.register_buffer("pos", sinusoidal_table(cfg.max_len, cfg.d_model),
                                 persistent=False)
        else:
            self.pos = None
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model) if cfg.layernorm else nn.Identity()
        self.readout = nn.Linear(cfg.d_model, cfg.d_out)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[-1] != self.cfg.d_in:
            raise ValidationError("x", f"must have shape (batch, time, {self.cfg.d_in})",
                                  str(tuple(x.shape)))
        length = x.shape[1]
        h = self.embed(x)
        if self.pos is not None:
            if length > self.cfg.max_len:
                raise ValidationError("x", f"time must be <= max_len = {self.cfg.max_len} with "
                                      f"{self.cfg.pe} positional encoding", str(length))
            h = h + self.pos[:length].to(h.dtype)
        for blk in self.blocks:
            h = blk(h)
        return self.readout(self.ln_f(h))
