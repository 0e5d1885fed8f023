"""Product-tracking law, products, Lyapunov exponents and second moments (000 Def 5, App C.6)."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.product_tracking import (
    MatrixLaw, abs_product_bound, gamma, handset_kronecker_ssm, kron_transition, lyapunov_qr,
    products_mpmath, running_products, sample_matrices, second_moment_exact, second_moment_mc,
    second_moment_operator, vec_col,
)
from empirics.tasks.product import sample_product_batch


@pytest.mark.parametrize("cap", ["rescale", "reject"])
def test_norm_cap_holds(cap):
    M = sample_matrices(MatrixLaw(cap=cap), 200, 50, np.random.default_rng(0))
    assert np.sqrt((M ** 2).sum((-2, -1))).max() <= 1.5 + 1e-12
    assert M.shape == (200, 50, 2, 2)


def test_rescale_keeps_direction_of_uncapped_matrix():
    rng1, rng2 = np.random.default_rng(3), np.random.default_rng(3)
    capped = sample_matrices(MatrixLaw(), 1, 4000, rng1)
    raw = sample_matrices(MatrixLaw(max_fro=1e9), 1, 4000, rng2)
    cos = (capped * raw).sum((-2, -1)) / np.sqrt((capped ** 2).sum((-2, -1)) * (raw ** 2).sum((-2, -1)))
    np.testing.assert_allclose(cos, 1.0, atol=1e-12)
    assert (np.abs(capped - raw).max((-2, -1)) > 0).mean() > 0.1  # the cap binds often


def test_torch_sampler_matches_numpy_law_in_distribution():
    x, y = sample_product_batch(torch.Generator().manual_seed(0), 4000, 8)
    Mn = sample_matrices(MatrixLaw(), 4000, 8, np.random.default_rng(1)).reshape(-1, 4)
    Mt = x.double().numpy().reshape(-1, 4)
    np.testing.assert_allclose(Mt.mean(0), Mn.mean(0), atol=0.01)
    np.testing.assert_allclose(Mt.std(0), Mn.std(0), atol=0.01)
    # targets are the running products of the inputs
    P = running_products(x.double().numpy().reshape(4000, 8, 2, 2))
    np.testing.assert_allclose(y.numpy().reshape(4000, 8, 2, 2), P, rtol=1e-5, atol=1e-6)


def test_running_products_against_mpmath():
    M = sample_matrices(MatrixLaw(), 2, 40, np.random.default_rng(2))
    np.testing.assert_allclose(running_products(M), products_mpmath(M, 40), rtol=1e-12, atol=1e-15)


@given(st.lists(st.floats(-2, 2), min_size=8, max_size=8))
def test_kronecker_vec_identity(v):
    M, P = np.array(v[:4]).reshape(2, 2), np.array(v[4:]).reshape(2, 2)
    np.testing.assert_allclose(kron_transition(M) @ vec_col(P), vec_col(M @ P), atol=1e-12)
    np.testing.assert_array_equal(kron_transition(M), np.kron(np.eye(2), M))


def test_lyapunov_of_diagonal_and_similarity_matrices():
    M = np.broadcast_to(np.diag([1.3, 0.6]), (3, 200, 2, 2)).copy()
    np.testing.assert_allclose(lyapunov_qr(M), np.tile(np.log([1.3, 0.6]), (3, 1)), atol=1e-12)
    th = 0.4
    R = 0.9 * np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    np.testing.assert_allclose(lyapunov_qr(np.broadcast_to(R, (1, 100, 2, 2)).copy())[0], np.log(0.9), atol=1e-12)


def test_lyapunov_agrees_with_norm_growth_of_the_product():
    M = sample_matrices(MatrixLaw(), 200, 2000, np.random.default_rng(4))
    lam = lyapunov_qr(M)[:, 0].mean()
    # independent estimate: log‖P_T‖/T with renormalisation
    P = np.broadcast_to(np.eye(2), (200, 2, 2)).copy()
    logn = np.zeros(200)
    for t in range(2000):
        P = M[:, t] @ P
        n = np.sqrt((P ** 2).sum((-2, -1)))
        logn += np.log(n)
        P /= n[:, None, None]
    assert abs(logn.mean() / 2000 - lam) < 2e-3
    # λ1 + λ2 = mean log|det M|
    L = lyapunov_qr(M)
    np.testing.assert_allclose(L.sum(1), np.log(np.abs(np.linalg.det(M))).mean(1), atol=1e-10)


def test_second_moment_exact_matches_monte_carlo_at_small_k():
    rng = np.random.default_rng(5)
    G = second_moment_operator(sample_matrices(MatrixLaw(), 400_000, 1, rng)[:, 0])
    P = running_products(sample_matrices(MatrixLaw(), 40_000, 8, rng))
    mc = second_moment_mc(P).mean(0)
    ex = second_moment_exact(G, [1, 2, 4, 8])
    np.testing.assert_allclose(ex, mc[[0, 1, 3, 7]], rtol=0.02)


def test_handset_within_rounding_bound_float32_and_float64():
    M = sample_matrices(MatrixLaw(), 8, 256, np.random.default_rng(6))
    ref = running_products(M.astype(np.longdouble)).astype(np.float64)
    bound = abs_product_bound(M)
    t = np.arange(1, 257)
    for dt, u in ((np.float32, 2.0 ** -24), (np.float64, 2.0 ** -53)):
        P = handset_kronecker_ssm(M, dt).astype(np.float64)[..., [0, 2, 1, 3]].reshape(8, 256, 2, 2)
        err = np.abs(P - ref)
        assert np.all(err <= gamma(5 * t, u)[None, :, None, None] * bound)
    assert err.max() > 0  # float64 is not exact either: the check can fail


def test_gamma_and_validation():
    assert gamma(10, 1e-3) == pytest.approx(0.01 / 0.99)
    assert np.isinf(gamma(2000, 1e-3))
    with pytest.raises(ValidationError):
        MatrixLaw(s_lo=1.3, s_hi=1.2)
    with pytest.raises(ValidationError):
        MatrixLaw(cap="clip")
    with pytest.raises(ValidationError):
        sample_matrices(MatrixLaw(), 0, 3, np.random.default_rng(0))
    with pytest.raises(ValidationError):
        running_products(np.zeros((3, 2, 2)))
