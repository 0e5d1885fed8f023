"""What the run cache holds of each experiment's training runs at a profile: runs trained of
those planned, training replicates complete, training time and devices, read from the
stored model records (``reports/runs/<profile>/models/<key>.json``)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chasm_theory._experiments import all_experiments, planned_seeds, seeds_available

__all__ = ["training_status", "training_total"]


def _record(models: Path, key: str) -> dict[str, Any] | None:
    p = models / f"{key}.json"
    return json.loads(p.read_text()) if p.exists() else None


def training_status(profile: str, reports_dir: Path, seed: int = 0) -> list[dict[str, Any]]:
    """One row per experiment that trains models at ``profile``: ``{experiment, runs,
    trained, seeds_planned, seeds_complete, train_hours, hours_lower_bound, devices}``.

    ``seeds_complete``: replicates trained for every model (the evaluation uses those).
    ``train_hours``: the training-loop time of the trained runs (a run shared by several
    experiments counts in each); ``hours_lower_bound`` is True when some run resumed from a
    checkpoint that did not record the time before it (only its last segment is counted)."""
    run_cache = Path(reports_dir) / "runs" / profile
    rows = []
    for name, exp in sorted(all_experiments().items()):
        if exp.training_runs is None:
            continue
        cfg = exp.config(profile)
        runs = exp.training_runs(cfg, seed)
        if not runs:
            continue
        recs = [r for r in (_record(run_cache / "models", run.key) for run in runs) if r]
        n_seeds = max(planned_seeds(cfg), 1)
        if len(recs) == len(runs):
            complete = n_seeds
        else:
            avail = seeds_available(exp, cfg, seed, run_cache)
            complete = avail["used"] if avail else 0
        secs, lower, devices = 0.0, False, set()
        for r in recs:
            prov = r.get("provenance", {})
            t = prov.get("train_wall_s")
            if t is None:
                t, lower = prov.get("wall_s", 0.0), lower or bool(prov.get("resumed_from"))
            secs += float(t)
            threads = prov.get("threads", "?")
            devices.add(f"{prov.get('device', '?')} ({prov.get('device_name', '?')}, "
                        f"{threads} thread{'' if threads == 1 else 's'})")
        rows.append({"experiment": name, "runs": len(runs), "trained": len(recs),
                     "seeds_planned": n_seeds, "seeds_complete": complete,
                     "train_hours": round(secs / 3600, 3), "hours_lower_bound": lower,
                     "devices": sorted(devices)})
    return rows


def training_total(profile: str, reports_dir: Path, seed: int = 0) -> dict[str, int]:
    """``{"runs", "trained"}`` over every experiment at ``profile``, a run shared by several
    experiments counted once (by its key)."""
    models = Path(reports_dir) / "runs" / profile / "models"
    keys = {run.key for exp in all_experiments().values() if exp.training_runs is not None
            for run in exp.training_runs(exp.config(profile), seed)}
    return {"runs": len(keys), "trained": sum((models / f"{k}.json").exists() for k in keys)}
