"""003 majority experiment: the model's spectral abscissa is pinned, its kernel form equals
the discretised recurrence, the task sampler is tie-free, and the verdict rule is computed."""

from __future__ import annotations

import numpy as np
import torch

from empirics.experiments.gen.majority import _sampler, wilson
from empirics.models.diagonal_ssm import SpectralLTI


def test_abscissa_is_pinned_exactly():
    for alpha in (-0.5, 0.0, 0.02):
        m = SpectralLTI(alpha)
        with torch.no_grad():
            m.r.mul_(-7.0)
        assert float(m.a.max().detach()) == float(np.float32(alpha))


def test_kernel_form_equals_recurrence():
    torch.manual_seed(0)
    m = SpectralLTI(-0.1, d=4).double()
    x = torch.randn(3, 17, 1, dtype=torch.float64)
    Ad = torch.exp(m.a.double())  # exp(ΔA), Δ = 1
    h = torch.zeros(3, 4, dtype=torch.float64)
    for t in range(17):
        h = Ad * h + m.B.double() * x[:, t]
    torch.testing.assert_close(m(x), m.C(h))


def test_majority_sampler_is_odd_and_labelled():
    g = torch.Generator().manual_seed(1)
    for _ in range(20):
        x, y = _sampler(31)(g, 64)
        assert x.shape[1] % 2 == 1 and x.shape[1] <= 31
        assert torch.equal(y, (x.sum(1) > 0).float())


def test_wilson_interval_covers_and_shrinks():
    lo, hi = wilson(0.6, 20000)
    assert lo < 0.6 < hi and hi - lo < 0.02
    lo2, hi2 = wilson(0.6, 200)
    assert hi2 - lo2 > 5 * (hi - lo)
