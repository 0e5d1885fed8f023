"""Resumable, deterministic training loop shared by every empirical experiment.

AdamW (β = 0.9, 0.999) with linear warm-up and cosine decay to 0 (000 App C.7.4; 001 App B.2).
The batch of step ``s`` is drawn from a ``torch.Generator`` seeded by ``(seed, s)`` only, so a
run resumed from a checkpoint sees exactly the data the uninterrupted run would have seen.
Checkpoints (model, optimizer, scheduler, step, curves) are written atomically to the path the
caller gives (the engine: ``reports/runs/<profile>/ckpt/<key>.pt``) and loaded with
``torch.load(..., weights_only=True)``. Every run also logs the loss on a fixed held-out batch
drawn from its own seed stream (convergence on record).
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from chasm_theory.errors import RunFailed, ValidationError

__all__ = ["TrainConfig", "train", "step_generator", "heldout_generator", "seed_everything",
           "deterministic"]

SampleFn = Callable[[torch.Generator, int], "tuple[Tensor, Tensor]"]
LossFn = Callable[[Tensor, Tensor], Tensor]


@dataclass
class TrainConfig:
    """Optimisation settings. ``steps`` optimizer steps of ``batch`` sequences each;
    ``warmup`` linear warm-up steps, then cosine decay of the learning rate to 0;
    ``grad_clip`` max global gradient norm (None: no clipping)."""

    steps: int
    batch: int
    lr: float = 3e-4
    weight_decay: float = 0.01
    warmup: int = 0
    grad_clip: float | None = 1.0
    checkpoint_every: int = 200
    log_every: int = 50

    def __post_init__(self) -> None:
        for name in ("steps", "batch", "checkpoint_every", "log_every"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValidationError(name, "must be a positive integer", repr(v))
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValidationError("lr", "must be a positive finite number", repr(self.lr))
        if self.weight_decay < 0:
            raise ValidationError("weight_decay", "must be >= 0", repr(self.weight_decay))
        if self.warmup < 0 or self.warmup > self.steps:
            raise ValidationError("warmup", "must lie in [0, steps]", repr(self.warmup))
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ValidationError("grad_clip", "must be positive or None", repr(self.grad_clip))


def step_seed(seed: int, step: int) -> int:
    """A 63-bit seed derived from (seed, step) by numpy's SeedSequence (independent streams)."""
    state = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, int(step)]).generate_state(2, np.uint64)
    return int(state[0] >> np.uint64(1))


def step_generator(seed: int, step: int, device: str | torch.device = "cpu") -> torch.Generator:
    """The generator that produces the batch of training step ``step`` of a run seeded ``seed``."""
    g = torch.Generator(device=device)
    g.manual_seed(step_seed(seed, step))
    return g


def seed_everything(seed: int) -> None:
    """Fix torch's global RNG (model initialisation) and numpy's legacy RNG."""
    torch.manual_seed(int(seed))
    np.random.seed(int(seed) & 0xFFFFFFFF)


class deterministic:
    """Context manager: ``torch.use_deterministic_algorithms(True)`` (warn-only on CUDA, where
    some kernels have no deterministic variant), restoring the previous setting on exit."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = str(device)

    def __enter__(self) -> deterministic:
        self._prev = torch.are_deterministic_algorithms_enabled()
        self._prev_warn = torch.is_deterministic_algorithms_warn_only_enabled()
        torch.use_deterministic_algorithms(True, warn_only=self.device.startswith("cuda"))
        return self

    def __exit__(self, *exc: Any) -> None:
        torch.use_deterministic_algorithms(self._prev, warn_only=self._prev_warn)


def _lr_lambda(cfg: TrainConfig) -> Callable[[int], float]:
    def f(step: int) -> float:
        if cfg.warmup and step < cfg.warmup:
            return (step + 1) / cfg.warmup
        span = max(1, cfg.steps - cfg.warmup)
        prog = min(1.0, (step - cfg.warmup) / span)
        return 0.5 * (1.0 + math.cos(math.pi * prog))

    return f


def _atomic_save(obj: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
    torch.save(obj, tmp)
    os.replace(tmp, path)


HELDOUT_STEP = 2**62  # a step index no run reaches: the held-out batch's own seed stream


def heldout_generator(seed: int, device: str | torch.device = "cpu") -> torch.Generator:
    """The generator of a run's fixed held-out batch (independent of every training batch)."""
    return step_generator(seed, HELDOUT_STEP, device)


