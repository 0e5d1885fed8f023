"""The finite groups of paper 002's tables as sympy permutation groups, with the structure
the claims need: abelian / solvable / derived length, Cayley tables, cosets and cyclic
decompositions of abelian quotients.

Conventions. The group product is sympy's ``p * q`` (apply ``p`` first, then ``q``); the
tracking target of a word ``x_1 .. x_t`` is ``x_1 * x_2 * ... * x_t``. Elements are indexed
by the sorted ``array_form`` of their permutations, so indices are stable across runs.

sympy has no ``derived_length``: :func:`derived_info` computes it from ``derived_series()``
and reports ``None`` (with the order of the perfect group the series stops at) when the series
never reaches the trivial group, e.g. for A5 and S5.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from sympy.combinatorics import Permutation, PermutationGroup
from sympy.combinatorics.group_constructs import DirectProduct
from sympy.combinatorics.named_groups import AlternatingGroup, CyclicGroup, SymmetricGroup

from chasm_theory.errors import ValidationError

GROUP_NAMES: tuple[str, ...] = ("C2", "C6", "C24", "C60", "C2xC4", "S3", "A4", "A5", "S4", "S5")


def build_permutation_group(name: str) -> PermutationGroup:
    """The sympy permutation group called ``name`` (one of :data:`GROUP_NAMES`)."""
    if name.startswith("C") and name[1:].isdigit():
        return CyclicGroup(int(name[1:]))
    if name == "C2xC4":
        return DirectProduct(CyclicGroup(2), CyclicGroup(4))
    if name in ("S3", "S4", "S5"):
        return SymmetricGroup(int(name[1]))
    if name in ("A4", "A5"):
        return AlternatingGroup(int(name[1]))
    raise ValidationError("name", f"must be one of {', '.join(GROUP_NAMES)}", repr(name))


@dataclass(frozen=True)
class DerivedInfo:
    """The derived series G = G^(0) ⊵ G^(1) ⊵ ... as orders.

    ``length``: the derived length (first k with G^(k) = 1), or None when the series stops at a
    non-trivial perfect group of order ``stops_at_order`` (G not solvable)."""

    orders: tuple[int, ...]
    length: int | None
    stops_at_order: int | None


def derived_info(G: PermutationGroup) -> DerivedInfo:
    """Derived length from sympy's ``derived_series()`` (which ends at the first repeated term)."""
    orders = tuple(int(H.order()) for H in G.derived_series())
    if orders[-1] == 1:
        return DerivedInfo(orders, len(orders) - 1, None)
    return DerivedInfo(orders, None, orders[-1])


