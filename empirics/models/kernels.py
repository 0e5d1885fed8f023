"""Fast scan kernels shared by the SSMs, and the one place that picks a kernel per device.

* :func:`linear_scan_seq`: h_t = a_t ⊙ h_{t−1} + b_t (real or complex, optional h_0) as a
  custom autograd function: one fused multiply-add per time step forward, one per step in the
  hand-written reverse-time backward g_t = ∂L/∂h_t + a_{t+1} g_{t+1}, on views from a single
  ``unbind`` (indexing ``a[:, t]`` under autograd makes a full-size zero tensor per slice in
  the backward, memory traffic growing as T²).
* :func:`selective_scan_seq`: Mamba's scan y_t = C_t · h_t with h_t = exp(Δ_t A) ⊙ h_{t−1} +
  Δ_t B_t x_t, fused: the (batch, time, channel, state) tensors exp(ΔA), ΔBx and h are only
  ever built for one time chunk; forward keeps h at chunk starts, backward recomputes each
  chunk and runs the adjoint recurrence g_t = C_t dy_t + a_{t+1} g_{t+1} backwards.
* :func:`select_impl`: which implementation a kernel uses on a device ("sequential" on CPU,
  where the log-depth scan's full-size intermediates cost page faults and memory traffic;
  "logdepth" on CUDA, where one fused step per time step is launch-bound); overridable with
  :func:`force_impl` (the bench times the old path this way).
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor

from chasm_theory.errors import ValidationError

__all__ = [
    "IMPLS",
    "force_impl",
    "linear_scan",
    "linear_scan_logdepth",
    "linear_scan_ref",
    "linear_scan_seq",
    "select_impl",
    "selective_scan_seq",
]

# kernel -> its implementations; the first is the CPU default.
IMPLS: dict[str, tuple[str, ...]] = {
    "scan": ("sequential", "logdepth", "reference"),
    "attention": ("chunked", "quadratic"),
}
_FORCED: dict[str, str] = {}


def select_impl(kernel: str, device: torch.device | str) -> str:
    """Implementation of ``kernel`` ("scan" | "attention") for tensors on ``device``: a forced
    choice (:func:`force_impl`) if any, else scan → "logdepth" on CUDA and "sequential"
    elsewhere; attention → "chunked" on every device."""
    if kernel not in IMPLS:
        raise ValidationError("kernel", f"must be one of {tuple(IMPLS)}", repr(kernel))
    if kernel in _FORCED:
        return _FORCED[kernel]
    if kernel == "scan":
        return "logdepth" if torch.device(device).type == "cuda" else "sequential"
    return "chunked"


@contextmanager
def force_impl(kernel: str, impl: str) -> Iterator[None]:
    """Within the block, :func:`select_impl` returns ``impl`` for ``kernel`` on every device."""
    if kernel not in IMPLS or impl not in IMPLS[kernel]:
        raise ValidationError("impl", f"must be one of {IMPLS.get(kernel)}", f"{kernel}={impl!r}")
    prev = _FORCED.get(kernel)
    _FORCED[kernel] = impl
    try:
        yield
    finally:
        if prev is None:
            _FORCED.pop(kernel, None)
        else:
            _FORCED[kernel] = prev


# ----------------------------------------------------------------------------- linear scan


def linear_scan_ref(a: Tensor, b: Tensor, h0: Tensor | None = None) -> Tensor:
    """h_t = a_t ⊙ h_{t−1} + b_t from h_0 = ``h0`` (default 0), along dim 1, one step at a time
    (the test oracle); a, b (batch, time, ...), h0 (batch, ...) -> h (batch, time, ...)."""
    h = torch.zeros_like(b[:, 0]) if h0 is None else h0
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


def linear_scan(a: Tensor, b: Tensor, chunk: int = 64, h0: Tensor | None = None) -> Tensor:
    """Same result as :func:`linear_scan_ref`, by the implementation :func:`select_impl` picks
    for b's device (``chunk``: chunk length of the log-depth scan). a broadcastable to b
    (batch, time, ...); h0 (batch, ...) or None."""
    impl = select_impl("scan", b.device)
    if impl == "sequential":
        return linear_scan_seq(a, b, h0)
    a = torch.broadcast_to(a, b.shape)
    if impl == "reference":
        return linear_scan_ref(a, b, h0)
    if h0 is not None:  # fold h_0 into the first input: h_1 = a_1 h_0 + b_1
        b = torch.cat([b[:, :1] + a[:, :1] * h0.unsqueeze(1), b[:, 1:]], dim=1)
    return linear_scan_logdepth(a, b, chunk)


def linear_scan_logdepth(a: Tensor, b: Tensor, chunk: int = 64) -> Tensor:
    """Same result as :func:`linear_scan_ref` by a chunked log-depth scan (time is padded to
    a multiple of ``chunk``)."""
    if a.shape != b.shape:
        raise ValidationError("a/b", "must have the same shape",
                              f"{tuple(a.shape)} vs {tuple(b.shape)}")
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



class _LinearScan(torch.autograd.Function):
    """a, b (batch, time, ...) of one shape (a may be a broadcast view); h0 (batch, ...) or
    None -> h (batch, time, ...). Per-step views come from one ``unbind`` (no per-slice
    indexing under autograd), per-step results are stacked once."""

    @staticmethod
    def forward(ctx: Any, a: Tensor, b: Tensor, h0: Tensor | None) -> Tensor:
        at, bt = a.unbind(1), b.unbind(1)
        h = bt[0] if h0 is None else torch.addcmul(bt[0], at[0], h0)
        hs = [h]
        for t in range(1, len(bt)):
            h = torch.addcmul(bt[t], at[t], h)
            hs.append(h)
        out = torch.stack(hs, 1)
        ctx.save_for_backward(a, out, h0)
        return out

    @staticmethod
    def backward(ctx: Any, gh: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        a, h, h0 = ctx.saved_tensors
        ght = gh.unbind(1)
        act = a.conj().unbind(1)  # Wirtinger convention: grads of h = a h' + b are ḡ·conj(·)
        g = ght[-1]  # g_t = dL/dh_t through every later step
        gs = [g]
        for t in range(len(ght) - 2, -1, -1):
            g = torch.addcmul(ght[t], act[t + 1], g)
            gs.append(g)
        gs.reverse()
        gb = torch.stack(gs, 1)
        first = torch.zeros_like(h[:, 0]) if h0 is None else h0
        h_prev = torch.cat([first.unsqueeze(1), h[:, :-1]], 1)
        ga = gb * h_prev.conj()
        gh0 = None if h0 is None else gs[0] * act[0]
        return ga, gb, gh0


def linear_scan_seq(a: Tensor, b: Tensor, h0: Tensor | None = None) -> Tensor:
    """h_t = a_t ⊙ h_{t−1} + b_t along dim 1 from h_0 = ``h0`` (default 0), sequentially with a
    hand-written backward. a, b (batch, time, ...) (a broadcastable to b); h0 (batch, ...) or
    None -> h (batch, time, ...) like b. Real or complex."""
    if b.ndim < 2 or b.shape[1] == 0:
        raise ValidationError("b", "must have shape (batch, time >= 1, ...)", str(tuple(b.shape)))
    a = torch.broadcast_to(a, b.shape)
    if h0 is not None:
        h0 = torch.broadcast_to(h0, (b.shape[0], *b.shape[2:]))
    return _LinearScan.apply(a, b, h0)


# ----------------------------------------------------------------------------- Mamba scan


def _chunk_coeffs(delta: Tensor, x: Tensor, A: Tensor, Bm: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Time-major chunk: delta, x (L, batch, c); Bm (L, batch, n) -> (exp(ΔA), ΔBx (L, batch,
    c, n), u = Δx (L, batch, c))."""
    a = torch.exp(delta.unsqueeze(-1) * A)
    u = delta * x
    return a, u.unsqueeze(-1) * Bm.unsqueeze(2), u


