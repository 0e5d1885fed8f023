"""DCD cascades: the numba tracker against a plain-numpy reference, and input validation."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.diagonal_ssm import (
    Cascade,
    DiagonalLayer,
    decode_reference,
    run_states,
    track,
)
from chasm_theory.oracles.group_witnesses import abelian_witness, derived_series_cascade
from chasm_theory.oracles.groups import get_group


def _random_layer(rng, n_sym, d, orders, n_prev, n_out):
    a = rng.standard_normal((n_sym, d)) + 1j * rng.standard_normal((n_sym, d))
    a /= np.abs(a) * rng.uniform(0.9, 1.1, a.shape)
    b = 0.1 * (rng.standard_normal((n_sym, d)) + 1j * rng.standard_normal((n_sym, d)))
    table = rng.integers(0, n_out, (n_prev, int(np.prod(orders))))
    table[0, 0] = n_out - 1  # make sure the output alphabet has n_out symbols
    return DiagonalLayer(a, b, np.ones(d, complex), np.array(orders), table)


@settings(max_examples=25)
@given(st.integers(0, 2**31), st.sampled_from(["C6", "S3"]))
def test_kernel_error_count_equals_numpy_reference(seed, name):
    """A random (non-tracking) 2-layer cascade: the kernel's wrong-step count equals the
    reference decoder's count of disagreements with the Cayley-table truth."""
    rng = np.random.default_rng(seed)
    G = get_group(name)
    n = G.order
    l1 = _random_layer(rng, n, 2, [3, 2], 1, 4)
    l2 = _random_layer(rng, n * 4, 1, [n], 4, n)
    cas = Cascade((l1, l2), n)
    words = rng.integers(0, n, (7, 40))
    ref = decode_reference(cas, words)
    truth = G.prefix_products(words)
    res = track(cas, G.mult, words)
    assert res.total_errors == int((ref != truth).sum())
    first = [(np.nonzero(r != t)[0][0] + 1) if (r != t).any() else -1 for r, t in zip(ref, truth)]
    assert res.first_error.tolist() == first


def test_witnesses_agree_with_reference_and_truth():
    rng = np.random.default_rng(1)
    for name in ("C24", "C2xC4", "A4", "S4"):
        G = get_group(name)
        cas = abelian_witness(G) if G.is_abelian else derived_series_cascade(G)
        w = rng.integers(0, G.order, (50, 300))
        assert (decode_reference(cas, w) == G.prefix_products(w)).all()
        assert track(cas, G.mult, w).total_errors == 0


def test_run_states_is_the_recurrence():
    rng = np.random.default_rng(2)
    layer = _random_layer(rng, 3, 2, [2, 2], 1, 4)
    sym = rng.integers(0, 3, (2, 5))
    h = layer.h0.copy()
    for t in range(5):
        h = layer.a[sym[1, t]] * h + layer.b[sym[1, t]]
    np.testing.assert_allclose(run_states(layer, sym)[1, -1], h)


def test_float32_drift_is_larger_than_float64():
    G = get_group("C60")
    w = np.random.default_rng(3).integers(0, 60, (20, 20000))
    cas = abelian_witness(G)
    r64 = track(cas, G.mult, w, dtype=np.complex128)
    r32 = track(cas, G.mult, w, dtype=np.complex64)
    assert r64.total_errors == r32.total_errors == 0
    assert r32.phase[-1] > 100 * r64.phase[-1] and r32.radial[-1] > 100 * r64.radial[-1]
    assert np.all(np.diff(r32.phase) >= 0)  # running maxima


def test_validation():
    G = get_group("C2")
    cas = abelian_witness(G)
    with pytest.raises(ValidationError):
        track(cas, G.mult, np.array([0, 1]))
    with pytest.raises(ValidationError):
        track(cas, G.mult, np.array([[0, 2]]))
    with pytest.raises(ValidationError):
        track(cas, G.mult, np.array([[0, 1]]), dtype=np.float64)
    with pytest.raises(ValidationError):
        DiagonalLayer(
            np.ones((2, 1)), np.ones((2, 2)), np.ones(1), np.array([2]), np.zeros((1, 2), int)
        )
    with pytest.raises(ValidationError):
        Cascade((cas.layers[0],), 3)