@dataclass
class FiniteGroup:
    """A named finite group with its elements indexed 0..n-1 (index 0 is the identity).

    ``mult[i, j]`` is the index of ``elements[i] * elements[j]`` (sympy product), ``inv[i]`` of
    the inverse. Shapes: mult (n, n) int32, inv (n,) int32.
    """

    name: str
    perm_group: PermutationGroup
    elements: list[Permutation] = field(init=False)
    mult: np.ndarray = field(init=False)
    inv: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        els = sorted(self.perm_group.generate(), key=lambda p: (not p.is_Identity, p.array_form))
        self.elements = els
        self._index = {tuple(p.array_form): i for i, p in enumerate(els)}
        n = len(els)
        self.mult = np.array(
            [[self.index(p * q) for q in els] for p in els], dtype=np.int32
        ).reshape(n, n)
        self.inv = np.array([self.index(p**-1) for p in els], dtype=np.int32)

    # ------------------------------------------------------------------ basics
    @property
    def order(self) -> int:
        return len(self.elements)

    def index(self, p: Permutation) -> int:
        return self._index[tuple(p.array_form)]

    @cached_property
    def is_abelian(self) -> bool:
        return bool(self.perm_group.is_abelian)

    @cached_property
    def is_solvable(self) -> bool:
        return bool(self.perm_group.is_solvable)

    @cached_property
    def derived(self) -> DerivedInfo:
        return derived_info(self.perm_group)

    def subgroup_indices(self, H: PermutationGroup) -> frozenset[int]:
        return frozenset(self.index(p) for p in H.generate())

    @cached_property
    def derived_series_indices(self) -> list[frozenset[int]]:
        """The derived series as sets of element indices (ends at the first repeat)."""
        return [self.subgroup_indices(H) for H in self.perm_group.derived_series()]

    # ------------------------------------------------------------------ products
    def word_product(self, word: np.ndarray) -> int:
        """Index of x_1 * ... * x_T for a word of element indices (shape (T,))."""
        acc = 0
        for x in np.asarray(word):
            acc = int(self.mult[acc, int(x)])
        return acc

    def prefix_products(self, words: np.ndarray) -> np.ndarray:
        """Prefix products of a batch of words via the Cayley table. words (B, T) -> (B, T)."""
        words = np.asarray(words)
        out = np.empty_like(words, dtype=np.int32)
        acc = np.zeros(words.shape[0], dtype=np.int32)
        for t in range(words.shape[1]):
            acc = self.mult[acc, words[:, t]]
            out[:, t] = acc
        return out

    def element_order(self, i: int) -> int:
        k, acc = 1, i
        while acc != 0:
            acc = int(self.mult[acc, i])
            k += 1
        return k

    def power(self, i: int, k: int) -> int:
        acc = 0
        for _ in range(k):
            acc = int(self.mult[acc, i])
        return acc

    # ------------------------------------------------------------------ subgroups and cosets
    def generated(self, gens: list[int]) -> frozenset[int]:
        """Index set of the subgroup generated by ``gens`` (closure under the Cayley table)."""
        sub = {0}
        frontier = [0]
        while frontier:
            new = []
            for a in frontier:
                for g in gens:
                    c = int(self.mult[a, g])
                    if c not in sub:
                        sub.add(c)
                        new.append(c)
            frontier = new
        return frozenset(sub)

    def is_normal(self, N: frozenset[int]) -> bool:
        return all(
            int(self.mult[self.mult[self.inv[g], n], g]) in N for g in range(self.order) for n in N
        )

    def quotient_is_abelian(self, H: frozenset[int], N: frozenset[int]) -> bool:
        """For N ⊴ H: every commutator h1^-1 h2^-1 h1 h2 (h1, h2 in H) lies in N."""
        m, inv = self.mult, self.inv
        return all(int(m[m[inv[a], inv[b]], m[a, b]]) in N for a in H for b in H)

    def coset_labels(self, N: frozenset[int]) -> np.ndarray:
        """Label of the coset gN of each element (label = smallest index in the coset);
        shape (n,)."""
        return np.array(
            [min(int(self.mult[g, n]) for n in N) for g in range(self.order)], dtype=np.int32
        )


_CACHE: dict[str, FiniteGroup] = {}


def get_group(name: str) -> FiniteGroup:
    """The :class:`FiniteGroup` ``name`` (cached)."""
    if name not in _CACHE:
        _CACHE[name] = FiniteGroup(name, build_permutation_group(name))
    return _CACHE[name]


# --------------------------------------------------------------------------- series search


