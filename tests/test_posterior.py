"""The SMC posterior-predictive oracle: its prior map against the core's prior sampler, its fused
Kalman kernel against the core's filter, and its predictions against independent oracles (the
Bayes grid on the colored-noise alpha family, a quadrature grid on a one-coordinate slice of the
d = 4 prior, importance sampling on short contexts), seed-to-seed and batch invariance."""
from __future__ import annotations

import numpy as np
import pytest

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.bayes_grid import bayes_grid_predict, uniform_grid
from chasm_theory.oracles.kalman import kalman_filter_per_sequence
from chasm_theory.oracles.lgssm import LGSSMParams
from chasm_theory.oracles.posterior_lgssm import LgssmPrior, latent_dim, theta_from_latent
from chasm_theory.oracles.posterior_reference import (
    ColoredNoiseAlpha,
    LatentSlice,
    importance_sampling_predictive,
    slice_grid_predictive,
)
from chasm_theory.oracles.posterior_smc import SMCConfig, posterior_predictive
from chasm_theory.oracles.tasks import random_lgssm_prior, sample_colored_noise, sample_lgssm

SMALL = SMCConfig(n_particles=400, n_runs=4, n_moves=5)


def _stats(A, C, Q, R):
    """Functionals whose prior means the two samplers must share: (n, s)."""
    tr = np.trace(A, axis1=1, axis2=2)
    return np.stack([tr, tr ** 2, np.einsum("bij,bij->b", A, A), np.trace(A @ A, axis1=1, axis2=2),
                     np.linalg.det(A), np.linalg.slogdet(Q)[1], np.trace(Q, axis1=1, axis2=2),
                     Q[:, 0, 1] ** 2, np.linalg.slogdet(R)[1], R[:, 0, 1] ** 2,
                     (C ** 2).mean((1, 2)), np.einsum("bij,bij->b", A, Q)], axis=1)


def test_prior_map_has_the_core_prior_law():
    rng = np.random.default_rng(0)
    n = 1500
    A, C, Q, R, _, _ = theta_from_latent(rng.standard_normal((n, latent_dim(2))))
    core = [random_lgssm_prior(rng) for _ in range(n)]
    s1 = _stats(A, C, Q, R)
    s2 = _stats(*(np.stack([getattr(p, f) for p in core]) for f in "ACQR"))
    z = (s1.mean(0) - s2.mean(0)) / np.sqrt(s1.var(0) / n + s2.var(0) / n)
    assert np.all(np.abs(z) < 4.5), z


def test_prior_map_structure():
    """A is normal with eigenvalue moduli = singular values in [0.7, 0.95] (a scaled orthogonal
    matrix); Q, R have spectra in their ranges; P0 is the stationary covariance."""
    rng = np.random.default_rng(1)
    A, C, Q, R, m0, P0 = theta_from_latent(rng.standard_normal((300, latent_dim(2))))
    np.testing.assert_allclose(A @ A.transpose(0, 2, 1), A.transpose(0, 2, 1) @ A, atol=1e-10)
    mod = np.sort(np.abs(np.linalg.eigvals(A)), axis=1)
    sv = np.sort(np.linalg.svd(A, compute_uv=False), axis=1)
    np.testing.assert_allclose(mod, sv, atol=1e-9)
    assert mod.min() >= 0.7 - 1e-12 and mod.max() <= 0.95 + 1e-12
    # a rotation plane shares one modulus: at least two equal moduli in every draw
    assert np.all(np.min(np.diff(mod, axis=1), axis=1) < 1e-9)
    lq, lr = np.linalg.eigvalsh(Q), np.linalg.eigvalsh(R)
    assert lq.min() >= 0.1 - 1e-12 and lq.max() <= 1.0 + 1e-12
    assert lr.min() >= 0.05 - 1e-12 and lr.max() <= 0.5 + 1e-12
    np.testing.assert_allclose(P0, A @ P0 @ A.transpose(0, 2, 1) + Q, atol=1e-10)
    assert np.all(m0 == 0.0)


