"""Samplers: empirical moments vs. the model's exact moments (a few standard errors)."""
from __future__ import annotations

import numpy as np
import pytest
from _lgssm_strategies import build_system

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.conditioning import joint_moments
from chasm_theory.oracles.lgssm import spectral_radius
from chasm_theory.oracles.tasks import (
    colored_noise_lgssm,
    random_lgssm_prior,
    sample_colored_noise,
    sample_lgssm,
    sample_static,
)

Z = 5.0  # allowed standard errors


def _check_cov(samples: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> None:
    """samples (n, k) against an exact mean (k,) and covariance (k, k), entrywise in SEs."""
    n = samples.shape[0]
    emp_mean = samples.mean(0)
    se_mean = np.sqrt(np.diag(cov) / n)
    assert np.all(np.abs(emp_mean - mean) <= Z * se_mean + 1e-12), (emp_mean, mean)
    c = samples - mean
    emp = c.T @ c / n
    v = np.diag(cov)
    se = np.sqrt((np.outer(v, v) + cov**2) / n)
    worst = np.max(np.abs(emp - cov) / se)
    assert worst <= Z, f"covariance off by {worst:.2f} standard errors"


def test_colored_noise_model_is_the_augmented_process():
    """000 Thm 2 augmentation: the augmented model's x-covariance is the AR(1)+AR(1) one."""
    a, al, q, T = 0.9, 0.95, 1.3, 12
    J = joint_moments(colored_noise_lgssm(a, al, q), T)
    lag = np.abs(np.subtract.outer(np.arange(T), np.arange(T)))
    direct = q / (1 - a * a) * a**lag + al**lag
    np.testing.assert_allclose(J.S_xx, direct, rtol=1e-12)
    np.testing.assert_allclose(J.mu_x, 0.0)


def test_sample_colored_noise_moments():
    a, al, q, T = 0.8, 0.6, 0.7, 6
    s = sample_colored_noise(a, al, 40000, T, np.random.default_rng(0), q=q)
    assert s.x.shape == s.z.shape == s.v.shape == (40000, T)
    np.testing.assert_allclose(s.x, s.z + s.v)
    lag = np.abs(np.subtract.outer(np.arange(T), np.arange(T)))
    _check_cov(s.x, np.zeros(T), q / (1 - a * a) * a**lag + al**lag)
    _check_cov(s.v, np.zeros(T), al**lag.astype(float))
    _check_cov(np.column_stack([s.z[:, 0], s.v[:, 0]]), np.zeros(2),
               np.diag([q / (1 - a * a), 1.0]))


@pytest.mark.parametrize("seed, prior", [(3, "random"), (4, "stationary"), (5, "zero")])
def test_sample_lgssm_moments(seed, prior):
    p = build_system(3, 2, seed, False, prior)
    T = 4
    s = sample_lgssm(p, 30000, T, np.random.default_rng(seed))
    assert s.z.shape == (30000, T, 3) and s.x.shape == (30000, T, 2)
    J = joint_moments(p, T)
    _check_cov(s.x.reshape(30000, -1), J.mu_x, J.S_xx)
    _check_cov(s.z.reshape(30000, -1), J.mu_z, J.S_zz)


def test_sample_lgssm_r_zero_is_noise_free():
    p = colored_noise_lgssm(0.5, 0.3)
    s = sample_lgssm(p, 10, 5, np.random.default_rng(1))
    np.testing.assert_allclose(s.x[..., 0], s.z.sum(-1), atol=1e-14)


def test_sample_static():
    s = sample_static(50000, 3, np.random.default_rng(2), sigma=0.5, prior_var=2.0)
    assert s.theta.shape == (50000,) and s.x.shape == (50000, 3)
    cov = 2.0 * np.ones((4, 4)) + np.diag([0.0, 0.25, 0.25, 0.25])
    _check_cov(np.column_stack([s.theta, s.x]), np.zeros(4), cov)


def test_seeded_and_reproducible():
    r1 = sample_colored_noise(0.9, 0.95, 3, 7, np.random.default_rng(11)).x
    r2 = sample_colored_noise(0.9, 0.95, 3, 7, np.random.default_rng(11)).x
    np.testing.assert_array_equal(r1, r2)
    p1 = random_lgssm_prior(np.random.default_rng(5))
    p2 = random_lgssm_prior(np.random.default_rng(5))
    for f1, f2 in zip(p1, p2):
        np.testing.assert_array_equal(f1, f2)


@pytest.mark.parametrize("a_form", ["scaled-orthogonal", "symmetric"])
def test_random_lgssm_prior(a_form):
    rng = np.random.default_rng(0)
    moduli = []
    for _ in range(200):
        p = random_lgssm_prior(rng, a_form=a_form)
        assert p.A.shape == (4, 4) and p.C.shape == (2, 4) and p.R.shape == (2, 2)
        mod = np.abs(np.linalg.eigvals(p.A))
        assert np.all((mod >= 0.7 - 1e-12) & (mod <= 0.95 + 1e-12)), mod
        assert spectral_radius(p.A) < 1
        lq = np.linalg.eigvalsh(p.Q)
        lr = np.linalg.eigvalsh(p.R)
        assert np.all((lq >= 0.1 - 1e-12) & (lq <= 1.0 + 1e-12))
        assert np.all((lr >= 0.05 - 1e-12) & (lr <= 0.5 + 1e-12))
        moduli.append(np.unique(np.round(mod, 12)))
    allm = np.concatenate(moduli)
    # uniform on [0.7, 0.95]: mean 0.825, sd 0.072
    assert abs(allm.mean() - 0.825) < 5 * 0.072 / np.sqrt(allm.size)
    if a_form == "scaled-orthogonal":
        # rotation blocks survive: most draws of a 4x4 Haar orthogonal have complex eigenvalues
        n_complex = sum(np.any(np.abs(np.linalg.eigvals(random_lgssm_prior(
            np.random.default_rng(k)).A).imag) > 1e-9) for k in range(20))
        assert n_complex >= 15


@pytest.mark.parametrize("call, param", [
    (lambda: colored_noise_lgssm(1.0, 0.5), "a"),
    (lambda: colored_noise_lgssm(0.5, -1.2), "alpha"),
    (lambda: colored_noise_lgssm(0.5, np.nan), "alpha"),
    (lambda: colored_noise_lgssm(0.5, 0.5, q=0.0), "q"),
    (lambda: sample_colored_noise(1.5, 0.5, 2, 3, np.random.default_rng()), "a"),
    (lambda: sample_colored_noise(0.5, 0.5, 0, 3, np.random.default_rng()), "batch"),
    (lambda: sample_static(2, 3, np.random.default_rng(), sigma=-1.0), "sigma"),
    (lambda: sample_lgssm(colored_noise_lgssm(0.5, 0.5), 2, 0, np.random.default_rng()), "T"),
    (lambda: random_lgssm_prior(np.random.default_rng(), a_form="x"), "a_form"),
])
def test_bad_inputs(call, param):
    with pytest.raises(ValidationError, match=f"parameter '{param}'"):
        call()
