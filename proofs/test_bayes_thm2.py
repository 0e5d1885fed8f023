"""001 Thm 2 / App A.3: the exact pieces behind bayes.thm2.separation and bayes.a3.fisher."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chasm_theory.claims.bayes.thm2 import bayes_excess, ewma_excess, one_pole_floor
from chasm_theory.claims.chasm.fisher import fisher_exact
from chasm_theory.claims.chasm.thm2 import exact_risks
from chasm_theory.oracles.dare import solve_filter_dare
from chasm_theory.oracles.one_pole import stationary_best
from chasm_theory.oracles.risks import best_linear_risk, ewma_risk, process_covariance_colored
from chasm_theory.oracles.tasks import colored_noise_lgssm


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
    target = 1 / (1 - al**2)
    assert abs(f["I_true"] / f["I_mis"] - 1) < abs(target - 1)
    assert f["I_true"] < f["I_naive"]  # correlated noise carries less information, not more


# --- the scaled one-pole ERM class (bayes.thm2.separation, .erm-rate)


@given(p=st.floats(0.0, 0.99), r=st.floats(-0.99, 0.99))
def test_stationary_sums_of_the_closed_form(p, r):
    """Cov(x_(t+1), S) and Var(S) of S = sum_i p^i x_(t-i) for gamma(h) = r^|h|, against
    truncated direct sums."""
    n = 6000
    i = np.arange(n)
    cov_direct = float(np.sum(p**i * r ** (i + 1)))
    w = p ** i[:400]
    G = r ** np.abs(i[:400, None] - i[None, :400])
    var_direct = float(w @ G @ w) if p < 0.9 else None
    assert cov_direct == pytest.approx(r / (1 - p * r), abs=1e-9)
    if var_direct is not None:
        assert var_direct == pytest.approx((1 + p * r) / ((1 - p * p) * (1 - p * r)), rel=1e-9)


def test_class_floor_is_zero_at_rho_equal_a():
    """At rho = a, x is AR(1) with pole a: the member c = a, p = 0 is the optimal predictor."""
    fl = one_pole_floor(0.9)
    assert abs(fl["floor_k_inf"]) < 1e-12 and abs(fl["floor_k_1024"]) < 1e-12
    assert fl["pole_k_inf"] == 0.0 and fl["scale_k_inf"] == pytest.approx(0.9, abs=1e-9)


@given(rho=st.floats(0.5, 0.99).filter(lambda r: abs(r - 0.9) > 0.01))
def test_class_floor_is_positive_away_from_rho_equal_a(rho):
    """For rho != a the process is ARMA(2, 1): no one-pole member is optimal."""
    best = stationary_best(((1 / (1 - 0.81), 0.9), (1.0, rho)))
    kal = float(solve_filter_dare(*colored_noise_lgssm(0.9, rho)[:4]).S[0, 0])
    assert best.risk - kal > 1e-9


@pytest.mark.parametrize("rho,expected", [(0.7, 9.195e-4), (0.95, 3.269e-5), (0.98, 4.761e-4)])
def test_class_floor_values(rho, expected):
    """The floors agree with the independent review's recomputation (issue 12: about 9e-4 / 0 /
    3e-5 / 5e-4 at rho = 0.7 / 0.9 / 0.95 / 0.98)."""
    assert one_pole_floor(rho)["floor_k_inf"] == pytest.approx(expected, rel=1e-3)
