"""SSM models, linear-Gaussian tasks and their Kalman oracles against independent references."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from chasm_theory.errors import ValidationError
from empirics.engine.training import step_generator
from empirics.models.count import count_params
from empirics.models.fixed_gain import FixedGainSSM
from empirics.models.nonselective_ssm import NonSelectiveSSM
from empirics.models.selective_ssm import (
    SelectiveSSM,
    SelectiveSSMConfig,
    selective_ssm_param_count,
)
from empirics.tasks.lg import (
    augmented_params,
    colored_noise_batch,
    kalman_predictions,
    riccati_limit,
    static_batch,
)


def test_selective_ssm_matches_explicit_recurrence_and_is_causal():
    torch.manual_seed(0)
    m = SelectiveSSM(SelectiveSSMConfig(d_in=2, d_out=3, n=4, width=5)).double()
    x = torch.randn(2, 7, 2, dtype=torch.float64)
    y = m(x)
    s = torch.nn.functional.silu(x @ m.U.weight.T + m.U.bias)
    h = torch.zeros(2, 4, dtype=torch.float64)
    for t in range(7):
        a = torch.tanh(s[:, t] @ m.WA.weight.T + m.WA.bias)
        B = (s[:, t] @ m.WB.weight.T + m.WB.bias).view(2, 4, 2)
        h = a * h + (B @ x[:, t, :, None])[..., 0]
        torch.testing.assert_close(y[:, t], h @ m.out.weight.T + m.out.bias)
    x2 = x.clone()
    x2[:, 4:] += 1.0
    torch.testing.assert_close(m(x2)[:, :4], y[:, :4], rtol=0, atol=0)


@pytest.mark.parametrize("w", [1, 9, 10, 17])
def test_selective_ssm_count_formula(w):
    cfg = SelectiveSSMConfig(width=w)
    assert count_params(SelectiveSSM(cfg)) == selective_ssm_param_count(cfg) == 34 * w + 49


def test_nonselective_ssm_is_a_fixed_convolution():
    torch.manual_seed(1)
    m = NonSelectiveSSM(SelectiveSSMConfig(n=3)).double()
    x = torch.randn(1, 6, 1, dtype=torch.float64)
    a = torch.tanh(m.a)
    kern = [(m.out.weight[0] * a ** j * m.B[:, 0]).sum() for j in range(6)]
    ref = [sum(kern[t - s] * x[0, s, 0] for s in range(t + 1)) + m.out.bias[0] for t in range(6)]
    torch.testing.assert_close(m(x)[0, :, 0], torch.stack(ref))


def test_fixed_gain_is_ewma_and_has_theorem3_variance():
    fg = FixedGainSSM(0.1)
    x = torch.arange(1.0, 6.0, dtype=torch.float64).view(1, 5, 1)
    ew = sum(0.1 * 0.9 ** (5 - i) * i for i in range(1, 6))
    assert fg(x)[0, -1, 0].item() == pytest.approx(ew)
    g = step_generator(0, 0)
    xs, th = static_batch(g, 20000, 200)
    err = fg(xs.double())[:, -1, 0] - th.double()
    # exact finite-k: γ/(2−γ)(1 − (1−γ)^{2k}) + (1−γ)^{2k}
    assert err.pow(2).mean().item() == pytest.approx(0.1 / 1.9, rel=0.04)
    with pytest.raises(ValidationError):
        FixedGainSSM(0.0)


def test_colored_noise_covariance_matches_theory():
    g = step_generator(1, 0)
    x, al = colored_noise_batch(g, 20000, 6, a=0.9, alpha=0.7)
    x = x[..., 0].double()
    cov = (x[:, 5] * x[:, 2]).mean().item()  # lag 3
    theory = 0.9 ** 3 / (1 - 0.81) + 0.7 ** 3
    assert cov == pytest.approx(theory, rel=0.05)
    assert x[:, 0].var().item() == pytest.approx(1 / 0.19 + 1, rel=0.05)
    with pytest.raises(ValidationError):
        colored_noise_batch(g, 2, 3, alpha=1.0)


def _joint_cov(a, alpha, T):
    lags = np.abs(np.subtract.outer(np.arange(T), np.arange(T)))
    return a ** lags / (1 - a * a) + alpha ** lags


@pytest.mark.parametrize("alpha", [0.0, 0.5, 0.95])
def test_kalman_predictions_equal_gaussian_conditioning(alpha):
    """Exact filter = E[x_{t+1} | x_1..t] from the joint covariance (independent oracle)."""
    T = 8
    S = _joint_cov(0.9, alpha, T + 1)
    rng = np.random.default_rng(0)
    x = rng.multivariate_normal(np.zeros(T + 1), S, size=5)[:, :, None]
    pred = kalman_predictions(x[:, :T], *augmented_params(0.9, alpha))
    for t in range(1, T + 1):
        w = np.linalg.solve(S[:t, :t], S[:t, t])
        np.testing.assert_allclose(pred[:, t - 1, 0], x[:, :t, 0] @ w, atol=1e-9)


def test_steady_state_filter_uses_the_riccati_limit_and_converges_to_exact():
    A, C, Q, R, P0 = augmented_params(0.9, 0.95)
    P = riccati_limit(A, C, Q, R, P0)
    S = C @ P @ C.T + R
    K = P @ C.T / S
    Pn = A @ (P - K @ C @ P) @ A.T + Q
    np.testing.assert_allclose(Pn, P, atol=1e-10)
    rng = np.random.default_rng(1)
    x = rng.multivariate_normal(np.zeros(300), _joint_cov(0.9, 0.95, 300), size=3)[:, :, None]
    ex = kalman_predictions(x, A, C, Q, R, P0)
    ss = kalman_predictions(x, A, C, Q, R, P0, steady=True)
    assert np.abs(ex[:, -1] - ss[:, -1]).max() < 1e-6
    assert np.abs(ex[:, 0] - ss[:, 0]).max() > 1e-3


def test_loglik_matches_multivariate_normal():
    from scipy.stats import multivariate_normal

    S = _joint_cov(0.9, 0.6, 5)
    x = np.random.default_rng(2).multivariate_normal(np.zeros(5), S, size=2)
    _, ll = kalman_predictions(x[:, :, None], *augmented_params(0.9, 0.6), return_loglik=True)
    for i in range(2):
        want = multivariate_normal(np.zeros(5), S).logpdf(x[i])
        assert ll[i, -1] == pytest.approx(want, rel=1e-9)
