"""Every Kalman variant against brute-force Gaussian conditioning (chasm_theory.conditioning)."""
from __future__ import annotations

import numpy as np
import pytest
from _lgssm_strategies import build_system, observations, systems
from hypothesis import given, settings
from hypothesis import strategies as st

from chasm_theory.errors import NumericalError, ValidationError
from chasm_theory.oracles import _kalman_kernels as kk
from chasm_theory.oracles import conditioning as cd
from chasm_theory.oracles.dare import solve_filter_dare
from chasm_theory.oracles.kalman import (
    Gains,
    filter_means,
    kalman_filter,
    kalman_filter_numpy,
    kalman_filter_per_sequence,
    riccati_gains,
    steady_state_filter,
)
from chasm_theory.oracles.lgssm import make_lgssm
from chasm_theory.oracles.tasks import colored_noise_lgssm, sample_colored_noise

TOL = 1e-9
T_BRUTE = 7


def _close(a, b, scale=1.0, tol=TOL):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(1.0, scale))


def _check_against_brute(params, x, res, b, ts=None, check_cov=True):
    """res (a KalmanResult) for sequence b vs. exact conditioning at every t."""
    T = x.shape[1]
    xs = x[b]
    scale = float(np.max(np.abs(xs))) + 1.0
    for t in ts or range(1, T + 1):
        c = cd.conditional_state_mean(params, xs, t)
        _close(res.filtered_means[b, t - 1], c.mean, scale)
        n = cd.conditional_next_obs(params, xs, t)
        _close(res.one_step[b, t - 1], n.mean, scale)
        if res.predicted_obs.shape[1]:
            p = cd.conditional_next_obs(params, xs, t - 1)
            _close(res.predicted_obs[b, t - 1], p.mean, scale)
            _close(res.innovations[b, t - 1], xs[t - 1] - p.mean, scale)
            _close(res.predicted_means[b, t - 1], params.A @ (
                cd.conditional_state_mean(params, xs, t - 1).mean if t > 1 else params.m0),
                scale)
        if check_cov and res.gains is not None:
            _close(res.gains.P_filt[t - 1], c.cov, 1.0)
    ll = cd.log_marginal_likelihood(params, xs)
    _close(res.log_likelihood[b], ll, abs(ll))
    if check_cov:
        _close(res.P_filt_last[b], cd.conditional_state_mean(params, xs, T).cov)


@given(params=systems, seed=st.integers(0, 2**31))
def test_time_varying_filter_matches_brute_force(params, seed):
    x = observations(params, 3, T_BRUTE, seed)
    res = kalman_filter(params, x)
    assert res.filtered_means.shape == (3, T_BRUTE, params.d)
    assert res.one_step.shape == (3, T_BRUTE, params.m)
    for b in (0, 2):
        _check_against_brute(params, x, res, b)
    # the lean path and the numpy reference give the same numbers
    np.testing.assert_allclose(filter_means(params, x, res.gains), res.filtered_means,
                               rtol=0, atol=1e-12 * (1 + np.max(np.abs(res.filtered_means))))
    ref = kalman_filter_numpy(params, x, res.gains)
    for f in ("filtered_means", "predicted_means", "predicted_obs", "one_step", "innovations",
              "log_likelihood"):
        np.testing.assert_allclose(getattr(res, f), getattr(ref, f), rtol=1e-11, atol=1e-11)


@settings(max_examples=30)
@given(params=systems, seed=st.integers(0, 2**31))
def test_steady_state_filter_matches_brute_force_from_steady_prior(params, seed):
    """With P_{0|0} = the DARE's P_filt the constant-gain filter is exact conditioning."""
    sol = solve_filter_dare(params.A, params.C, params.Q, params.R)
    p2 = params._replace(P0=sol.P_filt)
    x = observations(p2, 2, T_BRUTE, seed)
    res = steady_state_filter(p2, x, sol)
    _check_against_brute(p2, x, res, 1, check_cov=False)
    _close(res.P_filt_last[0], cd.conditional_state_mean(p2, x[0], T_BRUTE).cov)
    # and it is the innovations form z_t = (I - K C) A z_{t-1} + K x_t
    z = params.m0.copy()
    for t in range(T_BRUTE):
        z = sol.closed_loop @ z + sol.K @ x[0, t]
    _close(res.filtered_means[0, -1], z, float(np.max(np.abs(x))))


