"""Training throughput of the linear-Gaussian models at the full profile's batch and length.

For each model: optimizer steps/s of the batched training step (batch 128; SSMs at length 128,
Transformers at 512, as in 000 App C.7.4), and of a naive baseline that processes the same batch
one sequence at a time (gradient accumulation over 128 single-sequence passes; timed on a few
sequences and scaled). Prints a rich table with the ratio. CPU always; CUDA too when available.

    python bench/train_throughput.py [--steps 3] [--naive-seqs 4] [--device cpu|cuda|all]
"""
from __future__ import annotations

import argparse
import time

import torch
from rich.console import Console
from rich.table import Table

from empirics.experiments.exp1 import MODEL_SPECS, build_model, make_sampler, mse
from empirics.experiments.exp5 import variant_spec
from empirics.training import step_generator

BATCH = 128


def models() -> dict[str, tuple[dict, int]]:
    out = {name: (MODEL_SPECS[name], 128 if MODEL_SPECS[name]["kind"] != "tf" else 512)
           for name in ("ssm", "nonsel", "lintf", "softtf")}
    out.update({f"exp5-{v}": (variant_spec(v, 512), 512) for v in "abcd"})
    return out


def _time_steps(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int,
                per_sequence: int = 0) -> float:
    """Seconds per optimizer step (batched), or per ``per_sequence`` single-sequence passes."""
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)

    def one() -> None:
        opt.zero_grad(set_to_none=True)
        if per_sequence:
            for i in range(per_sequence):
                (mse(model(x[i:i + 1]), y[i:i + 1]) / per_sequence).backward()
        else:
            mse(model(x), y).backward()
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
    Console().print(t)


if __name__ == "__main__":
    main()
