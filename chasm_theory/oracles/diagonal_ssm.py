"""Input-dependent complex-diagonal (DCD) SSM layers and stacks of them with phase decoders,
run exactly over long words by a numba kernel.

One layer: h_t = a(s_t) ⊙ h_{t-1} + b(s_t), h_0 given, with s_t the layer's input symbol.
A :class:`Cascade` stacks L layers: layer ℓ reads the symbol s_t = x_t · |Q_{ℓ-1}| + q_{ℓ-1,t}
(the word's letter and the previous layer's decoded output at the same time t; |Q_0| = 1,
q_0 = 0) and decodes its state with a *phase decoder*: coordinate j of order m_j gives
k_j = round(arg(h_j) · m_j / 2π) mod m_j, the mixed-radix code c = Σ_j k_j Π_{i<j} m_i, and
the output q_ℓ = table_ℓ[q_{ℓ-1}, c]. The last layer's output is the decoded group element.

Shapes: a, b (n_symbols, d) complex128; h0 (d,); words (B, T) int.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from chasm_theory.errors import ValidationError


@dataclass(frozen=True)
class DiagonalLayer:
    """One DCD layer with a phase decoder.

    a, b: (n_symbols, d) complex; h0: (d,) complex; orders: (d,) phase-decoder orders m_j;
    table: (n_prev, prod(orders)) int, output symbol from (previous output, phase code)."""

    a: np.ndarray
    b: np.ndarray
    h0: np.ndarray
    orders: np.ndarray
    table: np.ndarray

    def __post_init__(self) -> None:
        if self.a.shape != self.b.shape or self.a.ndim != 2:
            raise ValidationError(
                "a, b", "must both have shape (n_symbols, d)", f"{self.a.shape} vs {self.b.shape}"
            )
        d = self.a.shape[1]
        if self.h0.shape != (d,) or self.orders.shape != (d,):
            raise ValidationError(
                "h0, orders", f"must have shape ({d},)", f"{self.h0.shape}, {self.orders.shape}"
            )
        if np.any(self.orders < 1):
            raise ValidationError("orders", "must be positive", str(self.orders))
        if self.table.ndim != 2 or self.table.shape[1] != int(np.prod(self.orders)):
            raise ValidationError(
                "table", "must have shape (n_prev, prod(orders))", str(self.table.shape)
            )

    @property
    def d(self) -> int:
        return self.a.shape[1]

    @property
    def eigenvalues(self) -> np.ndarray:
        return self.a


@dataclass(frozen=True)
class Cascade:
    """A stack of :class:`DiagonalLayer` s tracking a group of order ``n_out`` over an alphabet
    of ``n_letters`` letters; ``n_q[ℓ]`` is the size of layer ℓ's output alphabet."""

    layers: tuple[DiagonalLayer, ...]
    n_letters: int

    def __post_init__(self) -> None:
        n_prev = 1
        for i, L in enumerate(self.layers):
            if L.a.shape[0] != self.n_letters * n_prev:
                raise ValidationError(
                    f"layers[{i}].a",
                    f"must have n_letters·|Q_prev| = {self.n_letters * n_prev} rows",
                    str(L.a.shape),
                )
            if L.table.shape[0] != n_prev:
                raise ValidationError(
                    f"layers[{i}].table", f"must have {n_prev} rows", str(L.table.shape)
                )
            n_prev = int(L.table.max()) + 1

    @property
    def depth(self) -> int:
        return len(self.layers)

    def packed(self, dtype: type = np.complex128) -> tuple[np.ndarray, ...]:
        """Padded arrays for the numba kernel."""
        L = len(self.layers)
        S = max(l.a.shape[0] for l in self.layers)
        D = max(l.d for l in self.layers)
        Q = max(l.table.shape[0] for l in self.layers)
        C = max(l.table.shape[1] for l in self.layers)
        A = np.ones((L, S, D), dtype=dtype)
        Bv = np.zeros((L, S, D), dtype=dtype)
        H0 = np.ones((L, D), dtype=dtype)
        dims = np.zeros(L, dtype=np.int64)
        orders = np.ones((L, D), dtype=np.int64)
        nq = np.ones(L + 1, dtype=np.int64)
        tables = np.zeros((L, Q, C), dtype=np.int64)
        for i, l in enumerate(self.layers):
            s, d = l.a.shape
            A[i, :s, :d] = l.a
            Bv[i, :s, :d] = l.b
            H0[i, :d] = l.h0
            dims[i] = d
            orders[i, :d] = l.orders
            tables[i, : l.table.shape[0], : l.table.shape[1]] = l.table
            nq[i] = l.table.shape[0]
        nq[L] = int(self.layers[-1].table.max()) + 1
        return A, Bv, H0, dims, orders, nq, tables


