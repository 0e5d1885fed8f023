"""When each experiment's training is done: the plan's runs list-scheduled, in the scheduler's
order, onto ``jobs`` identical workers (each run starts on the first worker to free up), from
the runs' estimated seconds left. Pure arithmetic on plan rows; :mod:`~empirics.engine.scheduler`
prints it with ``chasm-theory train --plan``."""
from __future__ import annotations

import heapq
from typing import Any

from chasm_theory.errors import ValidationError

__all__ = ["finish_times", "experiment_finish"]


def finish_times(rows: list[dict[str, Any]], jobs: int) -> list[float]:
    """Seconds from now at which each row's run ends (0 for a finished run), the rows taken in
    order by ``jobs`` workers that are all free now. ``rows``: plan rows with ``est_s`` (seconds
    left) and ``finished``."""
    if jobs < 1:
        raise ValidationError("jobs", "must be at least 1", repr(jobs))
    free = [0.0] * jobs  # a heap of the times the workers free up
    out = []
    for r in rows:
        if r["finished"]:
            out.append(0.0)
            continue
        start = heapq.heappop(free)
        end = start + float(r["est_s"])
        heapq.heappush(free, end)
        out.append(end)
    return out


def experiment_finish(rows: list[dict[str, Any]], jobs: int) -> dict[str, dict[str, float]]:
    """experiment -> {"runs_left": n, "end_s": when its last run ends} (a run shared by several
    experiments counts for each), in the order the experiments complete."""
    ends = finish_times(rows, jobs)
    out: dict[str, dict[str, float]] = {}
    for r, end in zip(rows, ends):
        for e in r["experiments"]:
            d = out.setdefault(e, {"runs_left": 0, "end_s": 0.0})
            d["runs_left"] += 0 if r["finished"] else 1
            d["end_s"] = max(d["end_s"], end)
    return dict(sorted(out.items(), key=lambda kv: (kv[1]["end_s"], kv[0])))
