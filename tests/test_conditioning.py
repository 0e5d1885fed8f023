"""The brute-force oracle itself: closed forms, float64 vs mpmath, internal identities."""
from __future__ import annotations

import numpy as np
import pytest
from _lgssm_strategies import observations, systems
from hypothesis import given, settings
from hypothesis import strategies as st

from chasm_theory.errors import ValidationError
from chasm_theory.oracles import conditioning as cd
from chasm_theory.oracles.lgssm import make_lgssm


@given(a=st.floats(-0.99, 0.99), q=st.floats(0.1, 5), r=st.floats(0.0, 5), P0=st.floats(0, 5),
       m0=st.floats(-3, 3), x1=st.floats(-5, 5))
def test_scalar_closed_form(a, q, r, P0, m0, x1):
    p = make_lgssm([[a]], [[1.0]], [[q]], [[r]], [m0], [[P0]])
    mu, V = a * m0, a * a * P0 + q
    c = cd.conditional_state_mean(p, [x1], 1)
    np.testing.assert_allclose(c.mean, [mu + V / (V + r) * (x1 - mu)], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.cov, [[V - V * V / (V + r)]], rtol=1e-10, atol=1e-12)
    n = cd.conditional_next_obs(p, [x1], 0)
    np.testing.assert_allclose(n.mean, [mu], atol=1e-14)
    np.testing.assert_allclose(n.cov, [[V + r]], rtol=1e-12)


@settings(max_examples=25)
@given(params=systems, seed=st.integers(0, 2**31))
def test_identities(params, seed):
    x = observations(params, 1, 5, seed)[0]
    scale = 1 + float(np.max(np.abs(x)))
    # next-observation mean from the joint law equals C A E[z_t | x_1..t]
    for t in (1, 3, 5):
        c = cd.conditional_state_mean(params, x, t)
        n = cd.conditional_next_obs(params, x, t)
        np.testing.assert_allclose(n.mean, params.C @ params.A @ c.mean, rtol=1e-9,
                                   atol=1e-9 * scale)
        np.testing.assert_allclose(
            n.cov, params.C @ (params.A @ c.cov @ params.A.T + params.Q) @ params.C.T + params.R,
            rtol=1e-8, atol=1e-9)
    # chain rule: log p(x_1..T) = sum_t log p(x_t | x_1..t-1)
    total = 0.0
    for t in range(5):
        n = cd.conditional_next_obs(params, x, t)
        e = x[t] - n.mean
        total += -0.5 * (e @ np.linalg.solve(n.cov, e) + np.linalg.slogdet(n.cov)[1]
                         + params.m * np.log(2 * np.pi))
    ll = cd.log_marginal_likelihood(params, x)
    np.testing.assert_allclose(total, ll, rtol=1e-9, atol=1e-9)


def test_float_vs_mpmath():
    p = make_lgssm([[0.9, 0.3], [-0.2, 0.6]], [[1.0, -0.5]], [[0.4, 0.1], [0.1, 0.3]], [[0.0]],
                   [0.5, -0.5], [[1.0, 0.2], [0.2, 0.5]])
    x = observations(p, 1, 6, 1)[0]
    for t in (0, 1, 4, 6):
        a = cd.conditional_state_mean(p, x, t)
        b = cd.conditional_state_mean_mp(p, x, t)
        np.testing.assert_allclose(a.mean, b.mean, rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(a.cov, b.cov, rtol=1e-10, atol=1e-13)
        a = cd.conditional_next_obs(p, x, t)
        b = cd.conditional_next_obs_mp(p, x, t)
        np.testing.assert_allclose(a.mean, b.mean, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(cd.log_marginal_likelihood(p, x),
                               cd.log_marginal_likelihood_mp(p, x), rtol=1e-12)
    mp_mean = cd.conditional_state_mean_mp(p, x, 3, as_mp=True).mean
    assert mp_mean.rows == 2


def test_bad_arguments():
    p = make_lgssm([[0.5]], [[1.0]], [[1.0]], [[1.0]])
    with pytest.raises(ValidationError, match="parameter 't'"):
        cd.conditional_state_mean(p, np.zeros(3), 4)
    with pytest.raises(ValidationError, match="parameter 'x_seq'"):
        cd.conditional_next_obs(p, np.zeros((3, 2)), 1)
    with pytest.raises(ValidationError, match="parameter 'x_seq'"):
        cd.conditional_state_mean(p, [0.0, np.nan], 2)
