"""000 Theorem 4: the discrepancy identity (symbolic) and its "nonzero whenever" premise."""
import numpy as np
import sympy as sp
from hypothesis import example, given

from chasm_theory import run_claim
from chasm_theory.claims.chasm.thm4 import (
    _systems,
    discrepancy_symbolic,
    nonzero_premise_implies_nonzero,
)


def test_identity_expands_to_zero():
    assert discrepancy_symbolic() == 0 or discrepancy_symbolic().is_ZeroMatrix


@given(_systems())
def test_identity_numerically(sys):
    A, K, C = sys
    d = A.shape[0]
    lhs = (np.eye(d) - K @ C) @ A - (A - K @ C)
    np.testing.assert_allclose(lhs, K @ C @ (np.eye(d) - A), atol=1e-12)


def test_nonzero_claim_has_a_pinned_counterexample():
    # A ≠ I, K ≠ 0, C ≠ 0 but K C (I − A) = 0: I − A kills the range of (KC)ᵀ.
    A = np.diag([1.0, 2.0])
    K = np.array([[1.0], [0.0]])
    C = np.array([[1.0, 0.0]])
    assert not nonzero_premise_implies_nonzero((A, K, C))


def test_nonzero_is_true_in_the_scalar_case():
    a, k, c = sp.symbols("a k c", nonzero=True)
    expr = k * c * (1 - a)
    assert sp.solve(sp.Eq(expr, 0), a) == [1]


def test_records_are_computed():
    assert run_claim("chasm.thm4.discrepancy-identity").verdict == "holds"
    rec = run_claim("chasm.thm4.discrepancy-nonzero")
    assert rec.verdict == "fails"
    cx = rec.counterexample
    A, K, C = (np.array(cx[k]) for k in ("A", "K", "C"))
    assert not np.array_equal(A, np.eye(A.shape[0])) and K.any() and C.any()
    assert not (K @ C @ (np.eye(A.shape[0]) - A)).any()


def test_scalar_discrepancy_is_kc_one_minus_a():
    from fractions import Fraction

    from chasm_theory.claims.chasm.thm4 import scalar_discrepancy_symbolic, scalar_forms
    assert scalar_discrepancy_symbolic() == 0
    f = scalar_forms(Fraction(2), Fraction(3), Fraction(5))
    assert (f["(1-kc)a"], f["a-kc"]) == (-28, -13)


def test_commutator_symbolic_and_scalar():
    from chasm_theory.claims.chasm.thm4 import commutator_symbolic
    comm, resid = commutator_symbolic()
    assert resid == 0 or resid.is_ZeroMatrix


def test_scalar_and_commutator_records():
    assert run_claim("chasm.thm4.scalar-degeneracy").verdict == "fails"
    assert run_claim("chasm.thm4.commutator").verdict == "holds"
