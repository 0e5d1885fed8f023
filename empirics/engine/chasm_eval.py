"""Shared machinery of the chasm experiments (Exp VI, VII, VIII, App D): model specs as data,
seeded training, and confidence intervals over seeds *and* test sequences.

CIs are hierarchical percentile bootstraps: resample the training seeds, then the test
sequences within each resampled seed; they therefore include seed-to-seed training variance
(with 2–3 seeds in the quick profile they are wide, which is the honest answer).
"""
from __future__ import annotations

import zlib
from typing import Any, Callable

import numpy as np
import torch
from torch import Tensor, nn

from chasm_theory._experiments import RunEnv
from chasm_theory.errors import ValidationError
from empirics.models.count import count_params
from empirics.engine.training import TrainConfig, seed_everything, train

__all__ = ["build_model", "fit", "hier_ci", "paired_ratio_ci", "paired_diff_ci", "model_seed",
           "finite_or_none", "one_thread"]


def build_model(spec: dict[str, Any], d_in: int, d_out: int) -> nn.Module:
    """A model from a JSON-able spec ``{"kind": ..., **kwargs}``."""
    kind = spec["kind"]
    kw = {k: v for k, v in spec.items() if k != "kind"}
    if kind == "kron":
        from empirics.models.kronecker_ssm import KroneckerSSM
        return KroneckerSSM(d_in, d_out, **kw)
    if kind == "general":
        from empirics.models.general_ssm import GeneralSSM
        return GeneralSSM(d_in, d_out, **kw)
    if kind == "kron_hybrid":
        from empirics.models.hybrid import KronHybrid
        return KronHybrid(d_in, d_out, **kw)
    if kind == "tf":
        from empirics.models.transformer import Transformer, TransformerConfig
        return Transformer(TransformerConfig(d_in=d_in, d_out=d_out, **kw))
    if kind == "mamba":
        from empirics.models.mamba import MambaConfig, MambaModel
        n_layers = kw.pop("n_layers", 1)
        vocab = kw.pop("vocab", None)
        return MambaModel(MambaConfig(**kw), d_in, d_out, n_layers=n_layers, vocab=vocab)
    if kind == "mamba_attn":
        from empirics.models.hybrid import MambaAttnHybrid
        return MambaAttnHybrid(d_in, d_out, **kw)
    raise ValidationError("spec.kind", "unknown model kind", repr(kind))


class one_thread:
    """Run torch on one CPU thread inside the block (small models on a shared 2-core machine
    are faster single-threaded); restores the previous setting."""

    def __enter__(self) -> "one_thread":
        self.prev = torch.get_num_threads()
        torch.set_num_threads(1)
        return self

    def __exit__(self, *exc: Any) -> None:
        torch.set_num_threads(self.prev)


def model_seed(name: str, seed: int) -> int:
    return (zlib.crc32(name.encode()) + 7919 * int(seed)) & 0x7FFFFFFF


def fit(name: str, spec: dict[str, Any], d_in: int, d_out: int, sampler: Callable,
        loss_fn: Callable[[Tensor, Tensor], Tensor], tc: dict[str, Any], env: RunEnv,
        seed: int) -> tuple[nn.Module, dict[str, Any]]:
    """Build (seeded) and train one model; returns (model in eval mode, training log)."""
    s = model_seed(name, seed)
    seed_everything(s)
    model = build_model(spec, d_in, d_out)
    log = train(model, sampler, loss_fn, TrainConfig(**tc), env=env, name=f"{name}-s{seed}", seed=s)
    log = {k: log[k] for k in ("steps", "wall_s", "final_loss", "resumed_from")} | {
        "curve": log["curve"], "n_params": count_params(model)}
    return model, log


def finite_or_none(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _boot_idx(rng: np.random.Generator, n_seeds: int, n_units: int, n_boot: int
              ) -> tuple[np.ndarray, np.ndarray]:
    si = rng.integers(0, n_seeds, size=(n_boot, n_seeds))
    ui = rng.integers(0, n_units, size=(n_boot, n_seeds, n_units))
    return si, ui


def hier_ci(per_seed: np.ndarray, n_boot: int = 1000, level: float = 0.95, seed: int = 0
            ) -> dict[str, float]:
    """Mean and hierarchical-bootstrap CI of values (n_seeds, n_units)."""
    v = np.asarray(per_seed, dtype=float)
    if v.ndim != 2:
        raise ValidationError("per_seed", "must be (n_seeds, n_units)", str(v.shape))
    if not np.all(np.isfinite(v)):
        return {"est": float("inf"), "lo": float("inf"), "hi": float("inf"), "level": level}
    rng = np.random.default_rng(seed)
    si, ui = _boot_idx(rng, *v.shape, n_boot)
    boots = v[si[..., None], ui].mean(axis=(1, 2))
    q = (1 - level) / 2
    lo, hi = np.quantile(boots, [q, 1 - q])
    return {"est": float(v.mean()), "lo": float(lo), "hi": float(hi), "level": level}


def paired_ratio_ci(num: np.ndarray, den: np.ndarray, n_boot: int = 1000, level: float = 0.95,
                    seed: int = 0) -> dict[str, float]:
    """mean(num)/mean(den), both (n_seeds, n_units) on the same seeds' indices and the same test
    units (resampled together)."""
    a, b = np.asarray(num, float), np.asarray(den, float)
    if a.shape != b.shape:
        raise ValidationError("num/den", "must have the same shape", f"{a.shape} vs {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        est = float("inf") if not np.all(np.isfinite(a)) else 0.0
        return {"est": est, "lo": est, "hi": est, "level": level}
    rng = np.random.default_rng(seed)
    si, ui = _boot_idx(rng, *a.shape, n_boot)
    ma = a[si[..., None], ui].mean(axis=(1, 2))
    mb = b[si[..., None], ui].mean(axis=(1, 2))
    r = ma / mb
    q = (1 - level) / 2
    lo, hi = np.quantile(r, [q, 1 - q])
    return {"est": float(a.mean() / b.mean()), "lo": float(lo), "hi": float(hi), "level": level}


def paired_diff_ci(a: np.ndarray, b: np.ndarray, n_boot: int = 1000, level: float = 0.95,
                   seed: int = 0) -> dict[str, float]:
    """mean(a) − mean(b), paired as in :func:`paired_ratio_ci`."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return hier_ci(a - b, n_boot, level, seed)
