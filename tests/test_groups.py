"""Groups: Cayley tables against sympy's own products, derived lengths, series search,
abelian-quotient decompositions."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sympy.combinatorics import Permutation

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.groups import (
    GROUP_NAMES,
    abelian_quotient_decomposition,
    get_group,
    min_abelian_series_length,
)


@given(st.sampled_from(GROUP_NAMES), st.data())
def test_cayley_table_matches_sympy_products(name, data):
    G = get_group(name)
    i = data.draw(st.integers(0, G.order - 1))
    j = data.draw(st.integers(0, G.order - 1))
    assert G.elements[G.mult[i, j]] == G.elements[i] * G.elements[j]
    assert (G.elements[G.inv[i]] * G.elements[i]).is_Identity


@given(
    st.sampled_from(["S3", "A4", "C2xC4", "S4"]),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=30),
)
def test_prefix_products_match_direct_sympy_multiplication(name, raw):
    G = get_group(name)
    word = np.array([r % G.order for r in raw])
    acc = Permutation(list(range(G.perm_group.degree)))
    for t, x in enumerate(word):
        acc = acc * G.elements[x]
        assert G.prefix_products(word[None, :])[0, t] == G.index(acc)


def test_identity_is_index_zero_and_orders():
    expected = {"C2": 2, "C6": 6, "C24": 24, "C60": 60, "C2xC4": 8, "S3": 6, "A4": 12, "A5": 60,
                "S4": 24, "S5": 120}
    for n, o in expected.items():
        G = get_group(n)
        assert G.order == o and G.elements[0].is_Identity


def test_derived_lengths_and_perfect_stops():
    want = {"C6": 1, "S3": 2, "A4": 2, "S4": 3, "A5": None, "S5": None}
    for n, k in want.items():
        info = get_group(n).derived
        assert info.length == k
        assert (info.stops_at_order == 60) == (k is None)


def test_series_search_agrees_with_derived_length():
    for n in GROUP_NAMES:
        G = get_group(n)
        assert min_abelian_series_length(G) == G.derived.length


def test_v4_quotient_needs_rank_two():
    G = get_group("A4")
    V4 = G.derived_series_indices[1]
    dec = abelian_quotient_decomposition(G, V4, frozenset({0}))
    assert dec.orders == (2, 2)
    dec1 = abelian_quotient_decomposition(G, frozenset(range(12)), V4)
    assert dec1.orders == (3,)


def test_non_abelian_quotient_is_rejected():
    G = get_group("S3")
    with pytest.raises(ValidationError):
        abelian_quotient_decomposition(G, frozenset(range(6)), frozenset({0}))


def test_unknown_group_name():
    with pytest.raises(ValidationError):
        get_group("Q8")
