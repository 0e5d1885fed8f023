"""Training throughput of the papers' models at the full profile's batch and length.

For each model: optimizer steps/s of the batched training step, and of a naive baseline that
processes the same batch one sequence at a time (gradient accumulation over single-sequence
passes; timed on a few sequences and scaled). Linear-Gaussian models (000 App C.7.4): batch 128,
SSMs at length 128, Transformers at 512. Product-tracking models (000 App C.6, Exp VII/VIII):
batch 64, length 64. Mamba blocks (Exp VI / App D): the chunked log-depth scan against the
sequential reference scan, same batch, side by side. CPU always; CUDA too when available.

    python bench/train_throughput.py [--steps 3] [--naive-seqs 4] [--device cpu|cuda|all]
"""
from __future__ import annotations

import argparse
import time

import torch
from rich.console import Console
from rich.table import Table

from empirics.engine.models import build_model
from empirics.engine.models import build_model as build_chasm_model
from empirics.engine.runs import LOSSES
from empirics.engine.specs import LG_SPECS as MODEL_SPECS
from empirics.engine.specs import PRODUCT_MODELS, variant_spec
from empirics.tasks.registry import make_sampler

mse = LOSSES["mse"]
from empirics.tasks.product import product_sampler
from empirics.engine.training import step_generator

BATCH = 128
PRODUCT_BATCH, PRODUCT_T = 64, 64
MAMBA_SPECS = {  # 000 App C.5 (HMM, ~5K) and App D (two blocks)
    "mamba-1blk": {"kind": "mamba", "d_model": 32, "d_state": 16, "expand": 1},
    "mamba-2blk": {"kind": "mamba", "d_model": 32, "d_state": 16, "expand": 1, "n_layers": 2},
}


def models() -> dict[str, tuple[dict, int]]:
    out = {name: (MODEL_SPECS[name], 128 if MODEL_SPECS[name]["kind"] != "tf" else 512)
           for name in ("ssm", "nonsel", "lintf", "softtf")}
    out.update({f"exp5-{v}": (variant_spec(v, 512), 512) for v in "abcd"})
    return out


def _time_steps(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int,
                per_sequence: int = 0, **fwd: bool) -> float:
    """Seconds per optimizer step (batched), or per ``per_sequence`` single-sequence passes.
    ``fwd``: keyword arguments of the model's forward (e.g. ``reference=True``)."""
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)

    def one() -> None:
        opt.zero_grad(set_to_none=True)
        if per_sequence:
            for i in range(per_sequence):
                (mse(model(x[i:i + 1], **fwd), y[i:i + 1]) / per_sequence).backward()
        else:
            mse(model(x, **fwd), y).backward()
        opt.step()

    one()  # warm-up
    if x.is_cuda:
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        one()
    if x.is_cuda:
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--naive-seqs", type=int, default=4)
    ap.add_argument("--device", choices=("cpu", "cuda", "all"), default="all")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = ["cpu"] if args.device == "cpu" else (["cuda"] if args.device == "cuda" else ["cpu"])
    if args.device == "all" and torch.cuda.is_available():
        devices.append("cuda")
    t = Table(title=f"training steps/s at batch {BATCH} (full-profile lengths)")
    for c in ("device", "model", "length", "steps/s", "naive steps/s", "ratio"):
        t.add_column(c)
    for dev in devices:
        for name, (spec, T) in models().items():
            model = build_model(spec).to(dev)
            x, y = make_sampler({"name": "colored", "a": 0.9, "alpha": [0.5, 0.99]}, T, dev)(
                step_generator(0, 0, dev), BATCH)
            s_batched = _time_steps(model, x, y, args.steps)
            s_naive = _time_steps(model, x, y, 1, per_sequence=args.naive_seqs) * BATCH / args.naive_seqs
            t.add_row(dev, name, str(T), f"{1 / s_batched:.2f}", f"{1 / s_naive:.3f}",
                      f"{s_naive / s_batched:.1f}×")
        for name, (spec, _, _) in PRODUCT_MODELS.items():
            model = build_chasm_model(spec, 4, 4).to(dev)
            x, y = product_sampler(PRODUCT_T)(step_generator(0, 0, dev), PRODUCT_BATCH)
            x, y = x.to(dev), y.to(dev)
            s_batched = _time_steps(model, x, y, args.steps)
            s_naive = (_time_steps(model, x, y, 1, per_sequence=args.naive_seqs)
                       * PRODUCT_BATCH / args.naive_seqs)
            t.add_row(dev, f"exp7-{name}", str(PRODUCT_T), f"{1 / s_batched:.2f}",
                      f"{1 / s_naive:.3f}", f"{s_naive / s_batched:.1f}×")
    Console().print(t)

    s_t = Table(title="Mamba: chunked log-depth scan vs sequential reference scan (training steps/s)")
    for c in ("device", "model", "batch × length", "chunked steps/s", "sequential steps/s", "ratio"):
        s_t.add_column(c)
    for dev in devices:
        for name, spec in MAMBA_SPECS.items():
            for T in (128, 512):
                model = build_chasm_model(spec, 1, 1).to(dev)
                g = torch.Generator(device=dev).manual_seed(0)
                x = torch.randn(32, T, 1, generator=g, device=dev)
                y = torch.randn(32, T, 1, generator=g, device=dev)
                fast = _time_steps(model, x, y, args.steps)
                slow = _time_steps(model, x, y, max(1, args.steps // 2), reference=True)
                s_t.add_row(dev, name, f"32 × {T}", f"{1 / fast:.2f}", f"{1 / slow:.2f}",
                            f"{slow / fast:.1f}×")
    Console().print(s_t)


if __name__ == "__main__":
    main()
