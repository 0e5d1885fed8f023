"""Fast scan kernels shared by the SSMs, and the one place that picks a kernel per device.

* :func:`linear_scan_seq`: h_t = a_t ⊙ h_{t−1} + b_t (real or complex, optional h_0) as a
  custom autograd function: one fused multiply-add per time step forward, one per step in the
  hand-written reverse-time backward g_t = ∂L/∂h_t + a_{t+1} g_{t+1}, on views from a single
  ``unbind`` (indexing ``a[:, t]`` under autograd makes a full-size zero tensor per slice in
  the backward, memory traffic growing as T²).
* :func:`selective_scan_seq`: Mamba's scan y_t = C_t · h_t with h_t = exp(Δ_t A) ⊙ h_{t−1} +
  Δ_t B_t x_t, fused in numba: one batch row's decays exp(ΔA) by numpy's vectorised exp, then
  one (row, channel) lane at a time, so the (batch, time, channel, state) tensors exp(ΔA), ΔBx
  and h are never built; the backward recomputes a row's decays and a lane's states and runs
  the adjoint recurrence g_t = C_t dy_t + a_{t+1} g_{t+1} backwards.
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

import numba
import numpy as np
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


# reassociation (vectorised sums over the state) and fused multiply-add only: no "no-NaN /
# no-inf" assumptions, so a diverging run still shows NaN/inf
_FLAGS = {"reassoc", "contract"}


@numba.njit(cache=True)
def _delta_a(delta, A, out):  # pragma: no cover - compiled
    """out[c, t, n] = delta[t, c] · A[c, n]."""
    nt, nc = delta.shape
    for c in range(nc):
        for t in range(nt):
            d = delta[t, c]
            for n in range(A.shape[1]):
                out[c, t, n] = d * A[c, n]


def _decays(delta: np.ndarray, A: np.ndarray, out: np.ndarray) -> np.ndarray:
    """a = exp(Δ A) for one batch row, lane-major: delta (time, c), A (c, n) -> out (c, time,
    n). numpy's vectorised exp; the compiled kernels' scalar exp was most of their time."""
    _delta_a(delta, A, out)
    return np.exp(out, out=out)


@numba.njit(cache=True, fastmath=_FLAGS)
def _selective_fwd_row(x, delta, E, Bm, Cm, y):  # pragma: no cover - compiled
    """One batch row: y[t, c] = Σ_n C[t, n] h_t[n] with h_t = E[c, t] ⊙ h_{t−1} + Δ x B[t];
    x, delta, y (time, c); E (c, time, n); Bm, Cm (time, n). One lane (channel) at a time, its
    state (n,) in a local buffer."""
    nt, nc = x.shape
    ns = Bm.shape[1]
    h = np.empty(ns, dtype=x.dtype)
    zero = np.zeros(1, dtype=x.dtype)[0]
    for c in range(nc):
        h[:] = 0
        for t in range(nt):
            u = delta[t, c] * x[t, c]
            acc = zero
            for n in range(ns):
                hn = E[c, t, n] * h[n] + u * Bm[t, n]
                h[n] = hn
                acc += Cm[t, n] * hn
            y[t, c] = acc


@numba.njit(cache=True, fastmath=_FLAGS)
def _selective_bwd_row(x, delta, A, E, Bm, Cm, gy, gx, gdelta, gA, gB, gC):  # pragma: no cover
    """Adjoint of :func:`_selective_fwd_row`: per lane, recompute h_t (time, n) into a local
    buffer, then run g_t = gy_t C_t + a_{t+1} ⊙ g_{t+1} backwards. gB, gC (time, n) and gA
    (c, n) accumulate over lanes (zeroed by the caller); gx, gdelta (time, c) are written."""
    nt, nc = x.shape
    ns = Bm.shape[1]
    hs = np.zeros((nt + 1, ns), dtype=x.dtype)  # hs[t + 1] = h_t, hs[0] = h_{−1} = 0
    g = np.empty(ns, dtype=x.dtype)  # holds a_{t+1} ⊙ g_{t+1}
    ga = np.empty(ns, dtype=x.dtype)  # this lane's ∂L/∂A[c]
    zero = np.zeros(1, dtype=x.dtype)[0]
    for c in range(nc):
        for t in range(nt):
            u = delta[t, c] * x[t, c]
            for n in range(ns):
                hs[t + 1, n] = E[c, t, n] * hs[t, n] + u * Bm[t, n]
        g[:] = 0
        ga[:] = 0
        for t in range(nt - 1, -1, -1):
            d = delta[t, c]
            xv = x[t, c]
            u = d * xv
            gyv = gy[t, c]
            gu = zero
            gd = zero
            for n in range(ns):
                gn = gyv * Cm[t, n] + g[n]
                gC[t, n] += gyv * hs[t + 1, n]
                gB[t, n] += gn * u
                gu += gn * Bm[t, n]
                s = gn * hs[t, n] * E[c, t, n]  # ∂L/∂a_t · a_t, a_t = exp(Δ_t A): g_t h_{t−1} a_t
                gd += s * A[c, n]
                ga[n] += s * d
                g[n] = E[c, t, n] * gn
            gx[t, c] = gu * d
            gdelta[t, c] = gd + gu * xv
        for n in range(ns):
            gA[c, n] += ga[n]


def _arrays(*ts: Tensor) -> list[np.ndarray]:
    return [t.detach().numpy() for t in ts]


class _SelectiveScan(torch.autograd.Function):
    """x, delta (batch, time, c); A (c, n); Bm, Cm (batch, time, n), contiguous CPU tensors of
    one dtype -> y (batch, time, c). Nothing but the inputs is saved: the backward recomputes
    each row's decays and each lane's states."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor) -> Tensor:
        y = torch.empty_like(x)
        xs, ds, An, Bs, Cs, ys = _arrays(x, delta, A, Bm, Cm, y)
        E = np.empty((An.shape[0], xs.shape[1], An.shape[1]), dtype=xs.dtype)
        for b in range(xs.shape[0]):
            _selective_fwd_row(xs[b], ds[b], _decays(ds[b], An, E), Bs[b], Cs[b], ys[b])
        ctx.save_for_backward(x, delta, A, Bm, Cm)
        return y

    @staticmethod
    def backward(ctx: Any, gy: Tensor) -> tuple[Tensor, ...]:
        x, delta, A, Bm, Cm = ctx.saved_tensors
        gx, gdelta = torch.empty_like(x), torch.empty_like(delta)
        gB, gC = torch.zeros_like(Bm), torch.zeros_like(Cm)
        gA = torch.zeros(A.shape, dtype=torch.float64)  # summed over batch × time: in float64
        xs, ds, An, Bs, Cs, gys = _arrays(x, delta, A, Bm, Cm, gy.contiguous())
        gxs, gds, gAs, gBs, gCs = _arrays(gx, gdelta, gA, gB, gC)
        E = np.empty((An.shape[0], xs.shape[1], An.shape[1]), dtype=xs.dtype)
        for b in range(xs.shape[0]):
            _selective_bwd_row(xs[b], ds[b], An, _decays(ds[b], An, E), Bs[b], Cs[b], gys[b],
                               gxs[b], gds[b], gAs, gBs[b], gCs[b])
        return gx, gdelta, gA.to(A.dtype), gB, gC


