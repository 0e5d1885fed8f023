"""Seconds per optimizer step of each cost class (model × batch × length) on this machine:
measured (``reports/runs/<profile>/step_times.json``, written by the scheduler as runs go and by
``bench/full_profile_estimate.py``), else a rough estimate from the parameter count; and from
them the CPU hours and wall time of a whole profile (:func:`profile_estimate`)."""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from chasm_theory._io import atomic_write_text
from empirics.engine.runs import TrainRun

__all__ = ["estimate_s_per_step", "finished_step_times", "known_step_times", "load_step_times",
           "measure_step_times", "profile_estimate", "s_per_step", "step_times_path",
           "write_step_times"]


class _HasRun(Protocol):
    run: TrainRun
    experiments: list[str]


def step_times_path(root: Path) -> Path:
    return Path(root) / "step_times.json"


def load_step_times(root: Path) -> dict[str, float]:
    p = step_times_path(root)
    return json.loads(p.read_text()) if p.exists() else {}


def finished_step_times(planned: Sequence[_HasRun], root: Path) -> dict[str, float]:
    """Cost class -> seconds per step of its most recently finished run in the run cache
    (``train_wall_s / steps`` of the run's record: a whole run's average on this machine, with
    the current kernels and the usual load of the other worker). Classes with no finished run
    (or only records without ``train_wall_s``) are absent."""
    from empirics.engine.runs import is_finished, run_record_path

    latest: dict[str, tuple[str, float]] = {}
    for p in planned:
        r = p.run
        if not is_finished(root, r):
            continue
        prov = json.loads(run_record_path(root, r).read_text()).get("provenance") or {}
        wall, when = prov.get("train_wall_s"), str(prov.get("finished", ""))
        if wall:  # None where a resumed run's earlier time is unknown
            c = r.cost_class()
            if c not in latest or when > latest[c][0]:
                latest[c] = (when, float(wall) / r.steps)
    return {c: v for c, (_, v) in latest.items()}


def known_step_times(planned: Sequence[_HasRun], root: Path) -> dict[str, float]:
    """``step_times.json`` (short timings and the scheduler's running rates), overridden by
    :func:`finished_step_times` where a run of the class has finished: what the plan and the
    scheduler's estimate use."""
    return {**load_step_times(root), **finished_step_times(planned, root)}


def write_step_times(root: Path, measured: dict[str, float]) -> None:
    """``step_times.json``: cost class -> seconds per step, sorted keys, indent 1."""
    atomic_write_text(step_times_path(root),
                      json.dumps(measured, indent=1, sort_keys=True) + "\n")


def estimate_s_per_step(run: TrainRun) -> float:
    """A rough single-thread CPU estimate when nothing was measured: ~3 ns per parameter and
    token (forward + backward + optimizer), plus the softmax attention's T² term."""
    from empirics.engine.runs import initial_model
    from empirics.models.count import count_params

    n = count_params(initial_model(run))
    b, T = int(run.train["batch"]), int(run.length)
    s = 3e-9 * n * b * T
    m = run.model
    if m.get("kind") == "tf" and m.get("attention") == "softmax":
        s += 2e-9 * int(m.get("n_layers", 1)) * int(m.get("d_model", 32)) * b * T * T
    return s


def measure_step_times(planned: Sequence[_HasRun], root: Path, steps: int = 2,
                       console: Any = None) -> dict[str, float]:
    """Time ``steps`` optimizer steps (after one warm-up step) of every cost class that has no
    measurement yet, one torch thread, this process; merged into ``step_times.json``."""
    import torch

    from empirics.engine.runs import LOSSES, initial_model
    from empirics.engine.training import step_generator
    from empirics.tasks.registry import make_sampler

    measured = load_step_times(root)
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for p in planned:
            c = p.run.cost_class()
            if c in measured:
                continue
            r = p.run
            model = initial_model(r)
            opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
            sample, loss = make_sampler(r.task, r.length), LOSSES[r.loss]
            ts = []
            for s in range(steps + 1):
                t0 = time.perf_counter()
                x, y = sample(step_generator(r.seed, s), int(r.train["batch"]))
                opt.zero_grad(set_to_none=True)
                loss(model(x), y).backward()
                opt.step()
                ts.append(time.perf_counter() - t0)
            measured[c] = float(sum(ts[1:]) / steps)
            if console is not None:
                console.print(f"measured {r.label}: {measured[c]:.3f} s/step")
            write_step_times(root, measured)
    finally:
        torch.set_num_threads(prev)
    return measured


def s_per_step(run: TrainRun, measured: dict[str, float]) -> tuple[float, bool]:
    c = run.cost_class()
    if c in measured:
        return measured[c], True
    return estimate_s_per_step(run), False


def profile_estimate(planned: Sequence[_HasRun], measured: dict[str, float], workers: int
                     ) -> dict[str, Any]:
    """CPU hours and wall time on ``workers`` single-thread processes of the first pass
    (replicate 0) and of every run: ``{"first_pass"|"all": {"cpu_h", "wall_h", "longest_h"},
    "per_experiment": {name: [first-pass CPU-h, all CPU-h]}}``. Wall time is bounded below by
    the total CPU time / workers and by the longest run; the larger is given. A run shared by
    several experiments counts in each experiment's row (once in the totals)."""
    per_exp: dict[str, list[float]] = {}
    total, longest = [0.0, 0.0], [0.0, 0.0]
    for p in planned:
        s = p.run.steps * s_per_step(p.run, measured)[0]
        passes = (0, 1) if p.run.replicate == 0 else (1,)
        for i in passes:
            total[i] += s
            longest[i] = max(longest[i], s)
        for e in p.experiments or ["?"]:
            row = per_exp.setdefault(e, [0.0, 0.0])
            for i in passes:
                row[i] += s / 3600
    out: dict[str, Any] = {"per_experiment": per_exp}
    for name, i in (("first_pass", 0), ("all", 1)):
        out[name] = {"cpu_h": total[i] / 3600, "longest_h": longest[i] / 3600,
                     "wall_h": max(total[i] / max(1, workers), longest[i]) / 3600}
    return out