@numba.njit(cache=True)
def _track_kernel(
    words, truth_mult, A, Bv, H0, dims, orders, nq, tables, checkpoints
):  # pragma: no cover - numba
    nb, T = words.shape
    L = A.shape[0]
    D = A.shape[2]
    K = checkpoints.shape[0]
    errors = np.zeros(nb, dtype=np.int64)
    first = -np.ones(nb, dtype=np.int64)
    radial = np.zeros(K)
    phase = np.zeros(K)
    two_pi = 2.0 * math.pi
    h = np.empty((L, D), dtype=A.dtype)
    for w in range(nb):
        for l in range(L):
            for j in range(D):
                h[l, j] = H0[l, j]
        truth = 0
        kc = 0
        rmax = 0.0
        pmax = 0.0
        for t in range(T):
            x = words[w, t]
            truth = truth_mult[truth, x]
            q = 0
            for l in range(L):
                s = x * nq[l] + q
                code = 0
                radix = 1
                for j in range(dims[l]):
                    hv = A[l, s, j] * h[l, j] + Bv[l, s, j]
                    h[l, j] = hv
                    m = orders[l, j]
                    th = math.atan2(np.float64(hv.imag), np.float64(hv.real))
                    k = int(round(th * m / two_pi))
                    err = abs(th - two_pi * k / m)
                    if err > pmax:
                        pmax = err
                    r = abs(hv.real * hv.real + hv.imag * hv.imag - 1.0)
                    if r > rmax:
                        rmax = r
                    code += (k % m) * radix
                    radix *= m
                q = tables[l, q, code]
            if q != truth:
                errors[w] += 1
                if first[w] < 0:
                    first[w] = t + 1
            while kc < K and checkpoints[kc] == t + 1:
                if rmax > radial[kc]:
                    radial[kc] = rmax
                if pmax > phase[kc]:
                    phase[kc] = pmax
                kc += 1
    # running maxima: make the curves the max over steps ≤ checkpoint
    for k in range(1, K):
        if radial[k] < radial[k - 1]:
            radial[k] = radial[k - 1]
        if phase[k] < phase[k - 1]:
            phase[k] = phase[k - 1]
    return errors, first, radial, phase


@dataclass(frozen=True)
class Tracking:
    """Result of running a cascade over a batch of words against the Cayley-table truth.

    errors (B,): steps whose decoded element ≠ prefix product; first_error (B,): first wrong
    step (1-based), −1 if none; checkpoints (K,); radial (K,) max_t≤checkpoint ||h_t|² − 1|;
    phase (K,) max_t≤checkpoint distance of arg h_t to the decoder's lattice (radians),
    both over words, layers and coordinates."""

    errors: np.ndarray
    first_error: np.ndarray
    checkpoints: np.ndarray
    radial: np.ndarray
    phase: np.ndarray

    @property
    def total_errors(self) -> int:
        return int(self.errors.sum())

    @property
    def earliest_error(self) -> int | None:
        f = self.first_error[self.first_error > 0]
        return int(f.min()) if f.size else None


def log_checkpoints(T: int, per_decade: int = 8) -> np.ndarray:
    """Roughly log-spaced integers in [1, T], ending at T."""
    pts = np.unique(
        np.round(np.logspace(0, np.log10(T), per_decade * max(1, int(np.log10(T))) + 1)).astype(
            np.int64
        )
    )
    return np.unique(np.append(pts[(pts >= 1) & (pts <= T)], T))


def track(
    cascade: Cascade,
    truth_mult: np.ndarray,
    words: np.ndarray,
    *,
    dtype: type = np.complex128,
    checkpoints: np.ndarray | None = None,
) -> Tracking:
    """Run ``cascade`` over ``words`` (B, T) in ``dtype`` (complex64 or complex128) and compare
    its decoded output at every step with the prefix products from ``truth_mult`` (Cayley
    table, (n, n))."""
    words = np.ascontiguousarray(words, dtype=np.int64)
    if words.ndim != 2:
        raise ValidationError("words", "must have shape (B, T)", str(words.shape))
    if words.size and (words.min() < 0 or words.max() >= cascade.n_letters):
        raise ValidationError("words", f"letters must lie in [0, {cascade.n_letters})")
    if dtype not in (np.complex64, np.complex128):
        raise ValidationError("dtype", "must be complex64 or complex128", repr(dtype))
    T = words.shape[1]
    cps = log_checkpoints(T) if checkpoints is None else np.asarray(checkpoints, dtype=np.int64)
    A, Bv, H0, dims, orders, nq, tables = cascade.packed(dtype)
    e, f, r, p = _track_kernel(
        words,
        np.ascontiguousarray(truth_mult, dtype=np.int64),
        A,
        Bv,
        H0,
        dims,
        orders,
        nq,
        tables,
        cps,
    )
    return Tracking(e, f, cps, r, p)


def run_states(
    layer: DiagonalLayer, symbols: np.ndarray, dtype: type = np.complex128
) -> np.ndarray:
    """Reference (plain numpy) states of one layer. symbols (B, T) -> states (B, T, d)."""
    symbols = np.asarray(symbols)
    a = layer.a.astype(dtype)
    b = layer.b.astype(dtype)
    h = np.broadcast_to(layer.h0.astype(dtype), (symbols.shape[0], layer.d)).copy()
    out = np.empty(symbols.shape + (layer.d,), dtype=dtype)
    for t in range(symbols.shape[1]):
        h = a[symbols[:, t]] * h + b[symbols[:, t]]
        out[:, t] = h
    return out


def phase_codes(states: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """Mixed-radix phase codes of states (..., d) for decoder orders (d,) -> (...) int."""
    th = np.angle(states)
    k = np.mod(np.rint(th * orders / (2 * np.pi)).astype(np.int64), orders)
    radix = np.concatenate([[1], np.cumprod(orders)[:-1]]).astype(np.int64)
    return (k * radix).sum(-1)


def decode_reference(cascade: Cascade, words: np.ndarray) -> np.ndarray:
    """Decoded outputs of a cascade with plain numpy (float64), independent of the numba
    kernel. words (B, T) -> (B, T) output symbols."""
    words = np.asarray(words, dtype=np.int64)
    q = np.zeros_like(words)
    for layer in cascade.layers:
        n_prev = layer.table.shape[0]
        sym = words * n_prev + q
        codes = phase_codes(run_states(layer, sym), layer.orders)
        q = layer.table[q, codes]
    return q
