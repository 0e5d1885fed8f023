"""Causal linear attention (the two kernel-free/ELU kinds of :mod:`empirics.models.transformer`),
quadratic reference and chunked O(T·L·d + T·d²) form, same math.

Per head, with features φ (φ(x) = ELU(x) + 1 for ``"linear-elu"``, identity for ``"linear"``):

* ``"linear-elu"``: out_t = Σ_{s≤t} (φq_t·φk_s) v_s / Σ_{s≤t} φq_t·φk_s;
* ``"linear"``: out_t = (1/t) Σ_{s≤t} (q_t·k_s) v_s.

Chunked: time is cut into chunks of L; for t in chunk c,
    Σ_{s≤t} (φq_t·φk_s) v_s = Σ_{s∈c, s≤t} (φq_t·φk_s) v_s + φq_t·S_c,
    S_c = Σ_{s<start(c)} φk_s v_sᵀ,
and likewise the normaliser with z_c = Σ_{s<start(c)} φk_s: a masked L × L product inside each
chunk plus a (d × d) state carried across chunks (a running sum over chunks, deterministic on
every device, unlike ``cumsum`` on CUDA). No epsilon anywhere, as in the reference.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from chasm_theory.errors import ValidationError
from empirics.models.kernels import select_impl

__all__ = [
    "LINEAR_KINDS",
    "LIN_CHUNK",
    "causal_linear_attention",
    "causal_linear_attention_chunked",
    "causal_linear_attention_ref",
]

LINEAR_KINDS = ("linear-elu", "linear")
LIN_CHUNK = 32  # chunk length L (fastest of 16/32/64/128 at T = 512, d_h = 16 and 32, on CPU)


def _check(q: Tensor, k: Tensor, v: Tensor, kind: str) -> None:
    if kind not in LINEAR_KINDS:
        raise ValidationError("kind", f"must be one of {LINEAR_KINDS}", repr(kind))
    if q.shape != k.shape or q.shape[:-1] != v.shape[:-1] or q.ndim != 4:
        raise ValidationError("q/k/v", "must be (batch, heads, time, d_h) with matching time",
                              f"{tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}")


def causal_linear_attention_ref(q: Tensor, k: Tensor, v: Tensor, kind: str) -> Tensor:
    """Quadratic reference (the test oracle): the full (T × T) masked weight matrix.
    q, k (batch, heads, T, d_h), v (batch, heads, T, d_v) -> (batch, heads, T, d_v)."""
    _check(q, k, v, kind)
    T = q.shape[-2]
    mask = torch.ones(T, T, dtype=torch.bool, device=q.device).tril()
    if kind == "linear-elu":
        w = (F.elu(q) + 1) @ (F.elu(k) + 1).transpose(-1, -2)  # (B, H, T, T), > 0
        w = w.masked_fill(~mask, 0.0)
        return (w @ v) / w.sum(-1, keepdim=True)
    w = (q @ k.transpose(-1, -2)).masked_fill(~mask, 0.0)  # causal mean of (q_t·k_s) v_s
    n = torch.arange(1, T + 1, device=q.device, dtype=q.dtype)[:, None]
    return (w @ v) / n


def _carried(per_chunk: Tensor) -> Tensor:
    """Exclusive running sum over the chunk axis 2: out[:, :, c] = Σ_{j<c} per_chunk[:, :, j]
    (a short loop over chunks; deterministic on every device, unlike ``cumsum`` on CUDA)."""
    parts = per_chunk.unbind(2)  # one unbind: no full-size zero tensor per slice in backward
    acc = torch.zeros_like(parts[0])
    out = [acc]
    for part in parts[:-1]:
        acc = acc + part
        out.append(acc)
    return torch.stack(out, 2)


def causal_linear_attention_chunked(q: Tensor, k: Tensor, v: Tensor, kind: str,
                                    chunk: int = LIN_CHUNK) -> Tensor:
    """Same arguments and result as :func:`causal_linear_attention_ref`, by chunks of
    ``chunk`` time steps (T need not be a multiple; T < chunk is one quadratic chunk)."""
    _check(q, k, v, kind)
    if chunk < 1:
        raise ValidationError("chunk", "must be >= 1", repr(chunk))
    B, H, T, dh = q.shape
    L = min(chunk, T)
    n = math.ceil(T / L)
    pad = n * L - T
    if pad:  # padded steps come after every real one, so causality keeps them out of it;
        # zero raw q/k give φ = 1 > 0 there, so no 0/0 in the dropped rows
        q, k, v = (F.pad(t, (0, 0, 0, pad)) for t in (q, k, v))
    elu = kind == "linear-elu"
    if elu:
        q, k = F.elu(q) + 1, F.elu(k) + 1
    qc, kc, vc = (t.reshape(B, H, n, L, t.shape[-1]) for t in (q, k, v))
    mask = torch.ones(L, L, dtype=torch.bool, device=q.device).tril()
    w = (qc @ kc.transpose(-1, -2)).masked_fill(~mask, 0.0)  # (B, H, n, L, L)
    num = w @ vc
    den = w.sum(-1) if elu else None
    if n > 1:
        S, z = _carried(kc.transpose(-1, -2) @ vc), _carried(kc.sum(-2)) if elu else None
        num = num + qc @ S
        if elu:
            den = den + (qc * z.unsqueeze(-2)).sum(-1)
    if elu:
        out = num / den.unsqueeze(-1)
    else:
        t = torch.arange(1, n * L + 1, device=q.device, dtype=q.dtype).view(n, L, 1)
        out = num / t
    return out.reshape(B, H, n * L, -1)[:, :, :T]


def causal_linear_attention(q: Tensor, k: Tensor, v: Tensor, kind: str) -> Tensor:
    """The implementation :func:`select_impl` ("attention") picks for q's device: "chunked"
    (:data:`LIN_CHUNK`) or "quadratic" (the reference). Shapes as there."""
    if select_impl("attention", q.device) == "quadratic":
        return causal_linear_attention_ref(q, k, v, kind)
    return causal_linear_attention_chunked(q, k, v, kind, LIN_CHUNK)
