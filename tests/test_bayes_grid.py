"""Bayes grid oracle vs. an independent brute-force posterior (joint Gaussian likelihoods)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chasm_theory.errors import ValidationError
from chasm_theory.oracles import conditioning as cd
from chasm_theory.oracles.bayes_grid import bayes_grid_predict, uniform_grid
from chasm_theory.oracles.kalman import kalman_filter
from chasm_theory.oracles.tasks import colored_noise_lgssm, sample_colored_noise


def _brute(x, a, alphas, log_prior, q=1.0):
    """pred (T,) and final log posterior (G,) for one sequence, from the joint Gaussian law."""
    T = x.size
    models = [colored_noise_lgssm(a, g, q) for g in alphas]
    pred = np.empty(T)
    for t in range(1, T + 1):
        ll = np.array([cd.log_marginal_likelihood(p, x[:t]) for p in models]) + log_prior
        w = np.exp(ll - ll.max())
        w /= w.sum()
        nxt = np.array([cd.conditional_next_obs(p, x, t).mean[0] for p in models])
        pred[t - 1] = w @ nxt
    ll = np.array([cd.log_marginal_likelihood(p, x) for p in models]) + log_prior
    return pred, ll - np.logaddexp.reduce(ll)


@settings(max_examples=12)
@given(a=st.floats(0.0, 0.95), alpha=st.floats(0.3, 0.98), G=st.integers(1, 6),
       q=st.floats(0.2, 2.0), seed=st.integers(0, 2**31))
def test_matches_brute_force_posterior(a, alpha, G, q, seed):
    rng = np.random.default_rng(seed)
    x = sample_colored_noise(a, alpha, 2, 7, rng, q=q).x
    alphas, _ = uniform_grid(0.25, 0.99, G)
    log_prior = rng.normal(size=G)  # non-uniform, unnormalised prior
    res = bayes_grid_predict(x, a, alphas, log_prior, q=q)
    assert res.pred.shape == (2, 7) and res.log_post_final.shape == (2, G)
    lp = log_prior - np.logaddexp.reduce(log_prior)
    for b in range(2):
        pred, lpost = _brute(x[b], a, alphas, lp, q)
        np.testing.assert_allclose(res.pred[b], pred, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(res.log_post_final[b], lpost, rtol=1e-9, atol=1e-9)


def test_single_grid_point_is_the_kalman_filter():
    x = sample_colored_noise(0.9, 0.8, 20, 300, np.random.default_rng(0)).x
    res = bayes_grid_predict(x, 0.9, [0.8], [0.0])
    ref = kalman_filter(colored_noise_lgssm(0.9, 0.8), x).one_step[..., 0]
    np.testing.assert_allclose(res.pred, ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(res.log_post_final, 0.0, atol=1e-12)


def test_posterior_concentrates_and_survives_outliers():
    rng = np.random.default_rng(1)
    x = sample_colored_noise(0.9, 0.7, 40, 512, rng).x
    alphas, lp = uniform_grid(0.5, 0.99, 200)
    res = bayes_grid_predict(x, 0.9, alphas, lp)
    post_mean = np.exp(res.log_post_final) @ alphas
    assert abs(np.median(post_mean) - 0.7) < 0.1
    np.testing.assert_allclose(np.exp(res.log_post_final).sum(1), 1.0, rtol=1e-12)
    x[3, 100] = 1e4  # an innovation of ~1e4 standard deviations
    res = bayes_grid_predict(x, 0.9, alphas, lp)
    assert np.all(np.isfinite(res.pred)) and np.all(np.isfinite(res.log_post_final))


def test_uniform_grid_midpoints():
    al, lp = uniform_grid(0.5, 0.99, 4)
    np.testing.assert_allclose(al, 0.5 + (np.arange(4) + 0.5) * 0.49 / 4)
    np.testing.assert_allclose(np.exp(lp).sum(), 1.0)


@pytest.mark.parametrize("kwargs, param", [
    (dict(alphas=[0.5, 1.0]), "alphas"),
    (dict(log_prior=[0.0]), "log_prior"),
    (dict(log_prior=[0.0, -np.inf]), "log_prior"),
    (dict(a=1.0), "a"),
    (dict(x=np.full((2, 3), np.nan)), "x"),
    (dict(x=np.zeros(3)), "x"),
])
def test_bad_inputs(kwargs, param):
    args = dict(x=np.zeros((2, 3)), a=0.9, alphas=[0.5, 0.7], log_prior=[0.0, 0.0])
    args.update(kwargs)
    with pytest.raises(ValidationError, match=f"parameter '{param}'"):
        bayes_grid_predict(**args)