@pytest.mark.parametrize("m", [1, 2, 3])
def test_fused_kernel_matches_core_filter(m):
    rng = np.random.default_rng(2 + m)
    model = LgssmPrior(m)
    xi = rng.standard_normal((40, model.dim))
    x = 2.0 * rng.standard_normal((4, 9, m))
    ctx = rng.integers(0, 4, 40)
    ll, pred = model.loglik_pred(xi, x, ctx)
    res = kalman_filter_per_sequence(LGSSMParams(*theta_from_latent(xi, m)), x[ctx])
    np.testing.assert_allclose(ll, res.log_likelihood, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(pred, res.one_step[:, -1], rtol=1e-10, atol=1e-10)


def _agree(est, mcse, ref, ref_se=0.0, z=4.0):
    """Pooled agreement: RMS difference within z x RMS of the combined standard errors."""
    err = np.sqrt(np.mean((est - ref) ** 2))
    tol = z * np.sqrt(np.mean(mcse ** 2 + np.asarray(ref_se) ** 2))
    assert err <= tol, (err, tol, est, ref)


def test_matches_bayes_grid_on_colored_noise_alpha():
    rng = np.random.default_rng(4)
    x = np.concatenate([sample_colored_noise(0.9, a, 1, 48, rng).x
                        for a in rng.uniform(0.5, 0.99, 6)])
    al, lp = uniform_grid(0.5, 0.99, 2000)
    grid = bayes_grid_predict(x, 0.9, al, lp).pred[:, -1]
    res = posterior_predictive(x[:, :, None], ColoredNoiseAlpha(), SMALL, seed=0)
    _agree(res.mean[:, 0], res.mcse[:, 0], grid)
    assert np.all(res.mcse[:, 0] < 0.05 * np.abs(grid).mean())


def test_matches_quadrature_on_a_slice_of_the_d4_prior():
    rng = np.random.default_rng(5)
    model = LgssmPrior(2)
    xi0 = rng.standard_normal(model.dim)
    x = sample_lgssm(LGSSMParams(*(a[0] for a in theta_from_latent(xi0[None]))), 4, 24, rng).x
    for idx in (16, 19):  # an eigenvalue modulus of A; an entry of C
        grid = slice_grid_predictive(x, xi0, idx, G=2001)
        res = posterior_predictive(x, LatentSlice(model, xi0, [idx]), SMALL, seed=1)
        _agree(res.mean, res.mcse, grid)


def test_matches_importance_sampling_on_short_contexts():
    rng = np.random.default_rng(6)
    x = np.concatenate([sample_lgssm(random_lgssm_prior(rng), 1, 3, rng).x for _ in range(4)])
    mean, se, ess = importance_sampling_predictive(x, 100_000, seed=0)
    assert np.all(ess > 200), ess  # IS is reliable here (and its error is in se)
    res = posterior_predictive(x, LgssmPrior(2), SMALL, seed=2)
    _agree(res.mean, res.mcse, mean, se)


def test_seed_agreement_determinism_and_batch_invariance():
    rng = np.random.default_rng(7)
    x = np.concatenate([sample_lgssm(random_lgssm_prior(rng), 1, 12, rng).x for _ in range(3)])
    model = LgssmPrior(2)
    r0 = posterior_predictive(x, model, SMALL, seed=0)
    r1 = posterior_predictive(x, model, SMALL, seed=1)
    _agree(r0.mean, np.sqrt(r0.mcse ** 2 + r1.mcse ** 2), r1.mean)
    again = posterior_predictive(x, model, SMALL, seed=0)
    np.testing.assert_array_equal(again.mean, r0.mean)
    alone = posterior_predictive(x[1:2], model, SMALL, seed=0, context_ids=[1])
    np.testing.assert_array_equal(alone.mean[0], r0.mean[1])
    s = r0.diagnostics["summary"]
    assert 0.05 < s["accept_mean"] < 0.9 and s["rhat_max"] < 1.2
    run0 = r0.diagnostics["runs"][0][0]
    assert run0["beta"][-1] == 1.0 and len(run0["ess"]) == run0["n_stages"]
    assert np.all(np.diff(run0["beta"]) > 0)


def test_bad_input_names_the_parameter():
    model = LgssmPrior(2)
    with pytest.raises(ValidationError, match="contexts"):
        posterior_predictive(np.zeros((3, 4)), model)
    with pytest.raises(ValidationError, match="contexts"):
        posterior_predictive(np.full((1, 4, 2), np.nan), model)
    with pytest.raises(ValidationError, match="n_particles"):
        posterior_predictive(np.zeros((1, 4, 2)), model, SMCConfig(n_particles=1))
    with pytest.raises(ValidationError, match="ess_target"):
        posterior_predictive(np.zeros((1, 4, 2)), model, SMCConfig(ess_target=1.5))
    with pytest.raises(ValidationError, match="xi"):
        theta_from_latent(np.zeros((2, 5)))
    with pytest.raises(ValidationError, match="eig_range"):
        from chasm_theory.oracles.posterior_lgssm import PriorSpec
        LgssmPrior(2, PriorSpec(eig_range=(0.9, 1.2)))
