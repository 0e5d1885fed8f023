"""one_pole.py: the scaled one-pole class against independent computations.

population_best (Toeplitz) vs stationary_best (closed form) vs a 2-D optimiser on the dense
covariance; erm_fit_predict (numba grid + golden section) vs a brute-force numpy fit; the class
contains the steady-state Kalman predictor of an 'AR(1) + i.i.d. noise' model (core filter).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.signal import lfilter

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.dare import solve_filter_dare
from chasm_theory.oracles.kalman import kalman_filter
from chasm_theory.oracles.lgssm import make_lgssm
from chasm_theory.oracles.one_pole import P_MAX, erm_fit_predict, population_best, stationary_best
from chasm_theory.oracles.risks import (
    colored_autocovariance,
    linear_risk,
    process_covariance_colored,
)


@given(rho=st.floats(0.0, 0.98), k=st.integers(2, 60))
@settings(max_examples=25)
def test_population_best_matches_a_2d_optimiser_on_the_dense_covariance(rho, k):
    Sigma = process_covariance_colored(0.9, rho, k)
    best = population_best(colored_autocovariance(0.9, rho, np.arange(k + 1)), k)
    idx = np.arange(k)

    def risk(v):
        c, p = v
        return linear_risk(Sigma, c * np.clip(p, 0.0, P_MAX) ** (k - 1 - idx))

    starts = [(0.9, 0.0), (0.5, 0.5), (0.1, 0.95)]
    ref = min(
        minimize(
            risk, s, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 4000}
        ).fun
        for s in starts
    )
    assert best.risk <= ref + 1e-9  # never worse than the independent optimiser
    assert best.risk == pytest.approx(ref, abs=1e-7)
    w = best.scale * best.pole ** (k - 1 - idx)
    assert linear_risk(Sigma, w) == pytest.approx(best.risk, abs=1e-10)


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9, 0.97])
def test_stationary_closed_form_is_the_limit_of_the_finite_context_risk(rho):
    g = colored_autocovariance(0.9, rho, np.arange(801))
    fin = population_best(g, 800)
    inf = stationary_best(((1.0 / (1 - 0.81), 0.9), (1.0, rho)))
    assert inf.risk == pytest.approx(fin.risk, abs=1e-12)
    assert inf.pole == pytest.approx(fin.pole, abs=1e-5)


def test_class_contains_the_kalman_predictor_of_ar1_plus_iid_noise():
    a, q, r = 0.8, 1.0, 2.0
    # steady-state filtered covariance as the prior so that the gain is constant from t = 1
    Pp = float(
        solve_filter_dare(
            np.array([[a]]), np.array([[1.0]]), np.array([[q]]), np.array([[r]])
        ).P_pred[0, 0]
    )
    K = Pp / (Pp + r)
    params = make_lgssm([[a]], [[1.0]], [[q]], [[r]], [0.0], [[(1 - K) * Pp]])
    x = np.random.default_rng(0).standard_normal((3, 50))
    kf = kalman_filter(params, x).one_step[:, :, 0]
    ours = a * K * lfilter([1.0], [1.0, -a * (1 - K)], x, axis=1)
    np.testing.assert_allclose(kf, ours, rtol=1e-10, atol=1e-12)


def _brute_force_fit(x: np.ndarray, k: int) -> tuple[float, float, float]:
    """Dense pole grid + Brent, each loss from scipy.signal.lfilter (no shared code)."""
    y = x[1:k]

    def prof(p):
        f = lfilter([1.0], [1.0, -p], x[:k])
        c = (f[: k - 1] @ y) / (f[: k - 1] @ f[: k - 1])
        return float(((y - c * f[: k - 1]) ** 2).sum()), c * f[k - 1]

    ps = np.linspace(0.0, P_MAX, 4001)
    losses = np.array([prof(p)[0] for p in ps])
    j = int(np.argmin(losses))
    from scipy.optimize import minimize_scalar

    res = minimize_scalar(
        lambda p: prof(p)[0],
        bounds=(ps[max(j - 1, 0)], ps[min(j + 1, 4000)]),
        method="bounded",
        options={"xatol": 1e-12},
    )
    p = float(res.x) if res.fun < losses[j] else float(ps[j])
    L, pred = prof(p)
    return L, pred, p


@pytest.mark.parametrize("alpha", [0.3, 0.95])
def test_erm_fit_matches_a_brute_force_fit(alpha):
    from chasm_theory.oracles.tasks import sample_colored_noise

    x = sample_colored_noise(0.9, alpha, 6, 300, np.random.default_rng(3)).x
    ks = (5, 40, 300)
    fit = erm_fit_predict(x, ks)
    for b in range(x.shape[0]):
        for j, k in enumerate(ks):
            L, pred, p = _brute_force_fit(x[b], k)
            assert fit.loss[b, j] <= L * (1 + 1e-9) + 1e-12  # at least as good a minimum
            assert fit.loss[b, j] == pytest.approx(L, rel=1e-7)
            assert fit.pred[b, j] == pytest.approx(pred, rel=1e-4, abs=1e-6)


def test_erm_fit_recovers_an_ar1_process():
    # x_t = 0.7 x_(t-1) + e_t: the ERM member -> c = 0.7, p = 0 (the predictor 0.7 x_k)
    rng = np.random.default_rng(5)
    e = rng.standard_normal((4, 20000))
    x = lfilter([1.0], [1.0, -0.7], e, axis=1)
    fit = erm_fit_predict(x, (20000,))
    assert np.all(fit.pole[:, 0] < 0.03)
    np.testing.assert_allclose(fit.scale[:, 0], 0.7, atol=0.02)


def test_validation():
    with pytest.raises(ValidationError, match="'ks'"):
        erm_fit_predict(np.zeros((2, 10)), (1,))
    with pytest.raises(ValidationError, match="'x'"):
        erm_fit_predict(np.full((2, 10), np.nan), (5,))
    with pytest.raises(ValidationError, match="'terms'"):
        stationary_best(((1.0, 1.0),))
    with pytest.raises(ValidationError, match="'gamma'"):
        population_best(np.ones(3), 5)
