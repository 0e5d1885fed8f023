"""Fast kernels against their plain references in float64: values and gradients (scans with a
hand-written backward, chunked causal linear attention), the per-device kernel choice, and the
models that use them (every implementation gives the same numbers)."""
import pytest
import torch

from chasm_theory.errors import ValidationError
from empirics.models.diagonal_ssm import DiagonalLayer
from empirics.models.kernels import (
    force_impl,
    linear_scan,
    linear_scan_logdepth,
    linear_scan_ref,
    linear_scan_seq,
    select_impl,
    selective_scan_seq,
)
from empirics.models.linear_attention import (
    causal_linear_attention_chunked,
    causal_linear_attention_ref,
)
from empirics.models.mamba import MambaConfig, MambaModel, selective_scan, selective_scan_ref
from empirics.models.nonselective_ssm import NonSelectiveSSM
from empirics.models.selective_ssm import SelectiveSSM, SelectiveSSMConfig
from empirics.models.transformer import Transformer, TransformerConfig

pytestmark = pytest.mark.torch
F64 = torch.float64


def _grads(out: torch.Tensor, w: torch.Tensor, inputs) -> list[torch.Tensor]:
    """Gradients of the random scalar loss Re Σ w ⊙ out."""
    return list(torch.autograd.grad((out * w).real.sum(), inputs))


def _close(xs, ys, rtol: float = 1e-10) -> None:
    for x, y in zip(xs, ys, strict=True):
        scale = max(float(y.detach().abs().max()), 1.0)
        torch.testing.assert_close(x, y, rtol=rtol, atol=rtol * scale)


# ----------------------------------------------------------------------------- linear scans


@pytest.mark.parametrize("T", [1, 5, 64, 70])
@pytest.mark.parametrize("dtype", [F64, torch.complex128])
@pytest.mark.parametrize("with_h0", [False, True])
def test_linear_scan_seq_values_and_grads(T, dtype, with_h0):
    g = torch.Generator().manual_seed(T)
    a = torch.rand(3, T, 2, 4, dtype=dtype, generator=g).requires_grad_()
    b = torch.randn(3, T, 2, 4, dtype=dtype, generator=g).requires_grad_()
    h0 = torch.randn(3, 2, 4, dtype=dtype, generator=g).requires_grad_() if with_h0 else None
    w = torch.randn(3, T, 2, 4, dtype=dtype, generator=g)
    inputs = [a, b] + ([h0] if with_h0 else [])
    h1, h2 = linear_scan_seq(a, b, h0), linear_scan_ref(a, b, h0)
    _close([h1], [h2], 1e-12)
    _close(_grads(h1, w, inputs), _grads(h2, w, inputs))


def test_linear_scan_seq_gradcheck_with_broadcast_coefficient():
    g = torch.Generator().manual_seed(0)
    a = torch.rand(4, dtype=F64, generator=g).requires_grad_()  # one a for every step (nonsel)
    b = torch.randn(2, 6, 4, dtype=F64, generator=g).requires_grad_()
    h0 = torch.randn(2, 4, dtype=F64, generator=g).requires_grad_()
    assert torch.autograd.gradcheck(linear_scan_seq, (a, b, h0))
    za = torch.rand(2, 5, 3, dtype=torch.complex128, generator=g).requires_grad_()
    zb = torch.randn(2, 5, 3, dtype=torch.complex128, generator=g).requires_grad_()
    assert torch.autograd.gradcheck(linear_scan_seq, (za, zb))


@pytest.mark.parametrize("T,chunk", [(1, 4), (3, 8), (7, 4), (64, 64), (70, 16)])
def test_linear_scan_logdepth_values_and_grads(T, chunk):
    g = torch.Generator().manual_seed(T)
    a = torch.rand(2, T, 3, dtype=F64, generator=g).requires_grad_()
    b = torch.randn(2, T, 3, dtype=F64, generator=g).requires_grad_()
    w = torch.randn(2, T, 3, dtype=F64, generator=g)
    h1, h2 = linear_scan_logdepth(a, b, chunk), linear_scan_ref(a, b)
    _close([h1], [h2], 1e-12)
    _close(_grads(h1, w, [a, b]), _grads(h2, w, [a, b]))


