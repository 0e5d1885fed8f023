"""Selective scan: chunked log-depth scan vs the sequential loop, values and gradients in
float64."""
import pytest
import torch

from empirics.models.kronecker_ssm import matrix_prefix_products, matrix_prefix_products_ref
from empirics.models.mamba import (
    MambaBlock,
    MambaConfig,
    MambaModel,
    linear_scan,
    linear_scan_ref,
    selective_scan,
    selective_scan_ref,
)

torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("T,chunk", [(1, 4), (7, 4), (64, 64), (70, 16), (33, 1)])
def test_linear_scan_values_and_grads(T, chunk):
    g = torch.Generator().manual_seed(T)
    a = torch.rand(2, T, 3, 4, dtype=torch.float64, generator=g).requires_grad_()
    b = torch.randn(2, T, 3, 4, dtype=torch.float64, generator=g).requires_grad_()
    w = torch.randn(2, T, 3, 4, dtype=torch.float64, generator=g)
    h1, h2 = linear_scan(a, b, chunk), linear_scan_ref(a, b)
    torch.testing.assert_close(h1, h2, rtol=1e-12, atol=1e-12)
    g1 = torch.autograd.grad((h1 * w).sum(), (a, b))
    g2 = torch.autograd.grad((h2 * w).sum(), (a, b))
    for x, y in zip(g1, g2):
        torch.testing.assert_close(x, y, rtol=1e-11, atol=1e-11)


def test_selective_scan_matches_reference():
    g = torch.Generator().manual_seed(0)
    B, T, c, n = 2, 50, 5, 3
    x = torch.randn(B, T, c, dtype=torch.float64, generator=g)
    delta = torch.rand(B, T, c, dtype=torch.float64, generator=g)
    A = -torch.rand(c, n, dtype=torch.float64, generator=g) * 3
    Bm = torch.randn(B, T, n, dtype=torch.float64, generator=g)
    Cm = torch.randn(B, T, n, dtype=torch.float64, generator=g)
    D = torch.randn(c, dtype=torch.float64, generator=g)
    torch.testing.assert_close(selective_scan(x, delta, A, Bm, Cm, D, chunk=8),
                               selective_scan_ref(x, delta, A, Bm, Cm, D), rtol=1e-12, atol=1e-12)
    # explicit recurrence at one channel / state
    h = torch.zeros(B)
    for t in range(T):
        h = torch.exp(delta[:, t, 0] * A[0, 0]) * h + delta[:, t, 0] * Bm[:, t, 0] * x[:, t, 0]
    a2 = torch.exp(delta[..., :1, None] * A[:1])
    assert a2.shape == (B, T, 1, n)


def test_mamba_model_fast_equals_reference_with_gradients():
    torch.manual_seed(0)
    m = MambaModel(MambaConfig(d_model=8, d_state=4, expand=2, chunk=8), 3, 2, n_layers=2).double()
    x = torch.randn(2, 21, 3, dtype=torch.float64)
    y1, y2 = m(x), m(x, reference=True)
    torch.testing.assert_close(y1, y2, rtol=1e-12, atol=1e-12)
    g1 = torch.autograd.grad(y1.square().sum(), list(m.parameters()))
    g2 = torch.autograd.grad(y2.square().sum(), list(m.parameters()))
    for a, b in zip(g1, g2):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_mamba_is_causal():
    torch.manual_seed(1)
    m = MambaModel(MambaConfig(d_model=8, d_state=4), 3, 2)
    x = torch.randn(1, 16, 3)
    x2 = x.clone()
    x2[:, 10] += 5.0
    with torch.no_grad():
        d = (m(x) - m(x2)).abs().sum(-1)[0]
    assert d[:10].max() == 0 and d[10:].min() > 0


def test_token_model_and_block_shapes():
    m = MambaModel(MambaConfig(d_model=8), 0, 11, vocab=11)
    assert m(torch.randint(0, 11, (2, 5))).shape == (2, 5, 11)
    assert MambaBlock(MambaConfig(d_model=8))(torch.randn(2, 5, 8)).shape == (2, 5, 8)


def test_matrix_prefix_products_values_and_grads():
    F_ = (torch.randn(3, 37, 4, 4, dtype=torch.float64) * 0.5).requires_grad_()
    w = torch.randn(3, 37, 4, 4, dtype=torch.float64)
    a, b = matrix_prefix_products(F_), matrix_prefix_products_ref(F_)
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    ga = torch.autograd.grad((a * w).sum(), F_)[0]
    gb = torch.autograd.grad((b * w).sum(), F_)[0]
    torch.testing.assert_close(ga, gb, rtol=1e-10, atol=1e-12)
