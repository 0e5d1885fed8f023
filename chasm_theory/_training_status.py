"""What the run cache holds of each experiment's training runs at a profile: runs trained of
those planned, training replicates complete, training time and devices, read from the
stored model records (``reports/runs/<profile>/models/<key>.json``)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chasm_theory._experiments import all_experiments, planned_seeds, seeds_available

__all__ = ["training_summary"]


def _record(models: Path, key: str) -> dict[str, Any] | None:
    p = models / f"{key}.json"
    return json.loads(p.read_text()) if p.exists() else None


def training_summary(profile: str, reports_dir: Path, seed: int = 0
                     ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """``(rows, total)``. One row per experiment that trains models at ``profile``:
    ``{experiment, runs, trained, seeds_planned, seeds_complete, train_hours,
    hours_lower_bound, devices}``; ``total``: ``{"runs", "trained"}`` over all of them, a run
    shared by several experiments counted once (by its key).

    ``seeds_complete``: replicates trained for every model (the evaluation uses those).
    ``train_hours``: the training-loop time of the trained runs (a shared run counts in each
    row); ``hours_lower_bound`` is True when some run resumed from a checkpoint that did not
    record the time before it (only its last segment is counted)."""
    run_cache = Path(reports_dir) / "runs" / profile
    rows, keys, done = [], set(), set()
    for name, exp in sorted(all_experiments().items()):
        if exp.training_runs is None:
            continue
        cfg = exp.config(profile)
        runs = exp.training_runs(cfg, seed)
        if not runs:
            continue
        recs = {run.key: _record(run_cache / "models", run.key) for run in runs}
        keys |= set(recs)
        done |= {k for k, r in recs.items() if r}
        trained = [r for r in recs.values() if r]
        n_seeds = max(planned_seeds(cfg), 1)
        if len(trained) == len(runs):
            complete = n_seeds
        else:
            avail = seeds_available(exp, cfg, seed, run_cache)
            complete = avail["used"] if avail else 0
        secs, lower, devices = 0.0, False, set()
        for r in trained:
            prov = r.get("provenance", {})
            t = prov.get("train_wall_s")
            if t is None:
                t, lower = prov.get("wall_s", 0.0), lower or bool(prov.get("resumed_from"))
            secs += float(t)
            threads = prov.get("threads", "?")
            devices.add(f"{prov.get('device', '?')} ({prov.get('device_name', '?')}, "
                        f"{threads} thread{'' if threads == 1 else 's'})")
        rows.append({"experiment": name, "runs": len(runs), "trained": len(trained),
                     "seeds_planned": n_seeds, "seeds_complete": complete,
                     "train_hours": round(secs / 3600, 3), "hours_lower_bound": lower,
                     "devices": sorted(devices)})
    return rows, {"runs": len(keys), "trained": len(done)}
