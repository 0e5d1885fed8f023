"""Constructive witnesses: explicit DCD cascades that track groups exactly (paper 002).

* :func:`series_cascade` — the construction behind Theorem 2's sufficiency: given a normal
  series G = G_0 ⊵ G_1 ⊵ ... ⊵ G_k = 1 (each G_i ⊴ G) with abelian factors, layer ℓ tracks
  the prefix product modulo G_ℓ. With the transversal τ(c) = smallest element of the coset c
  of G_{ℓ-1}, write P_t = n_t τ(c_t); then n_t = n_{t-1} w_t with
  w_t = τ(c_{t-1}) x_t τ(c_t)^{-1} ∈ G_{ℓ-1}, a function of (x_t, c_t) only, because
  c_{t-1} = c_t · x_t^{-1}. Layer ℓ therefore tracks the *abelian* group G_{ℓ-1}/G_ℓ with the
  input w_t, one coordinate per cyclic factor: a = exp(2πi k_j(w_t)/o_j), b = 0, h_0 = 1.
  One layer (k = 1) is the character construction of Theorem 1 for abelian G.
* :func:`s3_paper_witness` — the paper's two-layer S3 construction (parity with angles 0/π,
  then ±(2π/3)β), in each of the readings of its input encoding and sign.
* :func:`real_series` — a series with elementary-abelian 2-group factors, so that every
  eigenvalue is ±1 (the closure of Negative Mamba's (−1, 1]); :func:`one_real_layer_kernel`
  — the common kernel of all homomorphisms G → {±1}, which a single real layer cannot see past.
"""

from __future__ import annotations

import itertools
from typing import Literal

import numpy as np
from sympy.combinatorics import Permutation

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.diagonal_ssm import Cascade, DiagonalLayer
from chasm_theory.oracles.groups import FiniteGroup, abelian_quotient_decomposition


