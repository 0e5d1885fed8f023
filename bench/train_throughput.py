"""Training-step time of the five slowest models, old kernels beside the new ones (issue 9).

For each model, at its full-profile batch and length: seconds per optimizer step (forward,
loss, backward, gradient clipping at 1.0, AdamW step; batch drawing excluded) with the old
implementation forced (:func:`empirics.models.kernels.force_impl`) and with the kernel that
:func:`empirics.models.kernels.select_impl` picks for the device, in the same process,
alternating, from the same initial weights; and the ratio. Before timing, one batch is run
through both paths and the largest relative difference of loss and gradients is printed
(float32 rounding, not a bitwise match: the fast kernels sum in another order).

One thread and ``torch.use_deterministic_algorithms(True)``, as ``train()`` runs.

    python bench/train_throughput.py [--steps 2] [--models mamba-hmm,lintf,...] [--device cpu]
"""
from __future__ import annotations

import argparse
import copy
import time
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from rich.console import Console
from rich.table import Table
from torch import Tensor, nn

from empirics.engine.models import build_model
from empirics.engine.specs import APPD_MODELS, LG_SPECS, hmm_models, variant_spec
from empirics.models.kernels import force_impl, select_impl


@dataclass(frozen=True)
class Case:
    """One model at its full-profile batch × length; ``old``: the (kernel, impl) it used."""

    label: str
    spec: dict[str, Any]
    d_in: int
    d_out: int
    batch: int
    T: int
    old: tuple[str, str]
    tokens: bool = False  # one-hot inputs, cross-entropy on next-symbol targets


HMM_V = 100  # 001 App B.3 / Exp VI (bayes part): 50 states, 100 symbols, T = 512, batch 64
CASES: dict[str, Case] = {
    "mamba-hmm": Case("001 HMM Mamba (Exp VI bayes)", hmm_models(HMM_V, 512, small=False)["mamba"],
                      HMM_V, HMM_V, 64, 512, ("scan", "logdepth"), tokens=True),
    "appd-ssm": Case("App D pure SSM (2 Mamba blocks)", APPD_MODELS["pure-ssm"][0], 2, 1, 64, 128,
                     ("scan", "logdepth")),
    "lintf": Case("LinTF (Exp I, II, IV)", LG_SPECS["lintf"], 1, 1, 128, 512,
                  ("attention", "quadratic")),
    "exp5-a": Case("Exp V (a) linear attention", variant_spec("a", 512), 1, 1, 128, 512,
                   ("attention", "quadratic")),
    "ssm": Case("selective SSM (Exp I–V)", LG_SPECS["ssm"], 1, 1, 128, 128,
                ("scan", "reference")),
}


def make_batch(case: Case, device: str) -> tuple[Tensor, Tensor]:
    """A fixed random batch of the case's shapes: x (batch, T, d_in), y (batch, T[, d_out])."""
    g = torch.Generator(device="cpu").manual_seed(0)
    if case.tokens:
        sym = torch.randint(0, case.d_in, (case.batch, case.T + 1), generator=g)
        return F.one_hot(sym[:, :-1], case.d_in).float().to(device), sym[:, 1:].to(device)
    x = torch.randn(case.batch, case.T, case.d_in, generator=g)
    y = torch.randn(case.batch, case.T, case.d_out, generator=g)
    return x.to(device), y.to(device)


