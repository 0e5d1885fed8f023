"""The experiment registry and the run cache.

An experiment is a named function ``run(config, env) -> results`` plus ``config(profile)``.
Results are cached under ``reports/runs/<profile>/<name>-<hash>.json`` keyed by a hash of the
full config (including the experiment's ``version``), written atomically with provenance.
Checkpoints for resumable training live under ``env.workdir`` (``.cache/``, not committed).
"""
from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from chasm_theory._context import Context, cache_root, project_root
from chasm_theory._io import atomic_write_json
from chasm_theory.errors import ChasmError, NotRunError, UnknownExperimentError


@dataclass
class RunEnv:
    """What an experiment's ``run`` receives.

    ``workdir``: a folder private to this (experiment, config hash) for checkpoints; it survives
    an interrupted run so that training can resume. ``progress``: a rich Progress or None.
    """

    profile: str
    device: str
    seed: int
    workdir: Path
    progress: Any = None

    def task(self, description: str, total: float) -> Callable[[float], None]:
        """Add a progress-bar task; returns ``advance(n)``. A no-op without a Progress."""
        if self.progress is None:
            return lambda n=1: None
        tid = self.progress.add_task(description, total=total)
        return lambda n=1: self.progress.advance(tid, n)


@dataclass
class Experiment:
    name: str
    title: str
    config: Callable[[str], dict[str, Any]]
    run: Callable[[dict[str, Any], RunEnv], dict[str, Any]]
    version: int = 1
    gpu_for_full: bool = True
    claims: list[str] = field(default_factory=list)


_EXPERIMENTS: dict[str, Experiment] = {}
_MEMO: dict[tuple[str, str, str], dict[str, Any]] = {}


class RunFailed(ChasmError):
    """The run stopped with a failed status (NaN, divergence); its record is kept."""


def experiment(
    name: str, *, title: str, config: Callable[[str], dict[str, Any]], version: int = 1,
    gpu_for_full: bool = True,
) -> Callable[[Callable[[dict[str, Any], RunEnv], dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """Decorator registering ``run(config, env) -> results`` as experiment ``name``."""

    def deco(fn: Callable[[dict[str, Any], RunEnv], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        if name in _EXPERIMENTS and _EXPERIMENTS[name].run is not fn:
            raise ValueError(f"experiment {name!r} registered twice")
        _EXPERIMENTS[name] = Experiment(name, title, config, fn, version, gpu_for_full)
        return fn

    return deco


def all_experiments() -> dict[str, Experiment]:
    from chasm_theory._registry import load_all

    load_all()
    return dict(_EXPERIMENTS)


def get_experiment(name: str) -> Experiment:
    exps = all_experiments()
    if name not in exps:
        raise UnknownExperimentError(name, list(exps))
    return exps[name]


def config_hash(exp: Experiment, cfg: dict[str, Any], seed: int) -> str:
    blob = json.dumps({"name": exp.name, "version": exp.version, "seed": seed, "config": cfg},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project_root(), capture_output=True,
                             text=True, timeout=5)
        commit = out.stdout.strip() or "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=project_root(), capture_output=True, text=True, timeout=5).stdout
        return commit + ("+dirty" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(device: str, seed: int, profile: str) -> dict[str, Any]:
    import numpy

    prov: dict[str, Any] = {
        "commit": git_commit(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "profile": profile,
        "seed": seed,
        "device": device,
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "platform": platform.platform(),
    }
    try:
        import torch

        prov["torch"] = torch.__version__
        if device == "cuda" and torch.cuda.is_available():
            prov["device_name"] = torch.cuda.get_device_name(0)
        else:
            prov["device_name"] = platform.processor() or platform.machine()
    except ImportError:  # pragma: no cover
        pass
    return prov


def result_path(reports_dir: Path, exp: Experiment, profile: str, h: str) -> Path:
    return reports_dir / "runs" / profile / f"{exp.name}-{h}.json"


def load_cached(reports_dir: Path, exp: Experiment, profile: str, seed: int) -> dict[str, Any] | None:
    cfg = exp.config(profile)
    path = result_path(reports_dir, exp, profile, config_hash(exp, cfg, seed))
    if path.exists():
        return json.loads(path.read_text())
    return None


def run_experiment(
    name: str, ctx: Context, *, force: bool = False
) -> dict[str, Any]:
    """Run (or load) experiment ``name`` under ``ctx``; return the stored run document
    ``{name, profile, config, config_hash, status, results, provenance, error}``."""
    exp = get_experiment(name)
    cfg = exp.config(ctx.profile)
    h = config_hash(exp, cfg, ctx.seed)
    key = (name, ctx.profile, h)
    if key in _MEMO and not force:
        return _MEMO[key]
    path = result_path(ctx.reports_dir, exp, ctx.profile, h)
    if path.exists() and not force:
        doc = json.loads(path.read_text())
        # a failed run is shown as failed, and retried whenever training is allowed
        if doc.get("status") == "ok" or not ctx.allow_training:
            _MEMO[key] = doc
            return doc
    if not ctx.allow_training:
        raise NotRunError(
            f"no cached {ctx.profile}-profile run of {name} (config {h}); "
            f"run `chasm-theory run {name} --profile {ctx.profile}`"
            + (" --device cuda" if exp.gpu_for_full and ctx.profile == "full" else "")
        )
    workdir = cache_root() / "runs" / ctx.profile / f"{name}-{h}"
    workdir.mkdir(parents=True, exist_ok=True)
    env = RunEnv(ctx.profile, ctx.device, ctx.seed, workdir, ctx.progress)
    t0 = time.time()
    doc: dict[str, Any] = {"name": name, "title": exp.title, "profile": ctx.profile,
                           "config": cfg, "config_hash": h}
    try:
        results = exp.run(cfg, env)
        doc.update(status="ok", results=results, error=None)
    except RunFailed as err:
        doc.update(status="failed", results=None, error=str(err))
    except Exception as err:  # noqa: BLE001 - recorded, then re-raised
        doc.update(status="failed", results=None,
                   error=f"{type(err).__name__}: {err}",
                   traceback=traceback.format_exc(limit=5))
        doc["provenance"] = {**provenance(ctx.device, ctx.seed, ctx.profile), "wall_s": time.time() - t0}
        atomic_write_json(path, doc)
        raise
    doc["provenance"] = {**provenance(ctx.device, ctx.seed, ctx.profile), "wall_s": time.time() - t0}
    atomic_write_json(path, doc)
    _MEMO[key] = doc
    return doc


def get_experiment_results(name: str, ctx: Context) -> dict[str, Any]:
    """The ``results`` of a successful run; raises RunFailed if the stored run failed."""
    doc = run_experiment(name, ctx)
    ref = {"experiment": name, "profile": doc["profile"], "config_hash": doc["config_hash"],
           "file": f"runs/{doc['profile']}/{name}-{doc['config_hash']}.json"}
    if ref not in ctx.runs_read:
        ctx.runs_read.append(ref)
    if doc["status"] != "ok":
        raise RunFailed(f"run {name} ({doc['config_hash']}) failed: {doc.get('error')}")
    return doc["results"]