@pytest.mark.parametrize("impl", ["sequential", "logdepth", "reference"])
def test_linear_scan_every_impl_same_numbers(impl):
    g = torch.Generator().manual_seed(1)
    a = torch.rand(2, 37, 5, dtype=torch.complex128, generator=g).requires_grad_()
    b = torch.randn(2, 37, 5, dtype=torch.complex128, generator=g).requires_grad_()
    h0 = torch.randn(2, 5, dtype=torch.complex128, generator=g).requires_grad_()
    w = torch.randn(2, 37, 5, dtype=torch.complex128, generator=g)
    with force_impl("scan", impl):
        h1 = linear_scan(a, b, chunk=8, h0=h0)
    h2 = linear_scan_ref(a, b, h0)
    _close([h1], [h2], 1e-12)
    _close(_grads(h1, w, [a, b, h0]), _grads(h2, w, [a, b, h0]))


# ----------------------------------------------------------------------------- Mamba scan


def _mamba_inputs(T: int, seed: int = 0, B: int = 2, c: int = 3, n: int = 4):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(B, T, c, dtype=F64, generator=g)
    delta = torch.rand(B, T, c, dtype=F64, generator=g)
    A = -torch.rand(c, n, dtype=F64, generator=g) * 3
    Bm = torch.randn(B, T, n, dtype=F64, generator=g)
    Cm = torch.randn(B, T, n, dtype=F64, generator=g)
    return [t.requires_grad_() for t in (x, delta, A, Bm, Cm)]


@pytest.mark.parametrize("T", [1, 2, 3, 8, 33, 70])
def test_selective_scan_seq_values_and_grads(T):
    ins = _mamba_inputs(T, seed=T)
    D = torch.zeros(3, dtype=F64)
    y1, y2 = selective_scan_seq(*ins), selective_scan_ref(*ins, D)
    _close([y1], [y2], 1e-12)
    w = torch.randn(y1.shape, dtype=F64, generator=torch.Generator().manual_seed(9))
    _close(_grads(y1, w, ins), _grads(y2, w, ins))


def test_selective_scan_seq_gradcheck():
    ins = _mamba_inputs(7, seed=3, c=2, n=3)
    assert torch.autograd.gradcheck(selective_scan_seq, tuple(ins))


@pytest.mark.parametrize("impl", ["sequential", "logdepth", "reference"])
def test_selective_scan_every_impl_same_numbers(impl):
    ins = _mamba_inputs(45, seed=5)
    D = torch.randn(3, dtype=F64).requires_grad_()
    with force_impl("scan", impl):
        y1 = selective_scan(*ins, D, chunk=16)
    y2 = selective_scan_ref(*ins, D)
    _close([y1], [y2], 1e-12)
    w = torch.randn(y1.shape, dtype=F64, generator=torch.Generator().manual_seed(2))
    _close(_grads(y1, w, ins + [D]), _grads(y2, w, ins + [D]))


# ----------------------------------------------------------------------------- kernel choice


def test_select_impl_by_device_and_forced():
    assert select_impl("scan", "cpu") == "sequential"
    assert select_impl("scan", torch.device("cuda", 0)) == "logdepth"  # no GPU needed
    assert select_impl("attention", "cpu") == select_impl("attention", "cuda") == "chunked"
    with force_impl("scan", "reference"):
        assert select_impl("scan", "cpu") == select_impl("scan", "cuda") == "reference"
        with force_impl("scan", "logdepth"):
            assert select_impl("scan", "cpu") == "logdepth"
        assert select_impl("scan", "cpu") == "reference"
    assert select_impl("scan", "cpu") == "sequential"
    with pytest.raises(ValidationError):
        select_impl("conv", "cpu")
    with pytest.raises(ValidationError), force_impl("scan", "chunked"):
        pass


def test_models_follow_the_choice(monkeypatch):
    """The model calls whatever the selector names: with the selector answering "logdepth"
    (as on CUDA) the log-depth path runs, with "sequential" the fused scan."""
    import empirics.models.mamba as mamba_mod
    calls = []
    for name in ("selective_scan_seq", "selective_scan_logdepth"):
        fn = getattr(mamba_mod, name)
        monkeypatch.setattr(mamba_mod, name,
                            lambda *a, _f=fn, _n=name, **k: calls.append(_n) or _f(*a, **k))
    torch.manual_seed(0)
    m = MambaModel(MambaConfig(d_model=8, d_state=4), 2, 2)
    x = torch.randn(1, 5, 2)
    for device_answer in ("logdepth", "sequential"):
        monkeypatch.setattr(mamba_mod, "select_impl", lambda kernel, dev, _a=device_answer: _a)
        m(x)
    assert calls == ["selective_scan_logdepth", "selective_scan_seq"]


