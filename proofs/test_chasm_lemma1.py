"""000 Lemma 1: the Kronecker SSM and the vec convention."""

import numpy as np
from hypothesis import given

from chasm_theory.claims.chasm.lemma1 import (
    KRON_FUZZ,
    _int_pair_holds,
    kron_residuals,
    reference_products,
    run_kron_ssm,
    sample_matrices,
)


def test_symbolic_conventions():
    r = kron_residuals()
    assert all(e == 0 for e in r["col: (I⊗M)vec_c(P) - vec_c(MP)"])
    assert all(e == 0 for e in r["row: (M⊗I)vec_r(P) - vec_r(MP)"])
    assert any(e != 0 for e in r["mixed: (I⊗M)vec_r(P) - vec_r(MP)"])


@given(KRON_FUZZ.strategy())
def test_integer_exactness(mp):
    assert _int_pair_holds(mp)


def test_float_error_small_and_float32_worse():
    Ms = sample_matrices(np.random.default_rng(0), 300)
    ref = reference_products(Ms, dps=40)
    e64 = np.max(
        np.linalg.norm(run_kron_ssm(Ms, np.float64) - ref, axis=1) / np.linalg.norm(ref, axis=1)
    )
    e32 = np.max(
        np.linalg.norm(run_kron_ssm(Ms, np.float32) - ref, axis=1) / np.linalg.norm(ref, axis=1)
    )
    assert e64 < 1e-13 and 1e-9 < e32 < 1e-4