def train(
    model: nn.Module,
    sample_batch: SampleFn,
    loss_fn: LossFn,
    cfg: TrainConfig,
    *,
    ckpt: Path,
    seed: int,
    device: str = "cpu",
    advance: Callable[[int], None] | None = None,
    name: str = "",
    count_resumed: bool = True,
) -> dict[str, Any]:
    """Train ``model`` in place for ``cfg.steps`` steps; resume from the checkpoint ``ckpt``.

    ``sample_batch(gen, batch) -> (x, y)``: x (batch, time, d_in), y (batch, time, d_out), drawn
    from ``gen`` only (on ``device``). ``loss_fn(model(x), y)`` is a scalar. Every
    ``cfg.log_every`` steps the mean training loss of the window and the loss on one fixed
    held-out batch (``heldout_generator(seed)``, evaluated without gradients) are logged.
    Returns ``{"curve": [[step, mean train loss], ...], "heldout_curve": [[step, loss], ...],
    "steps", "resumed_from", "wall_s" (this segment), "train_wall_s" (every segment; None when
    resumed from a checkpoint that did not record it), "final_loss", "final_heldout"}``. A
    non-finite loss raises :class:`RunFailed` naming the step. The final checkpoint is kept (the
    caller removes it once the model is stored). ``advance(n)`` is called after every step
    (progress), and once with the resumed step when ``count_resumed`` (a progress bar's
    position; a caller that times steps and knows the checkpoint's step passes False).
    """
    dev = torch.device(device)
    model.to(dev)
    decay, no_decay = [], []
    for p in model.parameters():
        if p.requires_grad:
            (no_decay if p.ndim < 2 else decay).append(p)
    groups = [{"params": decay, "weight_decay": cfg.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    opt = torch.optim.AdamW([g for g in groups if g["params"]], lr=cfg.lr, betas=(0.9, 0.999))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _lr_lambda(cfg))
    path = Path(ckpt)
    start: int = 0
    curve: list[list[float]] = []
    held: list[list[float]] = []
    window: list[float] = []
    prior_wall: float | None = 0.0  # training seconds of earlier segments (None: not recorded)
    fingerprint = {"cfg": asdict(cfg), "seed": int(seed),
                   "n_params": int(sum(p.numel() for p in model.parameters()))}
    if path.exists():
        ck = torch.load(path, map_location=dev, weights_only=True)
        if ck.get("fingerprint") == fingerprint:
            model.load_state_dict(ck["model"])
            opt.load_state_dict(ck["optimizer"])
            sched.load_state_dict(ck["scheduler"])
            start = int(ck["step"])
            curve = [list(r) for r in ck["curve"]]
            held = [list(r) for r in ck.get("heldout_curve", [])]
            window = list(ck["window"])
            prior_wall = ck.get("train_wall_s")  # checkpoints before this field: unknown
    resumed_from = start
    step_done = advance or (lambda n: None)
    if start and count_resumed:
        step_done(start)
    t0 = time.perf_counter()
    hx, hy = sample_batch(heldout_generator(seed, dev), cfg.batch)

    def save(step: int) -> None:
        state = {"model": model.state_dict(), "optimizer": opt.state_dict(),
                 "scheduler": sched.state_dict(), "step": step, "curve": curve,
                 "heldout_curve": held, "window": window, "fingerprint": fingerprint}
        if prior_wall is not None:  # an unknown earlier time stays unknown, not undercounted
            state["train_wall_s"] = prior_wall + time.perf_counter() - t0
        _atomic_save(state, path)

    def heldout_loss() -> float:
        model.eval()
        with torch.no_grad():
            v = float(loss_fn(model(hx), hy))
        model.train()
        return v

    model.train()
    with deterministic(device):
        for s in range(start, cfg.steps):
            x, y = sample_batch(step_generator(seed, s, dev), cfg.batch)
            loss = loss_fn(model(x), y)
            lv = float(loss.detach())
            if not math.isfinite(lv):
                raise RunFailed(f"{name}: non-finite training loss ({lv}) at step {s}")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip is not None:
                gn = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                if not torch.isfinite(gn):
                    raise RunFailed(f"{name}: non-finite gradient norm at step {s}")
            opt.step()
            sched.step()
            window.append(lv)
            if (s + 1) % cfg.log_every == 0 or s + 1 == cfg.steps:
                curve.append([s + 1, float(np.mean(window))])
                held.append([s + 1, heldout_loss()])
                window = []
            if (s + 1) % cfg.checkpoint_every == 0 or s + 1 == cfg.steps:
                save(s + 1)
            step_done(1)
    model.eval()
    return {"curve": curve, "heldout_curve": held, "steps": cfg.steps,
            "resumed_from": resumed_from, "wall_s": round(time.perf_counter() - t0, 3),
            "train_wall_s": (None if prior_wall is None
                             else round(prior_wall + time.perf_counter() - t0, 3)),
            "final_loss": curve[-1][1] if curve else None,
            "final_heldout": held[-1][1] if held else None}