def selective_scan_seq(x: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor) -> Tensor:
    """Σ_n C_t[n] h_t[c, n] with h_t = exp(Δ_t A) ⊙ h_{t−1} + Δ_t B_t x_t, h_0 = 0 (no D term),
    sequential and fused (numba), one batch row at a time: the (batch, time, c, n) tensors
    exp(ΔA), ΔBx and h are never built, only one row's decays (c, time, n) and one lane's
    states. Runs on the CPU (tensors elsewhere are copied there and back).
    x, delta (batch, T, c); A (c, n); Bm, Cm (batch, T, n) -> (batch, T, c)."""
    if x.ndim != 3 or x.shape[1] == 0:
        raise ValidationError("x", "must have shape (batch, time >= 1, channels)",
                              str(tuple(x.shape)))
    dtype = torch.promote_types(torch.promote_types(x.dtype, delta.dtype), A.dtype)
    if dtype not in (torch.float32, torch.float64):
        raise ValidationError("x", "must be float32 or float64", str(dtype))

    def cpu(t: Tensor) -> Tensor:
        return t.to(device="cpu", dtype=dtype).contiguous()

    y = _SelectiveScan.apply(cpu(x), cpu(delta), cpu(A), cpu(Bm), cpu(Cm))
    return y.to(x.device)
