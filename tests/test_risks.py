"""risks.py: exact risks against Monte Carlo and against the Kalman filter's innovation variance."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chasm_theory.claims.chasm.colored_risks import exact_risks, prefix_class_note
from chasm_theory.errors import ValidationError
from chasm_theory.oracles.kalman import riccati_gains
from chasm_theory.oracles.risks import (
    best_linear_risk,
    best_linear_risks_all,
    best_pi_coefficient,
    best_pi_linear_risk,
    best_prefix_invariant_risk,
    ewma_risk,
    ewma_weights,
    linear_risk,
    process_covariance_colored,
    process_covariance_static,
    sample_mean_risk,
)
from chasm_theory.oracles.tasks import colored_noise_lgssm, sample_colored_noise


@given(st.floats(-0.95, 0.95), st.floats(0.0, 0.98), st.integers(1, 40))
def test_best_linear_equals_kalman_innovation_variance(a, alpha, k):
    Sigma = process_covariance_colored(a, alpha, k)
    S = riccati_gains(colored_noise_lgssm(a, alpha), k + 1).S[k, 0, 0]
    assert best_linear_risk(Sigma) == pytest.approx(S, rel=1e-8, abs=1e-10)
    assert best_linear_risks_all(Sigma)[-1] == pytest.approx(S, rel=1e-8, abs=1e-10)


@given(st.floats(-0.9, 0.9), st.floats(0.0, 0.95), st.integers(1, 30), st.floats(0.05, 1.0))
def test_ordering_of_risks(a, alpha, k, gamma):
    Sigma = process_covariance_colored(a, alpha, k)
    best = best_linear_risk(Sigma)
    pi = best_pi_linear_risk(Sigma)
    assert best <= pi + 1e-9
    assert pi <= sample_mean_risk(Sigma) + 1e-9
    assert best <= ewma_risk(Sigma, gamma) + 1e-9
    c = best_pi_coefficient(Sigma)
    assert linear_risk(Sigma, np.full(k, c)) == pytest.approx(pi, rel=1e-9, abs=1e-12)


def test_risks_against_monte_carlo():
    rng = np.random.default_rng(1)
    a, alpha, k = 0.9, 0.95, 12
    x = sample_colored_noise(a, alpha, 60000, k + 1, rng).x
    Sigma = process_covariance_colored(a, alpha, k)
    Sxx, sxy = Sigma[:k, :k], Sigma[:k, k]
    w = np.linalg.solve(Sxx, sxy)
    for pred, exact in [(x[:, :k] @ w, best_linear_risk(Sigma)),
                        (x[:, :k].mean(1), sample_mean_risk(Sigma)),
                        (x[:, :k] @ ewma_weights(k, 0.3), ewma_risk(Sigma, 0.3))]:
        e = (x[:, k] - pred) ** 2
        assert abs(e.mean() - exact) < 4.5 * e.std() / np.sqrt(e.size)


@given(st.floats(-0.9, 0.9), st.floats(0.0, 0.95), st.integers(1, 30))
def test_prefix_class_sits_between_kalman_and_both_restricted_classes(a, alpha, k):
    """w·x_k + c·Σ_{i<k} x_i contains c·Σ x_i (w = c) and w·x_k (c = 0) and is linear."""
    Sigma = process_covariance_colored(a, alpha, k)
    pre = best_prefix_invariant_risk(Sigma)
    last_only = Sigma[k, k] - Sigma[k - 1, k] ** 2 / Sigma[k - 1, k - 1]
    assert best_linear_risk(Sigma) <= pre + 1e-9
    assert pre <= best_pi_linear_risk(Sigma) + 1e-9
    assert pre <= last_only + 1e-9


@pytest.mark.parametrize("alpha", [0.3, 0.9, 0.97])
def test_prefix_class_is_exact_when_the_process_is_ar1(alpha):
    """a = α makes x_t = a x_{t−1} + (w_t + √(1−α²) ε_t) an AR(1): the one-step predictor
    a·x_k is prefix-invariant, so the class attains the innovation variance q + 1 − α²."""
    Sigma = process_covariance_colored(alpha, alpha, 40)
    assert best_prefix_invariant_risk(Sigma) == pytest.approx(1.0 + 1.0 - alpha**2, rel=1e-10)


@pytest.mark.parametrize("alpha", [0.5, 0.95, 0.99])
def test_vectorised_prefix_risks_match_the_covariance_solve(alpha):
    r = exact_risks(alpha, 600)
    for k in (1, 2, 3, 17, 256, 600):
        exact = best_prefix_invariant_risk(process_covariance_colored(0.9, alpha, k))
        assert r["prefix"][k - 1] == pytest.approx(exact, rel=1e-10)
    assert np.all(r["prefix_excess"] >= -1e-9) and np.all(r["prefix"] <= r["pi"] + 1e-9)


def test_prefix_class_note_reports_both_excesses_and_rejects_a_bad_k():
    text, vals = prefix_class_note((0.5, 0.9), 512)
    assert vals["0.9"]["prefix"] == pytest.approx(0.0, abs=1e-9)  # a = α: AR(1)
    assert 0 < vals["0.5"]["prefix"] < 0.1 * vals["0.5"]["pi"]
    assert "α = 0.9: 0 vs" in text
    with pytest.raises(ValidationError, match="'k'"):
        prefix_class_note((0.5,), 0)


def test_prefix_risk_against_monte_carlo_least_squares():
    """Independent oracle: ordinary least squares on sampled sequences, features (x_k, Σ_{i<k})."""
    rng = np.random.default_rng(2)
    a, alpha, k = 0.9, 0.5, 12
    x = sample_colored_noise(a, alpha, 80000, k + 1, rng).x
    F = np.stack([x[:, k - 1], x[:, : k - 1].sum(1)], axis=1)
    coef, *_ = np.linalg.lstsq(F, x[:, k], rcond=None)
    e = (x[:, k] - F @ coef) ** 2
    exact = best_prefix_invariant_risk(process_covariance_colored(a, alpha, k))
    assert abs(e.mean() - exact) < 4.5 * e.std() / np.sqrt(e.size)


def test_static_task_closed_forms():
    S = process_covariance_static(10, 2.0, 1.0)
    assert sample_mean_risk(S) == pytest.approx(0.2)
    Sn = process_covariance_static(10, 2.0, 1.0, target="next")
    assert sample_mean_risk(Sn) == pytest.approx(2.2)


def test_validation_errors_name_the_parameter():
    with pytest.raises(ValidationError, match="'alpha'"):
        process_covariance_colored(0.9, 1.0, 4)
    with pytest.raises(ValidationError, match="'k'"):
        process_covariance_colored(0.9, 0.5, 0)
    with pytest.raises(ValidationError, match="'Sigma'"):
        best_linear_risk(np.ones((3, 2)))
    with pytest.raises(ValidationError, match="'gamma'"):
        ewma_weights(4, 0.0)
