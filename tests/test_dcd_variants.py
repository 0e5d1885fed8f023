"""002's Simple AUSSM and two-layer Negative Mamba (empirics/models/diagonal_variants.py):
shapes, causality, eigenvalue ranges, and exact tracking with hand-set weights, checked against
the core's group oracles (Cayley-table products, the real-series cascade)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.diagonal_ssm import phase_codes
from chasm_theory.oracles.group_witnesses import real_series, series_cascade
from chasm_theory.oracles.groups import get_group
from empirics.engine.models import build_model
from empirics.models.diagonal_variants import SimpleAUSSMTracker, TwoLayerDiagonal
from empirics.tasks.groups import group_sampler

BIG = 40.0  # softplus(±40): Δ ≈ 40 (eigenvalue rounds to −1) or ≈ 4e-18 (rounds to +1)


def _words(name: str, T: int, batch: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    mult = torch.as_tensor(get_group(name).mult, dtype=torch.long)
    return group_sampler(mult, T)(torch.Generator().manual_seed(seed), batch)


@pytest.mark.parametrize("spec", [
    {"kind": "simple_aussm", "n": 6},
    {"kind": "simple_aussm", "n": 6, "delta": "scalar"},
    {"kind": "diag2", "layer": "neg", "n": 6},
])
def test_forward_shape_and_causality(spec):
    torch.manual_seed(0)
    m = build_model(spec)
    x = torch.randint(0, 6, (3, 17))
    y = m(x)
    assert y.shape == (3, 17, 6) and y.dtype == torch.float32
    x2 = x.clone()
    x2[:, 9:] = (x2[:, 9:] + 1) % 6  # change the future: outputs up to t = 8 must not move
    torch.testing.assert_close(m(x2)[:, :9], y[:, :9], rtol=0, atol=0)
    assert not torch.equal(m(x2)[:, 9:], y[:, 9:])


def test_simple_aussm_eigenvalues_on_unit_circle_and_scalar_reading_collinear():
    torch.manual_seed(1)
    tok = torch.arange(6).view(1, 6)
    for delta in ("coord", "scalar"):
        layer = SimpleAUSSMTracker(6, delta, d=8).layer
        a, _ = layer.coefficients(tok)
        torch.testing.assert_close(a.abs(), torch.ones_like(a.abs()))
        th = layer.angles(tok)[0]  # (6 tokens, 8 coordinates)
        ratio = th / layer.lam
        if delta == "scalar":  # θ(x) = Δ(x)·λ: one step per token, shared by all coordinates
            torch.testing.assert_close(ratio, ratio[:, :1].expand_as(ratio))
        else:
            assert ratio.std(1).min() > 0
    with pytest.raises(ValidationError):
        SimpleAUSSMTracker(6, "per-channel")


def _discrete_log(name: str) -> tuple[list[int], int]:
    """k(x) with x = g^k(x) for a generator g of the cyclic group ``name``; its order."""
    G = get_group(name)
    g = next(i for i in range(G.order) if G.element_order(i) == G.order)
    k = {G.power(g, j): j for j in range(G.order)}
    return [k[i] for i in range(G.order)], G.order


@pytest.mark.parametrize("delta", ["coord", "scalar"])
@pytest.mark.parametrize("name", ["C2", "C6", "C24"])
def test_simple_aussm_tracks_cyclic_groups_with_handset_weights(delta, name):
    """Δ(x) = k(x) (or n for k = 0), λ = 2π/n, b = 0, h0 = 1: the phase of h_t is 2π/n times
    the exponent of the running product, in float32 over 1000 steps."""
    k, n = _discrete_log(name)
    m = SimpleAUSSMTracker(n, delta, d=1)
    with torch.no_grad():
        steps = torch.tensor([float(v or n) for v in k]).view(n, 1)
        m.layer.delta_raw.copy_(torch.log(torch.expm1(steps)))
        m.layer.lam.fill_(2 * math.pi / n)
        m.layer.b_re.zero_()
        m.layer.b_im.zero_()
        m.layer.h0.zero_()
        m.layer.h0[0] = 1.0
        x, y = _words(name, 1000, 16)
        h = m.layer(x)
    G = get_group(name)
    g = k.index(1)
    dec = np.vectorize(lambda c: G.power(g, int(c)))(phase_codes(h.numpy(), np.array([n])))
    assert (dec == y.numpy()).all()


def _handset_c2xc4() -> tuple[TwoLayerDiagonal, object]:
    """TwoLayerDiagonal("neg") set from the core's real-series cascade for C2×C4 (every
    eigenvalue ±1): layer-1 codes = soft read-out slots, layer-2 tables by (token, code), and a
    ReLU decoder that fires one hidden unit per (code1, code2) pattern."""
    G = get_group("C2xC4")
    cas = series_cascade(G, real_series(G))
    l1, l2 = cas.layers
    assert len(cas.layers) == 2 and set(l1.orders) == {2} and set(l2.orders) == {2}
    d1, d2 = l1.d, l2.d
    K1, K2 = 2 ** d1, 2 ** d2
    m = TwoLayerDiagonal(G.order, "neg", d1=d1, d2=d2, k_mix=K1, hidden=K1 * K2)

    def signs(code: int, d: int) -> list[float]:
        return [1.0 if (code >> j) & 1 == 0 else -1.0 for j in range(d)]

    with torch.no_grad():
        for layer in (m.l1, m.l2):
            layer.lam_raw.fill_(1.0)
            layer.b_re.zero_()
            layer.h0.zero_()
            layer.h0[0] = 1.0
        for x in range(G.order):
            m.l1.delta_raw[x, 0] = torch.tensor([BIG if v == -1 else -BIG for v in l1.a[x].real])
            for c in range(K1):
                row = l2.a[x * l2.table.shape[0] + l1.table[0, c]].real
                m.l2.delta_raw[x, c] = torch.tensor([BIG if v == -1 else -BIG for v in row])
        m.read1.weight.zero_()
        m.read1.bias.zero_()
        for c in range(K1):
            m.read1.weight[c, :d1] = 20.0 * torch.tensor(signs(c, d1))
        lin1, lin2 = m.dec[0], m.dec[2]
        lin1.weight.zero_()
        lin2.weight.zero_()
        lin2.bias.zero_()
        for c1 in range(K1):
            for c2 in range(K2):
                u = c1 * K2 + c2
                lin1.weight[u, :d1] = torch.tensor(signs(c1, d1))
                lin1.weight[u, 2 * d1:2 * d1 + d2] = torch.tensor(signs(c2, d2))
                lin1.bias[u] = -(d1 + d2 - 1)  # 1 on the matching pattern, 0 elsewhere
                lin2.weight[int(l2.table[l1.table[0, c1], c2]), u] = 10.0
    return m, cas


def test_two_layer_neg_mamba_tracks_c2xc4_with_handset_weights():
    """002's ablation: 'C2 × C4 | Neg Mamba | ✘ | 360 | Two layers capable'. The torch model with
    eigenvalues 2exp(−Δλ) − 1 (rounded to ±1 in float32) predicts every running product of
    64 words of length 2000 exactly."""
    m, _ = _handset_c2xc4()
    x, y = _words("C2xC4", 2000, 64, seed=3)
    with torch.no_grad():
        h1, p1, h2 = m.states(x)
        a1, _ = m.l1.coefficients(x, None)
        assert set(a1.real.unique().tolist()) <= {-1.0, 1.0} and (a1.real == -1).any()
        assert (m(x).argmax(-1) == y).all()
    assert torch.equal(h1.abs(), torch.ones_like(h1.abs()))  # no decay: the state is ±1
    assert torch.equal(h2.abs(), torch.ones_like(h2.abs()))


def test_neg_eigenvalues_cover_negative_reals_and_first_layer_alone_cannot_separate():
    """Random init: eigenvalues real in (−1, 1) with negative ones present. Hand-set layer 1
    alone: its state is the same for the identity and the square of the C4 generator (the
    common kernel of all ±1 characters), so the second layer is needed."""
    torch.manual_seed(2)
    a, _ = TwoLayerDiagonal(8, "neg").l1.coefficients(torch.arange(8).view(1, 8), None)
    assert torch.all(a.imag == 0) and a.real.min() < 0 and a.real.max() < 1 and a.real.min() > -1
    m, cas = _handset_c2xc4()
    G = get_group("C2xC4")
    sq = next(i for i in range(G.order) if i and any(G.mult[j, j] == i for j in range(G.order)))
    with torch.no_grad():
        h = m.l1(torch.tensor([[sq]]))
    assert torch.equal(h[0, 0], m.l1(torch.tensor([[0]]))[0, 0])