# ----------------------------------------------------------------------------- models


def _all_impls_agree(model: torch.nn.Module, x: torch.Tensor, kernel: str, impls, rtol: float):
    params = list(model.parameters())
    outs = []
    for impl in impls:
        with force_impl(kernel, impl):
            y = model(x)
        w = torch.randn(y.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
        outs.append((y, _grads(y, w.to(y.dtype), params)))
    for y, gr in outs[1:]:
        _close([y] + gr, [outs[0][0]] + outs[0][1], rtol)


@pytest.mark.parametrize("T", [1, 21, 70])
def test_mamba_model_all_scans_agree_float64(T):
    torch.manual_seed(0)
    m = MambaModel(MambaConfig(d_model=8, d_state=4, expand=2, chunk=8), 3, 2, n_layers=2).double()
    x = torch.randn(2, T, 3, dtype=F64)
    _all_impls_agree(m, x, "scan", ("reference", "sequential", "logdepth"), 1e-10)


def test_mamba_model_float32_fast_equals_reference_to_rounding():
    torch.manual_seed(1)
    m = MambaModel(MambaConfig(d_model=16, d_state=8), 3, 2)
    x = torch.randn(4, 100, 3)
    _all_impls_agree(m, x, "scan", ("reference", "sequential", "logdepth"), 2e-5)


@pytest.mark.parametrize("cls", [SelectiveSSM, NonSelectiveSSM])
def test_lg_ssms_all_scans_agree(cls):
    torch.manual_seed(2)
    m = cls(SelectiveSSMConfig(d_in=2, d_out=3, n=5, width=4)).double()
    _all_impls_agree(m, torch.randn(3, 33, 2, dtype=F64), "scan",
                     ("reference", "sequential", "logdepth"), 1e-10)


@pytest.mark.parametrize("kind", ["mamba", "neg", "aussm"])
def test_diagonal_layer_all_scans_agree(kind):
    torch.manual_seed(3)
    layer = DiagonalLayer(5, 4, kind)
    with torch.no_grad():
        layer.h0.normal_()
    tokens = torch.randint(0, 5, (2, 19))

    class Real(torch.nn.Module):  # real features of the complex states
        def forward(self, t: torch.Tensor) -> torch.Tensor:
            h = layer(t)
            return torch.cat([h.real, h.imag], -1)

    wrapped = Real()
    wrapped.layer = layer
    _all_impls_agree(wrapped, tokens, "scan", ("reference", "sequential", "logdepth"), 2e-5)


# ----------------------------------------------------------------------------- linear attention


@pytest.mark.parametrize("kind", ["linear-elu", "linear"])
@pytest.mark.parametrize("T,chunk", [(1, 4), (3, 8), (8, 4), (37, 8), (64, 16), (70, 64)])
def test_chunked_linear_attention_values_and_grads(kind, T, chunk):
    g = torch.Generator().manual_seed(T + chunk)
    q, k = (torch.randn(2, 3, T, 4, dtype=F64, generator=g).requires_grad_() for _ in range(2))
    v = torch.randn(2, 3, T, 5, dtype=F64, generator=g).requires_grad_()
    w = torch.randn(2, 3, T, 5, dtype=F64, generator=g)
    o1 = causal_linear_attention_chunked(q, k, v, kind, chunk)
    o2 = causal_linear_attention_ref(q, k, v, kind)
    _close([o1], [o2], 1e-12)
    _close(_grads(o1, w, [q, k, v]), _grads(o2, w, [q, k, v]))


@pytest.mark.parametrize("kind", ["linear-elu", "linear"])
def test_chunked_linear_attention_gradcheck(kind):
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, 1, 5, 2, dtype=F64, generator=g).requires_grad_() for _ in range(3))
    assert torch.autograd.gradcheck(
        lambda a, b, c: causal_linear_attention_chunked(a, b, c, kind, 2), (q, k, v))


