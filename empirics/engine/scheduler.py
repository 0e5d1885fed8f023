"""The training scheduler: every experiment's training runs for a profile, deduplicated by key,
run in parallel single-thread processes, each landing in the run cache as it finishes.

Order: the first replicate (seed index 0) of every model before any second one (the first pass
finishes first); then the later replicates experiment by experiment, cheapest experiment first,
so that each experiment's seeds complete (and its claims can be decided) before the next one's
start; longest run first within a group. A finished run (model
file present) is skipped; an interrupted one resumes from ``ckpt/<key>.pt``; a failed run is
reported and does not stop the others. ``chasm-theory train --plan`` prints the run list with
its estimated cost (steps × s/step: a finished run's whole-run rate for its cost class, else the
class's timing in ``step_times.json``, else a rough estimate from the parameter count).
The executor is a protocol (``submit`` / ``results`` / ``running`` / ``poll_progress`` /
``shutdown``): :class:`~empirics.engine.local_pool.LocalPool` (a spawn process pool, one torch
thread per worker) is the default; ``--executor ray`` uses
:class:`empirics.engine.ray_executor.RayExecutor`. Commits of the run cache (``--commit``):
:func:`empirics.engine.gitcommit.commit_paths`.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from chasm_theory import _codec
from chasm_theory._experiments import all_experiments, register_trainer
from chasm_theory._io import atomic_write_text
from chasm_theory.errors import ValidationError
from empirics.engine.eta import experiment_finish
from empirics.engine.gitcommit import _git as _git
from empirics.engine.gitcommit import commit_paths
from empirics.engine.local_pool import LocalPool

# Re-exported: the workers of a pool made by a process that imported this module before
# LocalPool moved look ``_init_worker`` / ``_worker`` up here.
from empirics.engine.local_pool import _init_worker as _init_worker
from empirics.engine.local_pool import _worker as _worker
from empirics.engine.runs import TrainRun, ckpt_path, ckpt_step, is_finished, model_path
from empirics.engine.step_times import (
    known_step_times,
    load_step_times,
    measure_step_times,
    s_per_step,
    step_times_path,
    write_step_times,
)

__all__ = ["collect", "order", "plan_rows", "Executor", "LocalPool", "schedule", "train_command",
           "commit_paths", "load_step_times", "measure_step_times", "s_per_step",
           "step_times_path", "write_step_times"]


@dataclass
class Planned:
    """A deduplicated run and the experiments (labels) that asked for it."""

    run: TrainRun
    labels: list[str] = field(default_factory=list)
    experiments: list[str] = field(default_factory=list)


def collect(profile: str, seed: int = 0, only: list[str] | None = None,
            replicates: list[int] | None = None) -> list[Planned]:
    """Every registered experiment's training runs at ``profile`` (those of ``only`` if given),
    deduplicated by key, keeping replicates in ``replicates`` (all if None)."""
    exps = all_experiments()
    if only:
        bad = [n for n in only if n not in exps]
        if bad:
            raise ValidationError("--only", f"must name experiments ({', '.join(exps)})", str(bad))
    out: dict[str, Planned] = {}
    for name, exp in exps.items():
        if exp.training_runs is None or (only and name not in only):
            continue
        for r in exp.training_runs(exp.config(profile), seed):
            if replicates is not None and r.replicate not in replicates:
                continue
            p = out.setdefault(r.key, Planned(r))
            # a run shared by two experiments is scheduled at its earliest replicate
            if r.replicate < p.run.replicate:
                p.run = r
            p.labels.append(r.label)
            if name not in p.experiments:
                p.experiments.append(name)
    return list(out.values())


def order(planned: list[Planned], measured: dict[str, float] | None = None) -> list[Planned]:
    """The first pass (replicate 0) first, then the later replicates. Within each of the two,
    whole experiments complete as early as possible: experiments by ascending cost of their runs
    in that pass (a run shared by several experiments goes with the cheapest); in the later
    pass an experiment's replicates (1, 2, …) run together, so its seed count completes before
    the next experiment starts; longest run first inside a replicate."""
    measured = measured or {}

    def cost(p: Planned) -> float:
        return p.run.steps * s_per_step(p.run, measured)[0]

    def stage(p: Planned) -> int:
        return min(p.run.replicate, 1)

    exp_cost: dict[tuple[int, str], float] = {}
    for p in planned:
        for e in p.experiments:
            k = (stage(p), e)
            exp_cost[k] = exp_cost.get(k, 0.0) + cost(p)

    def rank(p: Planned) -> tuple[float, str]:
        return min(((exp_cost[(stage(p), e)], e) for e in p.experiments),
                   default=(cost(p), ""))

    return sorted(planned, key=lambda p: (stage(p), rank(p), p.run.replicate, -cost(p)))


def plan_rows(planned: list[Planned], root: Path) -> list[dict[str, Any]]:
    """The runs in the scheduler's order, each with its estimated seconds left (``est_s``: the
    steps its checkpoint has not reached × s/step, s/step from :func:`known_step_times`)."""
    measured = known_step_times(planned, root)
    rows = []
    for p in order(planned, measured):
        sps, was_measured = s_per_step(p.run, measured)
        done = is_finished(root, p.run)
        resumable = ckpt_path(root, p.run).exists()
        left = 0 if done else p.run.steps - (ckpt_step(root, p.run) if resumable else 0)
        rows.append({"key": p.run.key, "label": p.run.label, "experiments": p.experiments,
                     "replicate": p.run.replicate, "steps": p.run.steps, "s_per_step": sps,
                     "measured": was_measured, "est_s": left * sps,
                     "finished": done, "resumable": resumable})
    return rows


# ----------------------------------------------------------------------------- executors


class Executor(Protocol):
    """Runs :class:`TrainRun`s somewhere; ``results`` yields ``(run, record or None, error or
    None)`` as runs finish."""

    def submit(self, run: TrainRun) -> None: ...

    def results(self, timeout: float = 0.5
                ) -> Iterator[tuple[TrainRun, dict[str, Any] | None, str | None]]: ...

    def running(self) -> int: ...

    def poll_progress(self) -> list[tuple[str, int, float]]: ...

    def shutdown(self, cancel: bool = False) -> None: ...


# ----------------------------------------------------------------------------- scheduling


def schedule(planned: list[Planned], root: Path, jobs: int, device: str = "cpu",
             console: Any = None, commit: bool = False, commit_ckpt_every_s: float = 1800.0,
             executor: Executor | None = None) -> dict[str, Any]:
    """Run every unfinished planned run; returns {"done", "failed", "skipped"}."""
    from rich.console import Console
    from rich.live import Live
    from rich.table import Table

    console = console or Console()
    root = Path(root)
    measured = known_step_times(planned, root)
    todo = [p.run for p in order(planned, measured) if not is_finished(root, p.run)]
    skipped = len(planned) - len(todo)
    status = {"done": [], "failed": [], "skipped": skipped}
    if not todo:
        console.print(f"all {len(planned)} runs are finished")
        return status
    pool = executor or LocalPool(jobs, root, device)
    queue = list(todo)
    progress: dict[str, int] = {}
    started: dict[str, float] = {}
    for r in todo:
        if ckpt_path(root, r).exists():
            progress[r.key] = ckpt_step(root, r)
    rates: dict[str, list[float]] = {}  # cost class -> [steps, seconds]
    by_key = {r.key: r for r in todo}
    last_ckpt_commit = time.time()

    def eta() -> float:
        left = 0.0
        for r in queue + [by_key[k] for k in started]:
            c = rates.get(r.cost_class())
            sps = c[1] / c[0] if c and c[0] else s_per_step(r, measured)[0]
            left += max(0, r.steps - progress.get(r.key, 0)) * sps
        return left / max(1, jobs)

    def view() -> Table:
        t = Table(title=f"training: {len(status['done'])} done, {len(started)} running, "
                  f"{len(queue)} queued, {len(status['failed'])} failed, {skipped} already "
                  f"finished — est. {eta() / 3600:.2f} h left on {jobs} workers")
        for c in ("run", "key", "rep", "step", "s/step"):
            t.add_column(c)
        for k in started:
            r = by_key[k]
            c = rates.get(r.cost_class())
            t.add_row(r.label, k, str(r.replicate), f"{progress.get(k, 0)}/{r.steps}",
                      f"{c[1] / c[0]:.3f}" if c and c[0] else "—")
        return t

    def fill() -> None:
        while queue and pool.running() < jobs:
            r = queue.pop(0)
            pool.submit(r)
            started[r.key] = time.time()

    try:
        with Live(view(), console=console, refresh_per_second=1) as live:
            fill()
            while started:
                for key, n, dt in pool.poll_progress():
                    progress[key] = progress.get(key, 0) + n
                    c = rates.setdefault(by_key[key].cost_class(), [0.0, 0.0])
                    c[0] += n
                    c[1] += dt
                for run, rec, err in pool.results():
                    started.pop(run.key, None)
                    if err is None:
                        status["done"].append(run.key)
                        wall = ((rec or {}).get("provenance") or {}).get("wall_s")
                        console.print(f"trained {run.label} ({run.key}, replicate "
                                      f"{run.replicate}) in {wall} s; {len(queue)} queued",
                                      highlight=False)
                        if commit:
                            mp = model_path(root, run)
                            commit_paths([mp, mp.with_suffix(".json"), ckpt_path(root, run),
                                          step_times_path(root)],
                                         f"run cache: trained {run.label} ({run.key})")
                    else:
                        status["failed"].append((run.key, run.label, err))
                        console.print(f"[red]run {run.label} ({run.key}) failed:[/] {err}")
                fill()
                if rates:
                    merged = {**load_step_times(root),
                              **{c: v[1] / v[0] for c, v in rates.items() if v[0]}}
                    write_step_times(root, merged)
                if commit and time.time() - last_ckpt_commit > commit_ckpt_every_s:
                    cks = [ckpt_path(root, by_key[k]) for k in started]
                    commit_paths(cks, f"run cache: checkpoints of {len(cks)} runs in progress")
                    last_ckpt_commit = time.time()
                live.update(view())
    except KeyboardInterrupt:
        pool.shutdown(cancel=True)
        console.print("interrupted: running runs resume from their checkpoints next time")
        raise
    pool.shutdown()
    return status


def train_command(*, profile: str, jobs: int | None = None, only: str | None = None,
                  seeds: str | None = None, plan: bool = False, seed: int = 0,
                  reports_dir: Path | str | None = None, device: str = "cpu",
                  commit: bool = False, measure: bool = False, console: Any = None,
                  executor: str = "local") -> int:
    """``chasm-theory train``: plan (``plan=True``) or run the profile's training runs, on the
    local process pool (``executor="local"``) or Ray (``"ray"``, one task per run)."""
    from rich.console import Console
    from rich.table import Table

    from chasm_theory._context import default_reports_dir

    console = console or Console()
    root = Path(reports_dir or default_reports_dir()) / "runs" / profile
    reps = [int(s) for s in seeds.split(",")] if seeds else None
    if executor not in ("local", "ray"):
        raise ValidationError("--executor", "must be local or ray", repr(executor))
    planned = collect(profile, seed, [s for s in only.split(",") if s] if only else None, reps)
    jobs_arg, jobs = jobs, int(jobs or os.cpu_count() or 1)
    if plan:
        if measure:
            measure_step_times([p for p in planned if not is_finished(root, p.run)], root,
                               console=console)
        rows = plan_rows(planned, root)
        t = Table(title=f"{profile} profile: {len(rows)} training runs")
        for c in ("rep", "run", "key", "experiments", "steps", "s/step", "est. h", "state"):
            t.add_column(c)
        for r in rows:
            t.add_row(str(r["replicate"]), r["label"], r["key"], ",".join(r["experiments"]),
                      str(r["steps"]), f"{r['s_per_step']:.3f}" + ("" if r["measured"] else "~"),
                      f"{r['est_s'] / 3600:.2f}",
                      "finished" if r["finished"] else ("resumable" if r["resumable"] else ""))
        console.print(t)
        for rep in sorted({r["replicate"] for r in rows}):
            s = sum(r["est_s"] for r in rows if r["replicate"] == rep)
            console.print(f"replicate {rep}: {sum(1 for r in rows if r['replicate'] == rep)} runs, "
                          f"{s / 3600:.1f} CPU-h, ≈ {s / 3600 / jobs:.1f} h on {jobs} workers")
        tot = sum(r["est_s"] for r in rows)
        console.print(f"total left: {tot / 3600:.1f} CPU-h (≈ {tot / 3600 / jobs:.1f} h wall on "
                      f"{jobs} workers); '~' = estimated, not measured on this machine")
        e = Table(title=f"when each experiment's runs are all trained ({jobs} workers, this "
                        "order, from now)")
        for c in ("experiment", "runs left", "done after ≈ h"):
            e.add_column(c)
        for name, d in experiment_finish(rows, jobs).items():
            e.add_row(name, str(d["runs_left"]),
                      "done" if not d["runs_left"] else f"{d['end_s'] / 3600:.1f}")
        console.print(e)
        if not only and not seeds:  # plan.json is the whole profile's plan, never a filtered one
            atomic_write_text(root / "plan.json", _codec.dumps(rows))
        return 0
    pool = None
    if executor == "ray" and any(not is_finished(root, p.run) for p in planned):
        from empirics.engine.ray_executor import RayExecutor

        pool = RayExecutor(root, device, jobs_arg, console=console)
        jobs = int(jobs_arg or pool.slots())
    _terminate_as_interrupt()
    try:
        status = schedule(planned, root, jobs, device, console, commit=commit, executor=pool)
    finally:
        if pool is not None:
            pool.shutdown()
    console.print(f"{len(status['done'])} trained, {status['skipped']} already finished, "
                  f"{len(status['failed'])} failed")
    return 1 if status["failed"] else 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _terminate_as_interrupt() -> None:
    """SIGTERM (``kill``) unwinds like Ctrl-C: the pool and its manager process are shut down
    (the workers stop at their last checkpoint) instead of being left behind as orphans."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


register_trainer(train_command)
