"""Transformer: causality, kernels against direct loops, RoPE, permutation behaviour."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from chasm_theory.errors import ValidationError
from empirics.models.count import count_params
from empirics.models.transformer import Transformer, TransformerConfig, apply_rope, sinusoidal_table

torch.set_default_dtype(torch.float32)


def _model(**kw):
    torch.manual_seed(0)
    cfg = TransformerConfig(d_in=2, d_out=1, d_model=8, max_len=16, **kw)
    return Transformer(cfg).double()


@pytest.mark.parametrize("attention", ["softmax", "linear-elu", "linear"])
@pytest.mark.parametrize("pe", ["none", "sinusoidal", "learned", "rope"])
def test_causal(attention, pe):
    m = _model(attention=attention, pe=pe, n_heads=2, mlp_hidden=8, layernorm=True, n_layers=2)
    x = torch.randn(3, 10, 2, dtype=torch.float64)
    y = m(x)
    x2 = x.clone()
    x2[:, 6:] = torch.randn(3, 4, 2, dtype=torch.float64)
    y2 = m(x2)
    assert y.shape == (3, 10, 1)
    torch.testing.assert_close(y[:, :6], y2[:, :6], rtol=0, atol=1e-12)
    assert not torch.allclose(y[:, 6:], y2[:, 6:])


def _loop_attention(m, x):
    """Direct per-position computation of one single-head attention layer + readout."""
    blk = m.blocks[0]
    h = m.embed(x)
    q, k, v = blk.attn.q(h), blk.attn.k(h), blk.attn.v(h)
    outs = []
    for t in range(x.shape[1]):
        if m.cfg.attention == "linear-elu":
            w = ((F.elu(q[:, t:t + 1]) + 1) * (F.elu(k[:, : t + 1]) + 1)).sum(-1)
            o = (w[..., None] * v[:, : t + 1]).sum(1) / w.sum(1, keepdim=True)
        elif m.cfg.attention == "linear":
            w = (q[:, t:t + 1] * k[:, : t + 1]).sum(-1)
            o = (w[..., None] * v[:, : t + 1]).sum(1) / (t + 1)
        else:
            w = torch.softmax((q[:, t:t + 1] * k[:, : t + 1]).sum(-1) / q.shape[-1] ** 0.5, dim=1)
            o = (w[..., None] * v[:, : t + 1]).sum(1)
        outs.append(o)
    a = blk.attn.o(torch.stack(outs, 1))
    return m.readout(h + a)


@pytest.mark.parametrize("attention", ["softmax", "linear-elu", "linear"])
def test_matches_loop(attention):
    m = _model(attention=attention)
    x = torch.randn(2, 7, 2, dtype=torch.float64)
    torch.testing.assert_close(m(x), _loop_attention(m, x), rtol=1e-10, atol=1e-10)


def test_rope_is_relative():
    """q_t·k_s after RoPE depends on t − s only."""
    torch.manual_seed(1)
    q = torch.randn(1, 1, 1, 4, dtype=torch.float64).expand(1, 1, 12, 4)
    k = torch.randn(1, 1, 1, 4, dtype=torch.float64).expand(1, 1, 12, 4)
    s = apply_rope(q) @ apply_rope(k).transpose(-1, -2)
    torch.testing.assert_close(s[0, 0, 5, 2], s[0, 0, 9, 6])
    torch.testing.assert_close(apply_rope(q).norm(dim=-1), q.norm(dim=-1))


def test_sinusoidal_table_values():
    pe = sinusoidal_table(5, 4)
    assert pe[0].tolist() == [0.0, 1.0, 0.0, 1.0]
    assert abs(pe[3, 2].item() - torch.sin(torch.tensor(3 / 100.0)).item()) < 1e-7


@pytest.mark.parametrize("attention", ["softmax", "linear-elu", "linear"])
def test_last_output_permutation_invariant_without_pe(attention):
    m = _model(attention=attention, n_heads=2, mlp_hidden=8)
    x = torch.randn(2, 9, 2, dtype=torch.float64)
    perm = torch.cat([torch.randperm(8), torch.tensor([8])])
    torch.testing.assert_close(m(x)[:, -1], m(x[:, perm])[:, -1], rtol=0, atol=1e-12)
    mp = _model(attention=attention, pe="learned")
    assert not torch.allclose(mp(x)[:, -1], mp(x[:, perm])[:, -1])


def test_param_counts_by_hand():
    d = 32
    base = TransformerConfig(d_in=1, d_out=1, d_model=d, attention="linear-elu")
    assert count_params(Transformer(base)) == (2 * d) + 4 * (d * d + d) + (d + 1)
    learned = TransformerConfig(d_in=1, d_out=1, d_model=d, pe="learned", max_len=512)
    assert count_params(Transformer(learned)) - count_params(Transformer(base)) == 512 * d
    sin = TransformerConfig(d_in=1, d_out=1, d_model=d, pe="sinusoidal")
    assert count_params(Transformer(sin)) == count_params(Transformer(base))


def test_validation():
    with pytest.raises(ValidationError, match="attention"):
        TransformerConfig(d_in=1, d_out=1, attention="cosine")
    with pytest.raises(ValidationError, match="n_heads"):
        TransformerConfig(d_in=1, d_out=1, d_model=10, n_heads=3)
    m = _model(pe="learned")
    with pytest.raises(ValidationError, match="max_len"):
        m(torch.randn(1, 20, 2, dtype=torch.float64))
