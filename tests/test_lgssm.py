"""make_lgssm validation: every bad input names its parameter and the rule."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.lgssm import (
    LGSSMParams,
    make_lgssm,
    spectral_radius,
    stationary_covariance,
    validate_observations,
    zero_predictor_risk,
)

A2 = np.array([[0.5, 0.1], [0.0, 0.3]])
C2 = np.array([[1.0, 1.0]])


def test_defaults_and_shapes():
    p = make_lgssm(A2, C2, np.eye(2), [[0.0]])
    assert isinstance(p, LGSSMParams) and p.d == 2 and p.m == 1
    np.testing.assert_array_equal(p.m0, np.zeros(2))
    np.testing.assert_allclose(A2 @ p.P0 @ A2.T + np.eye(2), p.P0, atol=1e-14)
    p1 = make_lgssm(0.5, 1.0, 1.0, 0.2)  # scalars are 1x1
    assert p1.A.shape == (1, 1) and p1.C.shape == (1, 1)
    np.testing.assert_allclose(p1.P0, [[1 / 0.75]])
    p2 = make_lgssm(A2, [1.0, 2.0], np.eye(2), [[1.0]])  # 1-D C is one row
    assert p2.C.shape == (1, 2)


@pytest.mark.parametrize("kwargs, param, rule", [
    (dict(Q=[[1.0, 0.0], [0.0, -0.3]]), "Q", "positive semi-definite"),
    (dict(Q=[[1.0, 0.5], [0.0, 1.0]]), "Q", "symmetric"),
    (dict(R=[[1.0, 0.2], [0.3, 1.0]], C=np.eye(2)), "R", "symmetric"),
    (dict(R=[[-1.0]]), "R", "positive semi-definite"),
    (dict(P0=[[1.0, 2.0], [2.0, 1.0]]), "P0", "positive semi-definite"),
    (dict(A=np.ones((2, 3))), "A", "square"),
    (dict(A=np.ones((2, 2, 2))), "A", "2-D"),
    (dict(C=np.ones((1, 3))), "C", "shape"),
    (dict(Q=np.eye(3)), "Q", "shape"),
    (dict(R=np.eye(2)), "R", "shape"),
    (dict(m0=[1.0, 2.0, 3.0]), "m0", "shape"),
    (dict(m0=[np.nan, 0.0]), "m0", "finite"),
    (dict(A=[[np.inf, 0], [0, 0.1]]), "A", "finite"),
    (dict(Q=[[np.nan, 0], [0, 1]]), "Q", "finite"),
    (dict(A=np.diag([1.0, 0.5])), "A", "stable"),
    (dict(A=np.diag([1.2, 0.5]), P0=np.eye(2), require_stable=True), "A", "stable"),
    (dict(A=[["a", "b"], ["c", "d"]]), "A", "numeric"),
])
def test_bad_inputs_name_the_parameter(kwargs, param, rule):
    args = dict(A=A2, C=C2, Q=np.eye(2), R=[[0.5]])
    args.update(kwargs)
    with pytest.raises(ValidationError, match=f"parameter '{param}'") as exc:
        make_lgssm(**args)
    assert rule in str(exc.value)
    assert exc.value.param == param


def test_message_format():
    with pytest.raises(ValidationError) as exc:
        make_lgssm(A2, C2, [[1.0, 0.0], [0.0, -0.3]], [[0.0]])
    assert str(exc.value) == ("parameter 'Q': must be symmetric positive semi-definite "
                              "(min eigenvalue -0.3)")


def test_unstable_allowed_with_explicit_prior():
    p = make_lgssm(np.diag([1.5, 0.5]), C2, np.eye(2), [[1.0]], P0=np.eye(2))
    assert spectral_radius(p.A) == pytest.approx(1.5)


@given(a=st.floats(-0.99, 0.99), q=st.floats(0.01, 10.0))
def test_stationary_covariance_scalar(a, q):
    np.testing.assert_allclose(stationary_covariance([[a]], [[q]]), [[q / (1 - a * a)]],
                               rtol=1e-10)


def test_stationary_covariance_rejects_unit_root():
    for A in ([[1.0]], [[-1.0]], [[0.0, -1.0], [1.0, 0.0]]):
        with pytest.raises(ValidationError, match="parameter 'A'"):
            stationary_covariance(A, np.eye(len(A)))


def test_validate_observations():
    assert validate_observations(np.zeros((2, 3)), 1).shape == (2, 3, 1)
    assert validate_observations(np.zeros((2, 3, 2)), 2).shape == (2, 3, 2)
    for bad in (np.zeros((2, 3)), np.zeros(3), np.zeros((2, 3, 1)), np.zeros((0, 3, 2))):
        with pytest.raises(ValidationError, match="parameter 'x'"):
            validate_observations(bad, 2)
    x = np.zeros((2, 3))
    x[1, 1] = np.inf
    with pytest.raises(ValidationError, match="parameter 'x': must be finite"):
        validate_observations(x, 1)


def _moving_model(rng: np.random.Generator):
    """A stable 3-state, 2-output model started away from stationarity (m0 ≠ 0, P0 ≠ P∞)."""
    A = 0.8 * np.linalg.qr(rng.standard_normal((3, 3)))[0]
    C = rng.standard_normal((2, 3))
    Q, R = np.diag([0.3, 0.5, 0.2]), np.array([[0.2, 0.05], [0.05, 0.1]])
    return make_lgssm(A, C, Q, R, m0=[1.0, -2.0, 0.5], P0=np.diag([2.0, 0.1, 1.0]))


@pytest.mark.parametrize("t", [1, 2, 7])
def test_zero_predictor_risk_matches_the_joint_law(t):
    """Against the brute-force joint law of (x_1..x_t) (no recursion): E‖x_t‖² = tr Cov x_t +
    ‖E x_t‖²; a batch of models gives each model's value."""
    from chasm_theory.oracles.conditioning import joint_moments

    p = _moving_model(np.random.default_rng(t))
    J = joint_moments(p, t)
    last = slice((t - 1) * 2, t * 2)
    want = np.trace(J.S_xx[last, last]) + float(J.mu_x[last] @ J.mu_x[last])
    assert float(zero_predictor_risk(p, t)) == pytest.approx(want, rel=1e-12)
    q = _moving_model(np.random.default_rng(t + 10))
    both = LGSSMParams(*(np.stack([a, b]) for a, b in zip(p, q)))
    np.testing.assert_allclose(zero_predictor_risk(both, t),
                               [want, float(zero_predictor_risk(q, t))], rtol=1e-12)
    with pytest.raises(ValidationError, match="integer >= 1"):
        zero_predictor_risk(p, 0)


def test_zero_predictor_risk_matches_monte_carlo():
    """The exact value against the mean square of sampled x_t, within 5 standard errors."""
    from chasm_theory.oracles.tasks import sample_lgssm

    p, t = _moving_model(np.random.default_rng(0)), 5
    x = sample_lgssm(p, 40_000, t, np.random.default_rng(1)).x[:, t - 1]
    sq = (x ** 2).sum(-1)
    assert abs(sq.mean() - float(zero_predictor_risk(p, t))) < 5 * sq.std() / np.sqrt(sq.size)
