"""001 Thm 2 / App A.3: the exact pieces behind bayes.thm2.separation and bayes.a3.fisher."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chasm_theory.claims.bayes.thm2 import bayes_excess, ewma_excess
from chasm_theory.claims.chasm.thm2 import exact_risks, fisher_exact
from chasm_theory.oracles.risks import best_linear_risk, ewma_risk, process_covariance_colored


@given(rho=st.sampled_from([0.3, 0.7, 0.95]), k=st.integers(2, 40))
def test_ewma_excess_matches_the_dense_covariance_formula(rho, k):
    ex, gam = ewma_excess(rho, k)
    Sigma = process_covariance_colored(0.9, rho, k)
    direct = ewma_risk(Sigma, gam) - best_linear_risk(Sigma)
    assert ex == pytest.approx(direct, rel=1e-9, abs=1e-12)
    assert ex >= -1e-12  # no linear predictor beats the best linear one


def test_ewma_optimum_is_a_minimum():
    k, rho = 32, 0.9
    ex, gam = ewma_excess(rho, k)
    Sigma = process_covariance_colored(0.9, rho, k)
    best = best_linear_risk(Sigma)
    for g in (gam * 0.8, min(gam * 1.2, 0.999)):
        assert ewma_risk(Sigma, g) - best >= ex - 1e-10


def test_pooled_erm_excess_tends_to_a_constant_not_zero():
    r = exact_risks(0.9, kmax=4096)
    assert r["pi_excess"][4095] > 0.5 * r["pi_excess"][1023] > 1.0  # no 1/k decay


def test_bayes_excess_vanishes_with_k():
    d2 = bayes_excess(0.9, np.random.default_rng(0), B=200, T=512)
    early, late = d2[:, 15].mean(), d2[:, 511].mean()
    assert late < early / 4


@pytest.mark.parametrize("rho", ["9/10", "99/100"])
def test_fisher_readings_are_not_one_over_one_minus_rho_squared(rho):
    al = Fraction(rho)
    f = fisher_exact(al, 512)
    target = 1 / (1 - al ** 2)
    assert abs(f["I_true"] / f["I_mis"] - 1) < abs(target - 1)
    assert f["I_true"] < f["I_naive"]  # correlated noise carries less information, not more