def loss_of(case: Case, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    out = model(x)
    if case.tokens:
        return F.cross_entropy(out.flatten(0, 1), y.flatten())
    return F.mse_loss(out, y)


def max_rel_diff(case: Case, model: nn.Module, x: Tensor, y: Tensor) -> float:
    """Largest relative difference (per tensor, max-norm) of loss and gradients, old vs new."""
    res = []
    for impl in (case.old[1], None):
        model.zero_grad(set_to_none=True)
        if impl is None:
            loss = loss_of(case, model, x, y)
        else:
            with force_impl(case.old[0], impl):
                loss = loss_of(case, model, x, y)
        loss.backward()
        res.append([loss.detach()] + [p.grad.detach().clone() for p in model.parameters()
                                      if p.grad is not None])
    model.zero_grad(set_to_none=True)
    return max(float((a - b).abs().max() / b.abs().max().clamp_min(1e-30))
               for a, b in zip(*res, strict=True))


class Stepper:
    """One model copy with its optimizer; ``step()`` is one training step of ``train()``."""

    def __init__(self, case: Case, model: nn.Module, x: Tensor, y: Tensor, impl: str | None):
        self.case, self.model, self.x, self.y, self.impl = case, model, x, y, impl
        self.opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
        self.seconds: list[float] = []  # wall
        self.cpu: list[float] = []  # CPU time of this process (robust to a shared machine)

    def step(self, timed: bool = True) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        self.opt.zero_grad(set_to_none=True)
        if self.impl is None:
            loss = loss_of(self.case, self.model, self.x, self.y)
        else:
            with force_impl(self.case.old[0], self.impl):
                loss = loss_of(self.case, self.model, self.x, self.y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        if self.x.is_cuda:
            torch.cuda.synchronize()
        if timed:
            self.seconds.append(time.perf_counter() - t0)
            self.cpu.append(time.process_time() - c0)


def run_case(case: Case, steps: int, device: str) -> dict[str, Any]:
    torch.manual_seed(0)
    model = build_model(case.spec, case.d_in, case.d_out, seed=0).to(device)
    x, y = make_batch(case, device)
    diff = max_rel_diff(case, model, x, y)
    old = Stepper(case, copy.deepcopy(model), x, y, case.old[1])
    new = Stepper(case, model, x, y, None)
    for s in (old, new):
        s.step(timed=False)  # warm-up
    for _ in range(steps):  # alternate, so both see the same machine load
        old.step()
        new.step()
    return {"old": min(old.seconds), "new": min(new.seconds), "diff": diff,
            "cpu_ratio": min(old.cpu) / min(new.cpu),
            "old_impl": f"{case.old[0]}: {case.old[1]}",
            "new_impl": select_impl(case.old[0], device)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2, help="timed steps per path (min is shown)")
    ap.add_argument("--models", default=",".join(CASES), help=f"subset of {','.join(CASES)}")
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True, warn_only=args.device == "cuda")
    names = [n for n in args.models.split(",") if n]
    console = Console(width=190)
    t = Table(title=f"training step, old kernel vs new ({args.device}, 1 thread, deterministic; "
                    f"min of {args.steps} steps)")
    for col in ("model", "batch × T", "kernel old → new", "old s/step", "new s/step",
                "old steps/s", "new steps/s", "speed-up", "CPU-time speed-up", "max rel. diff"):
        t.add_column(col, justify="left" if col in ("model", "batch × T", "kernel old → new")
                     else "right")
    for name in names:
        case = CASES[name]
        console.print(f"[dim]{case.label} …[/dim]")
        r = run_case(case, args.steps, args.device)
        t.add_row(case.label, f"{case.batch} × {case.T}", f"{r['old_impl']} → {r['new_impl']}",
                  f"{r['old']:.3f}", f"{r['new']:.3f}", f"{1 / r['old']:.2f}",
                  f"{1 / r['new']:.2f}", f"{r['old'] / r['new']:.1f}×", f"{r['cpu_ratio']:.1f}×",
                  f"{r['diff']:.1e}")
    console.print(t)
    # the whole profile from the step times measured on this machine (bench/full_profile_
    # estimate.py --save and the scheduler's own runs write them)
    from pathlib import Path

    from full_profile_estimate import print_estimate

    from empirics.engine.scheduler import collect
    from empirics.engine.step_times import known_step_times, profile_estimate

    planned = collect("full")
    measured = known_step_times(planned, Path("reports/runs/full"))
    print_estimate(console, profile_estimate(planned, measured, 2), 2)


if __name__ == "__main__":
    main()