def min_abelian_series_length(
    G: FiniteGroup, H: frozenset[int] | None = None, _memo: dict | None = None, max_depth: int = 6
) -> int | None:
    """Minimal k such that H = H_0 ⊳ H_1 ⊳ ... ⊳ H_k = 1 with each H_i ⊴ H_{i-1} and
    H_{i-1}/H_i abelian, found by search (not from the derived series): the candidates for
    H_1 are the normal subgroups N ⊲ H, N ≠ H, generated by the commutators of H and at most
    two further elements of H, with H/N abelian checked from commutators. (Every subgroup of an
    abelian group of rank ≤ 2 is 2-generated, which covers every quotient met here.)
    Returns None when no such series of length ≤ ``max_depth`` exists.
    """
    if H is None:
        H = frozenset(range(G.order))
    memo = {} if _memo is None else _memo
    if H in memo:
        return memo[H]
    if len(H) == 1:
        return 0
    if max_depth == 0:
        return None
    m, inv = G.mult, G.inv
    comm = sorted({int(m[m[inv[a], inv[b]], m[a, b]]) for a in H for b in H})
    base = G.generated(comm)
    if base == H:  # perfect: no proper normal subgroup with abelian quotient
        memo[H] = None
        return None
    # <H', a> depends on a only through its coset aH', so coset representatives suffice
    lab = G.coset_labels(base)
    hs = sorted({int(lab[h]) for h in H})
    cands: set[frozenset[int]] = {base}
    for a in hs:
        cands.add(G.generated(comm + [a]))
    for a, b in itertools.combinations(hs, 2):
        cands.add(G.generated(comm + [a, b]))
    best: int | None = None
    for N in cands:
        if N == H or not N <= H:
            continue
        normal_in_H = all(int(m[m[inv[h], n], h]) in N for h in H for n in N)
        if not normal_in_H or not G.quotient_is_abelian(H, N):
            continue
        sub = min_abelian_series_length(G, N, memo, max_depth - 1)
        if sub is not None and (best is None or sub + 1 < best):
            best = sub + 1
    memo[H] = best
    return best


# --------------------------------------------------------------------------- abelian quotients


@dataclass(frozen=True)
class CyclicDecomposition:
    """H/N ≅ Z_{o_1} × ... × Z_{o_r} with basis cosets b_1..b_r (element indices of H).

    ``coords[g]`` (shape (n, r)) is the exponent vector of gN for g in H (-1 outside H)."""

    basis: tuple[int, ...]
    orders: tuple[int, ...]
    coords: np.ndarray


def abelian_quotient_decomposition(
    G: FiniteGroup, H: frozenset[int], N: frozenset[int], max_rank: int = 3
) -> CyclicDecomposition:
    """A cyclic decomposition of the abelian quotient H/N (N ⊴ H), by search over bases of
    rank 1, 2, ... (smallest rank first): the map (k_1..k_r) -> b_1^k_1 ... b_r^k_r N must hit
    every coset of N in H exactly once."""
    if not G.quotient_is_abelian(H, N):
        raise ValidationError("H/N", "must be abelian", f"{G.name}: |H|={len(H)}, |N|={len(N)}")
    labels = G.coset_labels(N)
    reps = sorted({int(labels[h]) for h in H})
    n_cos = len(reps)
    if n_cos == 1:
        coords = np.full((G.order, 0), 0, dtype=np.int64)
        return CyclicDecomposition((), (), coords)

    def qorder(g: int) -> int:
        k, acc = 1, g
        while int(labels[acc]) != int(labels[0]):
            acc = int(G.mult[acc, g])
            k += 1
        return k

    qord = {r: qorder(r) for r in reps}
    for rank in range(1, max_rank + 1):
        for basis in itertools.combinations(sorted(reps, key=lambda r: -qord[r]), rank):
            orders = tuple(qord[b] for b in basis)
            if int(np.prod(orders)) != n_cos:
                continue
            hit: dict[int, tuple[int, ...]] = {}
            ok = True
            for ks in itertools.product(*(range(o) for o in orders)):
                acc = 0
                for b, k in zip(basis, ks):
                    acc = int(G.mult[acc, G.power(b, k)])
                lab = int(labels[acc])
                if lab in hit:
                    ok = False
                    break
                hit[lab] = ks
            if ok and len(hit) == n_cos:
                coords = np.full((G.order, rank), -1, dtype=np.int64)
                for h in H:
                    coords[h] = hit[int(labels[h])]
                return CyclicDecomposition(tuple(basis), orders, coords)
    raise ValidationError("H/N", f"has no cyclic decomposition of rank ≤ {max_rank}", G.name)
