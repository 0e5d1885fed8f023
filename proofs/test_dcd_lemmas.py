"""002 Lemmas 2 and 3: symbolic identities, exact fuzz, and the S3 exhaustive collision check."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
from hypothesis import example, given

from chasm_theory import run_claim
from chasm_theory.claims.dcd.lemmas import (
    _map_pairs,
    affine_commutator,
    commute_iff_common_centre,
    rotation_composition,
    s3_shared_centre_collisions,
)


def test_rotation_composition_is_the_stated_translation():
    r = rotation_composition()
    assert r["residual"] == 0 and r["slope"] == 1 and r["modulus_sq_residual"] == 0


def test_rotation_composition_numerically_diverges():
    lam, c1, c2, h = np.exp(0.7j), 0.3 + 0.1j, -0.2 + 0.5j, 0.4 - 0.3j
    for _ in range(1, 50):
        h = np.conj(lam) * ((lam * (h - c1) + c1) - c2) + c2
    np.testing.assert_allclose(h, 0.4 - 0.3j + 49 * (1 - np.conj(lam)) * (c2 - c1))


def test_commutator_solution_is_the_common_centre():
    r = affine_commutator()
    assert r["centre_gap_when_commuting"] == 0


ONE, Z = (F(1), F(0)), (F(0), F(0))


@given(_map_pairs())
@example((ONE, (F(1), F(0)), ONE, (F(0), F(2))))  # two translations commute, no centre
@example(((F(1, 2), F(0)), (F(1), F(0)), (F(-1), F(0)), (F(4), F(0))))  # same centre 2
@example(((F(1, 2), F(0)), (F(1), F(0)), (F(-1), F(0)), (F(3), F(0))))  # centres 2 vs 3/2
def test_commute_iff_common_centre(maps):
    assert commute_iff_common_centre(maps)


def test_predicate_can_fail():
    # a wrong prediction is detected: pretend distinct centres commute
    lam, b, mu, c = (F(1, 2), F(0)), (F(1), F(0)), (F(-1), F(0)), (F(3), F(0))
    comm = b[0] * (1 - mu[0]) - c[0] * (1 - lam[0])
    assert comm != 0


def test_s3_every_noncommuting_pair_collides_with_shared_centres():
    ex = s3_shared_centre_collisions("S3")
    assert ex["noncommuting_ordered_pairs"] == 18
    assert ex["same_state_with_shared_centre"] == 18
    assert ex["different_state_with_distinct_centres"] == 18


def test_records():
    assert run_claim("dcd.lemma2.rotation-centers").verdict == "holds"
    assert run_claim("dcd.lemma3.common-center").verdict == "holds"