def root_of_unity(k: np.ndarray, m: np.ndarray) -> np.ndarray:
    """exp(2πi k/m), exact (±1, ±i) where 4k/m is an integer."""
    k = np.asarray(k, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    z = np.exp(2j * np.pi * (k % m) / m)
    q = (4 * (k % m)) % m == 0
    quarter = ((4 * (k % m)) // np.maximum(m, 1)) % 4
    exact = np.array([1, 1j, -1, -1j], dtype=np.complex128)[quarter]
    return np.where(q, exact, z)


def _compact(labels: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Map coset labels (element indices) to 0..n_cosets-1; returns (compact (n,), reps)."""
    reps = sorted({int(v) for v in labels})
    pos = {r: i for i, r in enumerate(reps)}
    return np.array([pos[int(v)] for v in labels], dtype=np.int64), reps


def check_series(G: FiniteGroup, series: list[frozenset[int]]) -> None:
    """Raise ValidationError unless series is G ⊵ ... ⊵ 1, each term normal in G, abelian
    factors."""
    if not series or series[0] != frozenset(range(G.order)) or series[-1] != frozenset({0}):
        raise ValidationError("series", "must start at G and end at the trivial group", G.name)
    for i in range(1, len(series)):
        H, N = series[i - 1], series[i]
        if not N <= H or not G.is_normal(N):
            raise ValidationError(
                "series", f"term {i} must be a subgroup of term {i - 1}, normal in G", G.name
            )
        if not G.quotient_is_abelian(H, N):
            raise ValidationError("series", f"factor {i - 1}/{i} must be abelian", G.name)


def series_cascade(G: FiniteGroup, series: list[frozenset[int]]) -> Cascade:
    """A len(series)−1 layer cascade tracking G (see the module docstring)."""
    check_series(G, series)
    m, inv, n = G.mult, G.inv, G.order
    layers = []
    _, prev_reps = _compact(G.coset_labels(series[0]))  # one coset
    for ell in range(1, len(series)):
        H, N = series[ell - 1], series[ell]
        dec = abelian_quotient_decomposition(G, H, N)
        orders = np.array(dec.orders if dec.orders else (1,), dtype=np.int64)
        d = len(orders)
        n_prev = len(prev_reps)
        prev_labels = G.coset_labels(H)
        a = np.ones((n * n_prev, d), dtype=np.complex128)
        for x in range(n):
            for qi, tau_c in enumerate(prev_reps):
                c_before = int(prev_labels[m[tau_c, inv[x]]])  # τ(c_{t-1})
                w = int(m[m[c_before, x], inv[tau_c]])
                if w not in H:
                    raise AssertionError("w_t must lie in G_{ℓ-1}")  # pragma: no cover
                if dec.orders:
                    a[x * n_prev + qi] = root_of_unity(dec.coords[w], orders)
        new_compact, new_reps = _compact(G.coset_labels(N))
        n_codes = int(np.prod(orders))
        table = np.zeros((n_prev, n_codes), dtype=np.int64)
        for qi, tau_c in enumerate(prev_reps):
            for code in range(n_codes):
                ks = []
                rest = code
                for o in orders:
                    ks.append(rest % o)
                    rest //= o
                elem = 0
                for bi, k in zip(dec.basis, ks):
                    elem = int(m[elem, G.power(bi, k)])
                table[qi, code] = new_compact[int(m[elem, tau_c])]
        layers.append(
            DiagonalLayer(
                a=a,
                b=np.zeros_like(a),
                h0=np.ones(d, dtype=np.complex128),
                orders=orders,
                table=table,
            )
        )
        prev_reps = new_reps
    return Cascade(tuple(layers), n)


def derived_series_cascade(G: FiniteGroup) -> Cascade:
    """Cascade along the derived series (derived-length many layers); G must be solvable."""
    if G.derived.length is None:
        raise ValidationError("G", "must be solvable (its derived series must reach 1)", G.name)
    return series_cascade(G, G.derived_series_indices)


def abelian_witness(G: FiniteGroup) -> Cascade:
    """One-layer character construction (Theorem 1) for abelian G."""
    if not G.is_abelian:
        raise ValidationError("G", "must be abelian for a one-layer witness", G.name)
    return series_cascade(G, [frozenset(range(G.order)), frozenset({0})])


def real_series(G: FiniteGroup) -> list[frozenset[int]] | None:
    """G ⊵ G_1 ⊵ ... ⊵ 1 with G_{i+1} = ⟨[G_i, G_i], g² : g ∈ G_i⟩ (each characteristic, so
    normal in G), whose factors are elementary abelian 2-groups; None if it stalls above 1."""
    m, inv = G.mult, G.inv
    series = [frozenset(range(G.order))]
    while len(series[-1]) > 1:
        H = series[-1]
        gens = sorted(
            {int(m[m[inv[a], inv[b]], m[a, b]]) for a in H for b in H} | {int(m[h, h]) for h in H}
        )
        N = G.generated(gens)
        if N == H:
            return None
        series.append(N)
    return series


def is_real_unit(cascade: Cascade) -> bool:
    """All eigenvalues are exactly ±1 (real, in the closure of (−1, 1])."""
    return all(
        bool(np.all(l.a.imag == 0) and np.all(np.abs(l.a.real) == 1)) for l in cascade.layers
    )


def one_real_layer_kernel(G: FiniteGroup) -> frozenset[int]:
    """∩ ker χ over all homomorphisms χ: G → {±1}, found by trying every ±1 assignment on
    sympy's generators and keeping the consistent ones (checked on the full Cayley table).

    After Lemma 1's elimination a finite-precision real diagonal layer keeps only coordinates
    h ↦ ±(h − c) + c about a common centre c, so its state is a function of (χ_j(P_t))_j for
    such χ_j: it cannot separate elements of this kernel."""
    gens = [G.index(g) for g in G.perm_group.generators]
    kernel = set(range(G.order))
    for signs in itertools.product((1, -1), repeat=len(gens)):
        chi = {0: 1}
        frontier = [0]
        ok = True
        while frontier and ok:
            new = []
            for e in frontier:
                for g, s in zip(gens, signs):
                    f = int(G.mult[e, g])
                    v = chi[e] * s
                    if f in chi:
                        ok = ok and chi[f] == v
                    else:
                        chi[f] = v
                        new.append(f)
            frontier = new
        if ok and len(chi) == G.order:
            ok = all(
                chi[int(G.mult[a, b])] == chi[a] * chi[b]
                for a in range(G.order)
                for b in range(G.order)
            )
        if ok:
            kernel &= {e for e, v in chi.items() if v == 1}
    return frozenset(kernel)


# --------------------------------------------------------------------------- the paper's S3


Encoding = Literal["sigma-rho", "rho-sigma"]
Sign = Literal["inclusive", "exclusive"]


def s3_generators(G: FiniteGroup) -> tuple[int, int]:
    """(ρ, σ): the 3-cycle (0 1 2) and the transposition (1 2) of S3, as element indices."""
    if G.order != 6 or G.is_abelian:
        raise ValidationError("G", "must be S3", G.name)
    return G.index(Permutation(0, 1, 2)), G.index(Permutation(1, 2))


def s3_coordinates(G: FiniteGroup, encoding: Encoding) -> dict[int, tuple[int, int]]:
    """element index -> (α, β) with x = σ^α ρ^β ("sigma-rho") or x = ρ^β σ^α ("rho-sigma")."""
    rho, sigma = s3_generators(G)
    out = {}
    for al in range(2):
        for be in range(3):
            s, r = G.power(sigma, al), G.power(rho, be)
            x = int(G.mult[s, r]) if encoding == "sigma-rho" else int(G.mult[r, s])
            out[x] = (al, be)
    if len(out) != 6:
        raise AssertionError("(α, β) must be coordinates on S3")  # pragma: no cover
    return out


def s3_paper_witness(encoding: Encoding = "sigma-rho", sign: Sign = "inclusive") -> Cascade:
    """The paper's two-layer S3 construction, reading x = (α, β) as in ``encoding``.

    Layer 1 (d = 1, order 2): angle 0 if α = 0, π if α = 1 — tracks the parity S_t.
    Layer 2 (d = 1, order 3) reads (ε, α, β) with ε = (−1)^{S_t} (``inclusive``: layer 1's
    output at time t) or ε = (−1)^{S_{t-1}} (``exclusive``), and rotates by ε·(2π/3)β.
    The decoder outputs ρ^R σ^S, R = layer 2's phase code, S = layer 1's."""
    from chasm_theory.oracles.groups import get_group

    G = get_group("S3")
    rho, sigma = s3_generators(G)
    coords = s3_coordinates(G, encoding)
    a1 = np.ones((6, 1), dtype=np.complex128)
    for x, (al, _) in coords.items():
        a1[x, 0] = -1.0 if al else 1.0
    l1 = DiagonalLayer(
        a=a1,
        b=np.zeros_like(a1),
        h0=np.ones(1, np.complex128),
        orders=np.array([2]),
        table=np.array([[0, 1]]),
    )
    a2 = np.ones((12, 1), dtype=np.complex128)
    for x, (al, be) in coords.items():
        for S in range(2):
            par = S if sign == "inclusive" else (S + al) % 2
            eps = 1 if par == 0 else -1
            a2[x * 2 + S, 0] = root_of_unity(eps * be, 3)
    table2 = np.array(
        [[int(G.mult[G.power(rho, R), G.power(sigma, S)]) for R in range(3)] for S in range(2)]
    )
    l2 = DiagonalLayer(
        a=a2, b=np.zeros_like(a2), h0=np.ones(1, np.complex128), orders=np.array([3]), table=table2
    )
    return Cascade((l1, l2), 6)
