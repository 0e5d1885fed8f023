"""Estimated wall time of the whole full profile on this machine, from measured step times.

Collects the full profile's training runs (the scheduler's run list, deduplicated), times two
optimizer steps of every cost class (model x batch x length) on one torch thread — the way the
scheduler's workers train — and prints, per experiment and in total, the CPU hours and the wall
time on ``--workers`` single-thread processes, for the first seed and for all three.

    python bench/full_profile_estimate.py [--workers 2] [--steps 2] [--reuse]

``--save`` merges the step times measured here into ``reports/runs/full/step_times.json`` so
that the scheduler's plan and ETA use them (they replace that file's earlier values).
``--reuse`` takes the step times already measured in ``reports/runs/full/step_times.json`` where
present (the scheduler writes them there too); by default every class is timed anew into a
temporary file, side by side in this run. Wall time on W workers is bounded below by both the
total CPU time / W and the longest single run; the printed figure is the larger of the two.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from empirics.engine.scheduler import collect
from empirics.engine.step_times import (
    load_step_times,
    measure_step_times,
    profile_estimate,
    write_step_times,
)

ROOT = Path("reports/runs/full")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--save", action="store_true")
    args = ap.parse_args()
    console = Console()
    planned = collect("full")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.reuse and (ROOT / "step_times.json").exists():
            shutil.copy(ROOT / "step_times.json", root / "step_times.json")
        measured = measure_step_times(planned, root, steps=args.steps, console=console)
    if args.save:
        write_step_times(ROOT, {**load_step_times(ROOT), **measured})
    print_estimate(console, profile_estimate(planned, measured, args.workers), args.workers)


def print_estimate(console: Console, est: dict, workers: int) -> None:
    """The per-experiment table and the two totals of :func:`profile_estimate`."""
    t = Table(title=f"full profile on this machine ({workers} single-thread workers; a run "
              "shared by two experiments counts in each row)")
    for col in ("experiment", "first pass CPU-h", "all seeds CPU-h"):
        t.add_column(col, justify="right" if "CPU" in col else "left")
    for exp, (a, b) in sorted(est["per_experiment"].items(), key=lambda kv: -kv[1][1]):
        t.add_row(exp, f"{a:.2f}", f"{b:.2f}")
    console.print(t)
    for name, key in (("one seed (first pass)", "first_pass"), ("all seeds", "all")):
        e = est[key]
        console.print(f"{name}: {e['cpu_h']:.1f} CPU-h, estimated wall {e['wall_h']:.1f} h on "
                      f"{workers} workers (longest single run {e['longest_h']:.2f} h)")


if __name__ == "__main__":
    main()