def test_chunked_linear_attention_is_causal():
    g = torch.Generator().manual_seed(1)
    q, k, v = (torch.randn(1, 1, 20, 4, dtype=F64, generator=g) for _ in range(3))
    k2, v2 = k.clone(), v.clone()
    k2[..., 13, :] += 3.0
    v2[..., 13, :] -= 2.0
    for kind in ("linear-elu", "linear"):
        d = (causal_linear_attention_chunked(q, k, v, kind, 4)
             - causal_linear_attention_chunked(q, k2, v2, kind, 4)).abs().sum(-1)[0, 0]
        assert d[:13].max() == 0 and d[13:].min() > 0


@pytest.mark.parametrize("attention,d_model,heads", [("linear-elu", 32, 1), ("linear", 16, 1),
                                                     ("linear-elu", 16, 4)])
@pytest.mark.parametrize("T", [1, 50, 130])
def test_transformer_chunked_equals_quadratic(attention, d_model, heads, T):
    torch.manual_seed(5)
    m = Transformer(TransformerConfig(d_in=2, d_out=3, d_model=d_model, n_heads=heads,
                                      attention=attention, mlp_hidden=8, layernorm=True))
    _all_impls_agree(m.double(), torch.randn(2, T, 2, dtype=F64), "attention",
                     ("quadratic", "chunked"), 1e-10)


def test_transformer_float32_chunked_equals_quadratic_to_rounding():
    torch.manual_seed(6)
    m = Transformer(TransformerConfig(d_in=1, d_out=1, d_model=32, attention="linear-elu",
                                      attn_bias=False, attn_out_proj=False))
    _all_impls_agree(m, torch.randn(4, 200, 1), "attention", ("quadratic", "chunked"), 2e-5)


def test_transformer_state_dict_keys_unchanged():
    m = Transformer(TransformerConfig(d_in=1, d_out=1, d_model=16, attention="linear",
                                      mlp_hidden=8, layernorm=True))
    assert sorted(m.state_dict()) == sorted(
        ["embed.weight", "embed.bias", "blocks.0.attn.q.weight", "blocks.0.attn.q.bias",
         "blocks.0.attn.k.weight", "blocks.0.attn.k.bias", "blocks.0.attn.v.weight",
         "blocks.0.attn.v.bias", "blocks.0.attn.o.weight", "blocks.0.attn.o.bias",
         "blocks.0.ln1.weight", "blocks.0.ln1.bias", "blocks.0.mlp.0.weight",
         "blocks.0.mlp.0.bias", "blocks.0.mlp.2.weight", "blocks.0.mlp.2.bias",
         "blocks.0.ln2.weight", "blocks.0.ln2.bias", "ln_f.weight", "ln_f.bias",
         "readout.weight", "readout.bias"])


def test_state_dict_keys_of_the_ssms_unchanged():
    mamba = MambaModel(MambaConfig(d_model=8, d_state=4), 2, 3)
    assert sorted(mamba.state_dict()) == sorted(
        ["embed.weight", "embed.bias", "blocks.0.in_proj.weight", "blocks.0.conv.weight",
         "blocks.0.conv.bias", "blocks.0.x_proj.weight", "blocks.0.dt_proj.weight",
         "blocks.0.dt_proj.bias", "blocks.0.A_log", "blocks.0.D", "blocks.0.out_proj.weight",
         "norms.0.weight", "norms.0.bias", "ln_f.weight", "ln_f.bias", "readout.weight",
         "readout.bias"])
    ssm = SelectiveSSM(SelectiveSSMConfig())
    assert sorted(ssm.state_dict()) == sorted(
        ["U.weight", "U.bias", "WA.weight", "WA.bias", "WB.weight", "WB.bias", "out.weight",
         "out.bias"])
    assert sorted(DiagonalLayer(3, 4, "mamba").state_dict()) == sorted(
        ["delta_raw", "lam_raw", "b_re", "h0"])


def test_selective_scan_seq_keeps_nan_and_inf():
    """The compiled kernel assumes no finite math: a non-finite input shows in the output (a
    diverging run is seen as one)."""
    x, delta, A, Bm, Cm = (t.detach() for t in _mamba_inputs(6, seed=7))
    x[0, 2, 1] = float("nan")
    Bm[1, 3, 0] = float("inf")
    y = selective_scan_seq(x, delta, A, Bm, Cm)
    assert torch.isnan(y[0, 2:, 1]).all() and torch.isfinite(y[0, :2]).all()
    assert not torch.isfinite(y[1, 3:]).all() and torch.isfinite(y[1, :3]).all()
