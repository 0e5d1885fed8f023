"""002 constructive witnesses checked against sympy's permutation products; the paper's S3
construction in its four readings; A4; Negative Mamba; one real layer."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from sympy.combinatorics import Permutation

from chasm_theory import run_claim
from chasm_theory.claims.dcd.witnesses import minus_one_threshold
from chasm_theory.oracles.diagonal_ssm import decode_reference, track
from chasm_theory.oracles.group_witnesses import (
    abelian_witness,
    derived_series_cascade,
    is_real_unit,
    one_real_layer_kernel,
    real_series,
    s3_paper_witness,
    series_cascade,
)
from chasm_theory.oracles.groups import get_group


def sympy_prefix(G, word):
    acc = Permutation(list(range(G.perm_group.degree)))
    out = []
    for x in word:
        acc = acc * G.elements[x]
        out.append(acc)
    return out


@given(
    st.sampled_from(["C2", "C6", "C24", "C60", "C2xC4"]),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=40),
)
def test_abelian_witness_decodes_sympy_products(name, raw):
    G = get_group(name)
    word = np.array([r % G.order for r in raw])
    dec = decode_reference(abelian_witness(G), word[None, :])[0]
    assert [G.elements[q] for q in dec] == sympy_prefix(G, word)


@given(st.lists(st.integers(0, 5), min_size=1, max_size=40))
def test_paper_s3_decodes_sympy_products(word):
    G = get_group("S3")
    dec = decode_reference(s3_paper_witness("sigma-rho", "inclusive"), np.array([word]))[0]
    assert [G.elements[q] for q in dec] == sympy_prefix(G, word)


def test_paper_s3_mismatched_readings_fail():
    G = get_group("S3")
    w = np.random.default_rng(0).integers(0, 6, (50, 200))
    assert track(s3_paper_witness("sigma-rho", "exclusive"), G.mult, w).total_errors > 0
    assert track(s3_paper_witness("rho-sigma", "inclusive"), G.mult, w).total_errors > 0
    assert track(s3_paper_witness("rho-sigma", "exclusive"), G.mult, w).total_errors == 0


@given(st.lists(st.integers(0, 11), min_size=1, max_size=40))
def test_a4_two_layer_decodes_sympy_products(word):
    G = get_group("A4")
    cas = derived_series_cascade(G)
    assert cas.depth == 2 and [l.orders.tolist() for l in cas.layers] == [[3], [2, 2]]
    dec = decode_reference(cas, np.array([word]))[0]
    assert [G.elements[q] for q in dec] == sympy_prefix(G, word)


def test_neg_mamba_witnesses_are_real_pm1_and_track():
    rng = np.random.default_rng(1)
    for name, depth in (("C2", 1), ("C2xC4", 2)):
        G = get_group(name)
        cas = series_cascade(G, real_series(G))
        assert cas.depth == depth and is_real_unit(cas)
        w = rng.integers(0, G.order, (20, 5000))
        assert track(cas, G.mult, w, dtype=np.complex64).total_errors == 0
    assert real_series(get_group("C6")) is None  # C3 factor: no ±1 series


def test_one_real_layer_kernels():
    assert len(one_real_layer_kernel(get_group("C2"))) == 1
    K = one_real_layer_kernel(get_group("C4"))
    assert len(K) == 2
    assert one_real_layer_kernel(get_group("C2xC4")) == frozenset(
        {
            0,
            get_group("C2xC4").index(
                next(
                    p
                    for p in get_group("C2xC4").elements
                    if p.order() == 2 and any(q * q == p for q in get_group("C2xC4").elements)
                )
            ),
        }
    )


def test_minus_one_threshold_rounds_to_minus_one():
    u = minus_one_threshold(np.float32)
    assert np.float32(2) * np.exp(np.float32(-u)) - np.float32(1) == np.float32(-1)
    assert np.float32(2) * np.exp(np.float32(-0.99 * u)) - np.float32(1) != np.float32(-1)
    assert 15 < u < 20 and 35 < minus_one_threshold(np.float64) < 40


def test_record_one_real_layer():
    assert run_claim("dcd.models.neg-mamba.one-real-layer").verdict == "holds"