def _scan_chunk_(a: Tensor, hb: Tensor, h_start: Tensor | None) -> Tensor:
    """In place: hb (L, batch, c, n) holds b on entry and h on exit, from h_{−1} = h_start."""
    if h_start is not None:
        hb[0].addcmul_(a[0], h_start)
    for t in range(1, a.shape[0]):
        hb[t].addcmul_(a[t], hb[t - 1])
    return hb


class _SelectiveScan(torch.autograd.Function):
    """Time-major x, delta (T, batch, c); A (c, n); Bm, Cm (T, batch, n) -> y (T, batch, c)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor,
                chunk: int) -> Tensor:
        T = x.shape[0]
        starts = list(range(0, T, chunk))
        y = torch.empty_like(x)
        h_starts = x.new_empty((len(starts), *x.shape[1:], A.shape[1]))
        h_prev = None
        for i, s in enumerate(starts):
            e = min(s + chunk, T)
            if h_prev is None:
                h_starts[i].zero_()
            else:
                h_starts[i].copy_(h_prev)
            a, hb, _ = _chunk_coeffs(delta[s:e], x[s:e], A, Bm[s:e])
            h = _scan_chunk_(a, hb, h_prev)
            torch.sum(h * Cm[s:e].unsqueeze(2), -1, out=y[s:e])
            h_prev = h[-1]
        ctx.chunk = chunk
        ctx.save_for_backward(x, delta, A, Bm, Cm, h_starts)
        return y

    @staticmethod
    def backward(ctx: Any, gy: Tensor) -> tuple[Tensor | None, ...]:
        x, delta, A, Bm, Cm, h_starts = ctx.saved_tensors
        T, chunk = x.shape[0], ctx.chunk
        gy = gy.contiguous()
        gx, gdelta = torch.empty_like(x), torch.empty_like(delta)
        gB, gC = torch.empty_like(Bm), torch.empty_like(Cm)
        gA = torch.zeros_like(A)
        carry = None  # a_{e} ⊙ g_{e}: what step e sends back to step e − 1
        starts = list(range(0, T, chunk))
        for i in range(len(starts) - 1, -1, -1):
            s = starts[i]
            e = min(s + chunk, T)
            a, h, u = _chunk_coeffs(delta[s:e], x[s:e], A, Bm[s:e])
            h_start = h_starts[i] if i else None
            _scan_chunk_(a, h, h_start)
            gyc = gy[s:e]
            torch.matmul(gyc.unsqueeze(-2), h, out=gC[s:e].unsqueeze(-2))  # Σ_c dy h
            g = gyc.unsqueeze(-1) * Cm[s:e].unsqueeze(2)  # (L, batch, c, n)
            if carry is not None:
                g[-1].add_(carry)
            for t in range(e - s - 2, -1, -1):
                g[t].addcmul_(a[t + 1], g[t + 1])
            carry = a[0] * g[0]
            # dL/da_t = g_t h_{t−1}; a = exp(ΔA) -> s_t = g_t h_{t−1} a_t
            sa = h.roll(1, dims=0)
            if h_start is None:
                sa[0].zero_()
            else:
                sa[0].copy_(h_start)
            sa.mul_(g).mul_(a)
            gdelta_a = (sa * A).sum(-1)  # (L, batch, c)
            gA.add_(sa.mul_(delta[s:e].unsqueeze(-1)).sum((0, 1)))
            gu = (g * Bm[s:e].unsqueeze(2)).sum(-1)  # Σ_n g B
            torch.matmul(u.unsqueeze(-2), g, out=gB[s:e].unsqueeze(-2))  # Σ_c g u
            torch.addcmul(gdelta_a, gu, x[s:e], out=gdelta[s:e])
            torch.mul(gu, delta[s:e], out=gx[s:e])
        return gx, gdelta, gA, gB, gC, None


def selective_scan_seq(x: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor,
                       chunk: int = 32) -> Tensor:
    """Σ_n C_t[n] h_t[c, n] with h_t = exp(Δ_t A) ⊙ h_{t−1} + Δ_t B_t x_t, h_0 = 0 (no D term),
    fused and chunked in time (``chunk`` steps of (batch, c, n) state at a time).
    x, delta (batch, T, c); A (c, n); Bm, Cm (batch, T, n) -> (batch, T, c)."""
    if chunk < 1:
        raise ValidationError("chunk", "must be >= 1", repr(chunk))
    dtype = torch.promote_types(torch.promote_types(x.dtype, delta.dtype), A.dtype)

    def tm(t: Tensor) -> Tensor:
        return t.to(dtype).transpose(0, 1).contiguous()

    y = _SelectiveScan.apply(tm(x), tm(delta), A.to(dtype).contiguous(), tm(Bm), tm(Cm), chunk)
    return y.transpose(0, 1)
