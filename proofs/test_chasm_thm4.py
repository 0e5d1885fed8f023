"""000 Theorem 4: the discrepancy identity (symbolic) and its "nonzero whenever" premise."""

import numpy as np
import sympy as sp
from hypothesis import given

from chasm_theory import run_claim
from chasm_theory.claims.chasm.thm4 import (
    _a1_systems,
    _systems,
    a1_kalman_implies_nonzero,
    a1_kalman_parts,
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


def test_pinned_literal_counterexample_violates_a1():
    # the minimal literal counterexample has the eigenvalue 1, which Assumption A1 excludes
    A = np.diag([0.0, 1.0])
    K = np.array([[0.0], [1.0]])
    C = np.array([[0.0, 1.0]])
    assert not nonzero_premise_implies_nonzero((A, K, C))
    assert np.max(np.abs(np.linalg.eigvals(A))) == 1.0


def test_free_gain_can_annihilate_c_but_a_kalman_gain_cannot():
    # m = 2: K = [1, 1], C = [1; -1] gives KC = 0 with K, C nonzero (A = 0 satisfies A1) ...
    K, C = np.array([[1.0, 1.0]]), np.array([[1.0], [-1.0]])
    assert not (K @ C).any()
    # ... but a Kalman gain P Cᵀ S⁻¹ with the same C and any P, R > 0 has tr(KC) > 0
    for P, R in [(np.eye(1), np.eye(2)), (np.array([[3.0]]), np.array([[2.0, 1.0], [1.0, 2.0]]))]:
        Kk = P @ C.T @ np.linalg.inv(C @ P @ C.T + R)
        assert np.trace(Kk @ C) > 0


@given(_a1_systems())
def test_a1_kalman_discrepancy_is_never_zero(sys):
    """Under A1 with a Kalman gain, C ≠ 0 ⇒ KC(I − A) ≠ 0 (exact integer arithmetic)."""
    assert a1_kalman_implies_nonzero(sys)


@given(_a1_systems())
def test_a1_facts_behind_the_proof(sys):
    """|det(I − A)| ≥ (1 − ρ(A))^d > 0 (so I − A is invertible) and tr(KC) = tr(P Cᵀ S⁻¹ C) ≥ 0,
    with equality iff C = 0."""
    p = a1_kalman_parts(sys)
    A = p["N"] / p["s"]
    d = A.shape[0]
    rho = np.max(np.abs(np.linalg.eigvals(A)))
    assert abs(np.linalg.det(np.eye(d) - A)) >= (1 - rho) ** d * (1 - 1e-9)
    K = p["P"] @ p["C"].T @ np.linalg.inv(p["S"])
    tr = float(np.trace(K @ p["C"]))
    assert tr >= -1e-12
    assert (tr > 1e-12) == bool(p["C"].any())


def test_records_are_computed():
    assert run_claim("chasm.thm4.discrepancy-identity").verdict == "holds"
    assert run_claim("chasm.thm4.discrepancy-nonzero").verdict == "holds"
    assert run_claim("chasm.thm4.discrepancy-nonzero.a1").verdict == "holds"
    rec = run_claim("chasm.thm4.discrepancy-nonzero.literal")
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
    assert run_claim("chasm.thm4.scalar-degeneracy.orderings").verdict == "holds"
    assert run_claim("chasm.thm4.commutator").verdict == "holds"


def test_scalar_forms_differ_by_kc_one_minus_a_but_orderings_commute():
    a, k, c = sp.symbols("a k c")
    assert sp.expand((1 - k * c) * a - (a - k * c) - k * c * (1 - a)) == 0
    assert sp.expand((1 - k * c) * a - a * (1 - k * c)) == 0
    # a scalar Kalman filter under A1 (|a| < 1, gain k = p c/(c² p + r) > 0): nonzero discrepancy
    p, r = sp.symbols("p r", positive=True)
    aa = sp.Rational(1, 2)
    kk = p * c / (c**2 * p + r)
    disc = sp.simplify(kk * c * (1 - aa))
    assert sp.simplify(disc.subs({c: 1, p: 1, r: 1})) == sp.Rational(1, 4)
    assert sp.ask(sp.Q.positive(disc.subs(c, 1)))
