"""000 Theorem 2: exact risks on the colored-noise task, Fisher ratio, Bayes-grid excess."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chasm_theory import run_claim
from chasm_theory.claims.chasm.fisher import fisher_exact, fisher_true_by_inverse
from chasm_theory.claims.chasm.thm2 import bayes_excess_samples, exact_risks
from chasm_theory.oracles.risks import (
    best_pi_linear_risk,
    process_covariance_colored,
    sample_mean_risk,
)


def test_vectorised_pi_and_mean_risks_match_quadratic_forms():
    r = exact_risks(0.95, 64)
    for k in (1, 2, 7, 64):
        S = process_covariance_colored(0.9, 0.95, k)
        assert r["pi"][k - 1] == pytest.approx(best_pi_linear_risk(S), rel=1e-10)
        assert r["mean"][k - 1] == pytest.approx(sample_mean_risk(S), rel=1e-10)


def test_pi_excess_does_not_vanish():
    r = exact_risks(0.95, 1024)
    assert r["pi_excess"][-1] > 5.0 and r["pi_excess"][-1] > 0.99 * r["pi_excess"][511]


@pytest.mark.parametrize("alpha", [Fraction(9, 10), Fraction(1, 2)])
def test_fisher_closed_form_and_counterexample(alpha):
    for k in (2, 5, 30):
        f = fisher_exact(alpha, k)
        assert float(f["I_true"]) == pytest.approx(
            fisher_true_by_inverse(float(alpha), k), rel=1e-9
        )
        assert f["I_mis"] <= f["I_true"]  # GLS is best: always true
    f2 = fisher_exact(alpha, 2)
    assert f2["I_mis"] == f2["I_true"] > (1 - alpha**2) * f2["I_true"]  # the bound fails


def test_bayes_excess_positive_and_shrinking():
    res = bayes_excess_samples(np.random.default_rng(0), 120, 256, G=50)
    m = res["d2"].mean(0)
    assert m[255] < m[15]


def test_records():
    assert run_claim("chasm.thm2.are-values").verdict == "holds"
    assert run_claim("chasm.thm2.fisher-ratio").verdict == "fails"
    assert run_claim("chasm.thm2.fisher-ratio.innovation").verdict == "fails"
    assert run_claim("chasm.thm2.fisher-ratio.static-level").verdict == "fails"


# --- innovation reading of App B.2.2: I_mis/I_true = S/V


def test_innovation_ratio_equals_one_minus_a2_at_alpha_equal_a():
    """At α = a, x is AR(1) with pole a: its innovation variance is V(1 − a²)."""
    from chasm_theory.claims.chasm.fisher import innovation_information

    v = innovation_information(0.9)
    assert v["I_mis/I_true"] == pytest.approx(1 - 0.81, abs=1e-12)
    assert v["S"] == pytest.approx(v["S_cholesky_k4096"], abs=1e-10)


@given(alpha=st.floats(0.05, 0.999))
def test_innovation_variance_is_at_least_q(alpha):
    """x_(k+1) = a z_k + w_(k+1) + v_(k+1), w_(k+1) independent of the past and of v: S ≥ q = 1.
    Hence S/V ≥ 1/V, and the bound S/V ≤ 1 − α² must fail once 1 − α² < 1/V (α > 0.9165...)."""
    from chasm_theory.claims.chasm.fisher import innovation_information

    v = innovation_information(alpha, cross_check=False)
    assert v["S"] >= 1.0 - 1e-12
    if 1 - alpha**2 < 1.0 / v["V"]:
        assert v["I_mis/I_true"] > v["1-alpha^2"]
