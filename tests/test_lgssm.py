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