@settings(max_examples=25)
@given(d=st.integers(1, 4), m=st.integers(1, 2), seeds=st.lists(st.integers(0, 2**31),
       min_size=3, max_size=3), r_zero=st.booleans(), seed=st.integers(0, 2**31))
def test_per_sequence_filter_with_per_sequence_params(d, m, seeds, r_zero, seed):
    plist = [build_system(d, m, s, r_zero, prior) for s, prior in
             zip(seeds, ("stationary", "random", "zero"))]
    x = np.concatenate([observations(p, 1, T_BRUTE, seed + i) for i, p in enumerate(plist)])
    res = kalman_filter_per_sequence(plist, x)
    assert res.gains is None
    for b, p in enumerate(plist):
        _check_against_brute(p, x, res, b)
    # batched-field form gives the same
    stacked = type(plist[0])(*[np.stack([p[i] for p in plist]) for i in range(6)])
    res2 = kalman_filter_per_sequence(stacked, x)
    np.testing.assert_array_equal(res2.filtered_means, res.filtered_means)


@settings(max_examples=20)
@given(a=st.floats(-0.95, 0.95), alpha=st.floats(-0.95, 0.95), seed=st.integers(0, 2**31))
def test_colored_noise_fast_paths(a, alpha, seed):
    """d = 2, m = 1, R = 0: the specialised kernels vs. brute force and vs. the generic one."""
    params = colored_noise_lgssm(a, alpha)
    x = sample_colored_noise(a, alpha, 9, 8, np.random.default_rng(seed)).x
    res = kalman_filter(params, x)
    _check_against_brute(params, x, res, 8)
    # generic shared-gain kernel on the same input
    g = res.gains
    B, T = x.shape
    outs = [np.empty((B, T, 2)), np.empty((B, T, 2))] + [np.empty((B, T, 1)) for _ in range(3)]
    quad = np.empty(B)
    kk.filter_generic(x[:, :, None].copy(), params.A, params.C, g.K, g.S_chol, params.m0, True,
                      *outs, quad)
    np.testing.assert_allclose(outs[0], res.filtered_means, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(outs[3], res.one_step, rtol=1e-12, atol=1e-12)
    # per-sequence: generic and the d2m1 lane kernel
    for full in (True, False):
        rp = kalman_filter_per_sequence(params, x, full=full)
        np.testing.assert_allclose(rp.filtered_means, res.filtered_means, rtol=1e-10,
                                   atol=1e-10)
        np.testing.assert_allclose(rp.one_step, res.one_step, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(rp.log_likelihood, res.log_likelihood, rtol=1e-10)


def test_gains_are_data_independent_and_converge_to_dare():
    params = build_system(3, 2, 7, False)
    g = riccati_gains(params, 400)
    sol = solve_filter_dare(params.A, params.C, params.Q, params.R)
    np.testing.assert_allclose(g.K[-1], sol.K, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g.P_pred[-1], sol.P_pred, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g.S[-1], sol.S, rtol=1e-9)
    x = observations(params, 4, 30, 0)
    r1 = kalman_filter(params, x)
    r2 = kalman_filter(params, x, g)  # gains covering more steps than T are fine
    np.testing.assert_array_equal(r1.filtered_means, r2.filtered_means)
    assert isinstance(r1.gains, Gains) and r1.gains.K.shape == (30, 3, 2)


def test_mpmath_hand_cases():
    """float64 filter vs. the 50-digit oracle on small hand systems (incl. R = 0)."""
    cases = [
        make_lgssm([[0.5]], [[1.0]], [[1.0]], [[0.5]], [0.3], [[2.0]]),
        colored_noise_lgssm(0.9, 0.95),
        make_lgssm([[0.9, 0.2], [-0.1, 0.7]], [[1.0, 0.5], [0.0, 1.0]], [[1.0, 0.2], [0.2, 0.5]],
                   [[0.3, 0.1], [0.1, 0.2]], [1.0, -1.0], np.zeros((2, 2))),
    ]
    for params in cases:
        x = observations(params, 1, 5, 3)
        res = kalman_filter(params, x)
        for t in (1, 3, 5):
            c = cd.conditional_state_mean_mp(params, x[0], t)
            np.testing.assert_allclose(res.filtered_means[0, t - 1], c.mean, rtol=1e-11,
                                       atol=1e-12)
            np.testing.assert_allclose(res.gains.P_filt[t - 1], c.cov, rtol=1e-11, atol=1e-12)
            n = cd.conditional_next_obs_mp(params, x[0], t)
            np.testing.assert_allclose(res.one_step[0, t - 1], n.mean, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(res.log_likelihood[0],
                                   cd.log_marginal_likelihood_mp(params, x[0]), rtol=1e-12)


def test_prop1_scalar_counterexample_order_dependence():
    """000 Prop 1 example: with A = 2, C = 1 and gains 1/3, 2/3 the estimate depends on order."""
    A, C = np.array([[2.0]]), np.array([[1.0]])
    K = np.array([[[1 / 3]], [[2 / 3]]])
    g = Gains(K, np.ones((2, 1, 1)), np.ones((2, 1, 1)), np.ones((2, 1, 1)),
              np.ones((2, 1, 1)), np.zeros(2))
    p = make_lgssm(A, C, [[1.0]], [[1.0]], [0.0], [[1.0]])
    out = filter_means(p, np.array([[0.0, 6.0], [6.0, 0.0]]), g)
    np.testing.assert_allclose(out[:, -1, 0], [4.0, 4.0 / 3.0])


def test_non_pd_innovation_covariance_names_the_step():
    # R = 0 and C = 0: S_1 = 0
    p = make_lgssm([[0.5]], [[0.0]], [[1.0]], [[0.0]])
    with pytest.raises(NumericalError, match="step t = 1"):
        riccati_gains(p, 5)
    # R = 0, singular Q and zero prior: the first S is 0, again step 1; with P0 > 0 the
    # observed direction is learnt at step 1 and S_2 = C Q C^T = 0 at step 2
    p = make_lgssm(np.eye(2) * 0.5, [[1.0, 0.0]], np.diag([0.0, 1.0]), [[0.0]],
                   P0=np.eye(2))
    with pytest.raises(NumericalError, match="step t = 2"):
        riccati_gains(p, 5)
    with pytest.raises(NumericalError):
        kalman_filter_per_sequence(p, np.zeros((2, 5)))


def test_bad_observations_raise_validation_errors():
    p = colored_noise_lgssm(0.9, 0.5)
    x = np.zeros((2, 4))
    x[1, 2] = np.nan
    with pytest.raises(ValidationError, match="parameter 'x'"):
        kalman_filter(p, x)
    with pytest.raises(ValidationError, match="parameter 'x'"):
        steady_state_filter(p, np.zeros((2, 4, 2)))
    with pytest.raises(ValidationError, match="parameter 'x'"):
        kalman_filter_per_sequence(p, np.zeros(4))
    with pytest.raises(ValidationError, match="parameter 'gains'"):
        kalman_filter(p, np.zeros((2, 4)), riccati_gains(p, 3))
    with pytest.raises(ValidationError, match="parameter 'params'"):
        kalman_filter((1, 2), np.zeros((2, 4)))
    with pytest.raises(ValidationError, match="parameter 'T'"):
        riccati_gains(p, 0)


def test_blocks_with_padding_lanes():
    """B not a multiple of the lane count, T not a multiple of the tile."""
    params = colored_noise_lgssm(0.7, 0.3)
    x = sample_colored_noise(0.7, 0.3, 13, 70, np.random.default_rng(4)).x
    res = kalman_filter(params, x)
    ref = kalman_filter_numpy(params, x, res.gains)
    np.testing.assert_allclose(res.filtered_means, ref.filtered_means, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.log_likelihood, ref.log_likelihood, rtol=1e-12)
    rp = kalman_filter_per_sequence(params, x, full=False)
    np.testing.assert_allclose(rp.filtered_means, ref.filtered_means, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(rp.log_likelihood, ref.log_likelihood, rtol=1e-10)
    p3 = build_system(3, 2, 1, False)
    x3 = observations(p3, 11, 37, 2)
    r3 = kalman_filter(p3, x3)
    np.testing.assert_allclose(r3.filtered_means, kalman_filter_numpy(p3, x3).filtered_means,
                               rtol=1e-11, atol=1e-11)
