"""Kronecker / general SSM, hybrids: counts, hand-set exactness, causality."""
import numpy as np
import pytest
import torch

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.product_tracking import MatrixLaw, running_products, sample_matrices
from empirics.models.count import count_params
from empirics.models.general_ssm import GeneralSSM
from empirics.models.hybrid import KronHybrid, MambaAttnHybrid
from empirics.models.kronecker_ssm import KroneckerSSM, handset_


def test_kronecker_count_is_the_papers():
    assert count_params(KroneckerSSM()) == 4760
    assert count_params(GeneralSSM()) == 5540


@pytest.mark.parametrize("scan", ["log", "loop"])
def test_handset_kronecker_ssm_tracks_products_in_float64(scan):
    M = sample_matrices(MatrixLaw(), 4, 300, np.random.default_rng(0))
    model = handset_(KroneckerSSM(scan=scan)).double()
    with torch.no_grad():
        y = model(torch.from_numpy(M.reshape(4, 300, 4))).numpy().reshape(4, 300, 2, 2)
    P = running_products(M)
    assert np.abs(y - P).max() <= 1e-13 * max(1.0, np.abs(P).max())


def test_untrained_kronecker_ssm_does_not_track():
    torch.manual_seed(0)
    M = sample_matrices(MatrixLaw(), 4, 50, np.random.default_rng(1))
    with torch.no_grad():
        x = torch.from_numpy(M.reshape(4, 50, 4)).float()
        y = KroneckerSSM()(x).numpy().reshape(4, 50, 2, 2)
    assert np.abs(y - running_products(M)).max() > 1e-2


def test_handset_needs_width():
    with pytest.raises(ValidationError):
        handset_(KroneckerSSM(hidden=4))


@pytest.mark.parametrize("make", [lambda: KroneckerSSM(), lambda: GeneralSSM(),
                                  lambda: KronHybrid(), lambda: MambaAttnHybrid(4, 4, max_len=64)])
def test_causal(make):
    torch.manual_seed(0)
    m = make()
    x = torch.randn(2, 24, 4) * 0.5
    x2 = x.clone()
    x2[:, 12] += 1.0
    with torch.no_grad():
        d = (m(x) - m(x2)).abs().sum(-1)
    assert d[:, :12].max() == 0 and d[:, 12:].max() > 0
