"""The one model registry: a model spec (a JSON-able dict with a ``kind``) -> an ``nn.Module``.

Kinds: ``ssm`` / ``nonsel`` (000 selective / non-selective SSM: n, width), ``tf`` (Transformer:
TransformerConfig fields), ``kron`` / ``general`` / ``kron_hybrid`` (product tracking),
``mamba`` (MambaConfig fields + n_layers, vocab), ``mamba_attn`` (App D hybrid), ``tracker``
(002 group trackers: model ∈ mamba | neg | aussm | rnn, n), ``aussm2`` (002's two-layer AUSSM on
S3: init random | near-solution, noise), ``spectral_lti`` (003: alpha, d), ``simple_aussm``
(002's Simple AUSSM: n, delta coord | scalar, d), ``diag2`` (two diagonal layers: layer
mamba | neg | aussm, n, d1, d2, k_mix; 002's two-layer Negative Mamba).
Constructors take their own random draws from torch's global RNG: seed it first
(:func:`empirics.engine.runs.initial_model` does).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from chasm_theory.errors import ValidationError

__all__ = ["build_model", "MODEL_KINDS"]


def _kw(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k != "kind"}


def _ssm(spec: dict[str, Any], d_in: int, d_out: int, seed: int) -> nn.Module:
    from empirics.models.nonselective_ssm import NonSelectiveSSM
    from empirics.models.selective_ssm import SelectiveSSM, SelectiveSSMConfig

    cfg = SelectiveSSMConfig(d_in=d_in, d_out=d_out, n=spec["n"], width=spec["width"])
    return SelectiveSSM(cfg) if spec["kind"] == "ssm" else NonSelectiveSSM(cfg)


def _tf(spec: dict[str, Any], d_in: int, d_out: int, seed: int) -> nn.Module:
    from empirics.models.transformer import Transformer, TransformerConfig

    return Transformer(TransformerConfig(d_in=d_in, d_out=d_out, **_kw(spec)))


def _kron(spec: dict[str, Any], d_in: int, d_out: int, seed: int) -> nn.Module:
    from empirics.models.kronecker_ssm import KroneckerSSM

    return KroneckerSSM(d_in, d_out, **_kw(spec))


def _general(spec: dict[str, Any], d_in: int, d_out: int, seed: int) -> nn.Module:
    from empirics.models.general_ssm import GeneralSSM

    return GeneralSSM(d_in, d_out, **_kw(spec))


def _kron_hybrid(spec: dict[str, Any], d_in: int, d_out: int, seed: int) -> nn.Module:
    from empirics.models.hybrid import KronHybrid

    return KronHybrid(d_in, d_out, **_kw(spec))


def _mamba(spec: dict[str, Any], d_in: int, d_out: int, seed: int) -> nn.Module:
    from empirics.models.mamba import MambaConfig, MambaModel

    kw = _kw(spec)
    n_layers = kw.pop("n_layers", 1)
    vocab = kw.pop("vocab", None)
    return MambaModel(MambaConfig(**kw), d_in, d_out, n_layers=n_layers, vocab=vocab)


def _mamba_attn(spec: dict[str, Any], d_in: int, d_out: int, seed: int) -> nn.Module:
    from empirics.models.hybrid import MambaAttnHybrid

    return MambaAttnHybrid(d_in, d_out, **_kw(spec))


def _tracker(spec: dict[str, Any], d_in: int, d_out: int, seed: int) -> nn.Module:
    from empirics.models.diagonal_ssm import build_tracker

    return build_tracker(spec["model"], int(spec["n"]))


def _aussm2(spec: dict[str, Any], d_in: int, d_out: int, seed: int) -> nn.Module:
    from chasm_theory.oracles.group_witnesses import s3_coordinates
    from chasm_theory.oracles.groups import get_group
    from empirics.models.diagonal_ssm import TwoLayerAUSSM

    model = TwoLayerAUSSM(6)
    if spec.get("init", "random") == "near-solution":
        coords = s3_coordinates(get_group("S3"), "sigma-rho")
        alpha = torch.tensor([coords[i][0] for i in range(6)])
        beta = torch.tensor([coords[i][1] for i in range(6)])
        model.init_near_solution(alpha, beta, float(spec["noise"]),
                                 torch.Generator().manual_seed(int(seed)))
    return model


def _simple_aussm(spec: dict[str, Any], d_in: int, d_out: int, seed: int) -> nn.Module:
    from empirics.models.diagonal_variants import SimpleAUSSMTracker

    return SimpleAUSSMTracker(int(spec["n"]), spec.get("delta", "coord"), d=int(spec.get("d", 32)))


def _diag2(spec: dict[str, Any], d_in: int, d_out: int, seed: int) -> nn.Module:
    from empirics.models.diagonal_variants import TwoLayerDiagonal

    n = int(spec["n"])
    return TwoLayerDiagonal(n, spec.get("layer", "neg"), d1=int(spec.get("d1", 32)),
                            d2=int(spec.get("d2", 32)), k_mix=int(spec.get("k_mix", n)))


def _spectral_lti(spec: dict[str, Any], d_in: int, d_out: int, seed: int) -> nn.Module:
    from empirics.models.diagonal_ssm import SpectralLTI

    return SpectralLTI(float(spec["alpha"]), d=int(spec["d"]))


MODEL_KINDS: dict[str, Callable[[dict[str, Any], int, int, int], nn.Module]] = {
    "ssm": _ssm, "nonsel": _ssm, "tf": _tf, "kron": _kron, "general": _general,
    "kron_hybrid": _kron_hybrid, "mamba": _mamba, "mamba_attn": _mamba_attn,
    "tracker": _tracker, "aussm2": _aussm2, "spectral_lti": _spectral_lti,
    "simple_aussm": _simple_aussm, "diag2": _diag2,
}


def build_model(spec: dict[str, Any], d_in: int = 1, d_out: int = 1, seed: int = 0) -> nn.Module:
    """The module of ``spec`` for inputs of width ``d_in`` and outputs of width ``d_out``
    (``seed``: only for kinds whose initialisation draws from an explicit generator)."""
    kind = spec.get("kind")
    if kind not in MODEL_KINDS:
        raise ValidationError("spec.kind", f"must be one of {', '.join(MODEL_KINDS)}", repr(kind))
    return MODEL_KINDS[kind](spec, int(d_in), int(d_out), int(seed))
