"""002 group table and Theorem 2's depth: computed columns, series lengths, k-layer witnesses."""

from __future__ import annotations

import numpy as np

from chasm_theory import run_claim
from chasm_theory.claims.dcd.groups import PAPER_TABLE, group_table
from chasm_theory.oracles.diagonal_ssm import track
from chasm_theory.oracles.group_witnesses import derived_series_cascade
from chasm_theory.oracles.groups import get_group


def test_table_columns_are_computed_and_match_the_paper():
    rows = {r["group"]: r for r in group_table()}
    for g, (ab, so) in PAPER_TABLE.items():
        assert (rows[g]["abelian"], rows[g]["solvable"]) == (ab, so)
    assert run_claim("dcd.table.groups").verdict == "holds"


def test_a_non_solvable_group_has_no_witness_and_no_series():
    rows = {r["group"]: r for r in group_table()}
    for g in ("A5", "S5"):
        assert rows[g]["derived_length"] is None and rows[g]["min_abelian_series_length"] is None


def test_depth_witnesses_use_exactly_derived_length_layers_and_track():
    rng = np.random.default_rng(0)
    for g, k in {"C6": 1, "S3": 2, "A4": 2, "S4": 3}.items():
        G = get_group(g)
        cas = derived_series_cascade(G)
        assert cas.depth == k
        assert track(cas, G.mult, rng.integers(0, G.order, (20, 2000))).total_errors == 0


def test_a_too_shallow_cascade_fails_on_s3():
    """Dropping S3's second layer (decoding only the parity coset) must make errors: the
    witness test is able to fail."""
    from chasm_theory.oracles.diagonal_ssm import Cascade, DiagonalLayer

    G = get_group("S3")
    l1 = derived_series_cascade(G).layers[0]
    # decode parity class 0 -> identity, 1 -> some transposition
    odd = next(i for i in range(6) if G.elements[i].is_odd)
    shallow = Cascade((DiagonalLayer(l1.a, l1.b, l1.h0, l1.orders, np.array([[0, odd]])),), 6)
    assert track(shallow, G.mult, rng_words(G)).total_errors > 0


def rng_words(G):
    return np.random.default_rng(5).integers(0, G.order, (10, 200))
