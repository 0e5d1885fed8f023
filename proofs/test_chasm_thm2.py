"""000 Theorem 2: exact risks on the colored-noise task, Fisher ratio, Bayes-grid excess."""
from fractions import Fraction

import numpy as np
import pytest

from chasm_theory import run_claim
from chasm_theory.claims.chasm.thm2 import (bayes_excess_samples, exact_risks, fisher_exact,
                                            fisher_true_by_inverse)
from chasm_theory.oracles.risks import best_pi_linear_risk, process_covariance_colored, sample_mean_risk


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
        assert float(f["I_true"]) == pytest.approx(fisher_true_by_inverse(float(alpha), k), rel=1e-9)
        assert f["I_mis"] <= f["I_true"]            # GLS is best: always true
    f2 = fisher_exact(alpha, 2)
    assert f2["I_mis"] == f2["I_true"] > (1 - alpha ** 2) * f2["I_true"]   # the bound fails


def test_bayes_excess_positive_and_shrinking():
    res = bayes_excess_samples(np.random.default_rng(0), 120, 256, G=50)
    m = res["d2"].mean(0)
    assert m[255] < m[15]


def test_records():
    assert run_claim("chasm.thm2.are-values").verdict == "holds"
    assert run_claim("chasm.thm2.fisher-ratio").verdict == "fails"
