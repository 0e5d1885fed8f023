"""The experiment registry and the run cache.

An experiment is a named function ``run(config, env) -> results`` plus ``config(profile)`` and,
when it trains models, ``training_runs(config, seed) -> [run, ...]`` (opaque objects with a
``key``; the empirical engine defines them). Results are cached under
``reports/runs/<profile>/<name>-<hash>.json`` keyed by a hash of the full config (including the
experiment's ``version``), written atomically with provenance through the one JSON codec
(:mod:`chasm_theory._codec`); fresh results go through the same codec before a check sees them.
Trained models live in the same run cache (``reports/runs/<profile>/models/<key>.pt``, written by
the engine), so an evaluation never retrains a model whose file exists.

The core never imports the training layer: a plug-in registers its trainer here
(:func:`register_trainer`), and ``chasm-theory train`` calls it after loading the plug-ins.
"""
from __future__ import annotations

import hashlib
import json
import platform
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from chasm_theory import _codec
from chasm_theory._context import Context, cache_root, plug_results_source, project_root
from chasm_theory._git import source_commit
from chasm_theory._io import atomic_write_text
from chasm_theory._plugins import load_all
from chasm_theory.errors import ChasmError, NotRunError, RunFailed, UnknownExperimentError


@dataclass
class RunEnv:
    """What an experiment's ``run`` receives.

    ``workdir``: a folder private to this (experiment, config hash) for scratch state; it
    survives an interrupted run. ``run_cache``: ``reports/runs/<profile>`` (trained models under
    ``models/``, in-progress checkpoints under ``ckpt/``); defaults to ``workdir``.
    ``allow_training``: False when only stored models may be used. ``progress``: a rich
    Progress or None.
    """

    profile: str
    device: str
    seed: int
    workdir: Path
    progress: Any = None
    run_cache: Path | None = None
    allow_training: bool = True

    @property
    def runs_root(self) -> Path:
        return Path(self.run_cache if self.run_cache is not None else self.workdir)

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
    training_runs: Callable[[dict[str, Any], int], list[Any]] | None = None
    explicit_run: tuple[str, ...] = ()


_EXPERIMENTS: dict[str, Experiment] = {}
_MEMO: dict[tuple[str, str, str], dict[str, Any]] = {}
_TRAINER: dict[str, Callable[..., int]] = {}


def register_trainer(fn: Callable[..., int]) -> Callable[..., int]:
    """Plug-in hook: ``fn(profile=..., jobs=..., only=..., seeds=..., plan=..., reports_dir=...,
    device=..., console=...) -> exit code`` runs the training runs of every experiment."""
    _TRAINER["train"] = fn
    return fn


def get_trainer() -> Callable[..., int]:
    """The registered trainer (after loading the claim plug-ins)."""
    load_all()
    if "train" not in _TRAINER:
        raise ChasmError("no training plug-in is installed (the empirical layer registers one)")
    return _TRAINER["train"]


def experiment(
    name: str, *, title: str, config: Callable[[str], dict[str, Any]], version: int = 1,
    gpu_for_full: bool = True,
    training_runs: Callable[[dict[str, Any], int], list[Any]] | None = None,
    explicit_run: tuple[str, ...] = (),
) -> Callable[[Callable[[dict[str, Any], RunEnv], dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """Decorator registering ``run(config, env) -> results`` as experiment ``name``;
    ``training_runs(config, seed)`` lists the models ``run`` trains (for the scheduler).
    ``explicit_run``: profiles at which the run is too heavy to start implicitly from a report
    or a check (hours of oracle computation): there it runs only by ``chasm-theory run``."""

    def deco(
        fn: Callable[[dict[str, Any], RunEnv], dict[str, Any]],
    ) -> Callable[..., dict[str, Any]]:
        if name in _EXPERIMENTS and _EXPERIMENTS[name].run is not fn:
            raise ValueError(f"experiment {name!r} registered twice")
        _EXPERIMENTS[name] = Experiment(name, title, config, fn, version, gpu_for_full,
                                        training_runs=training_runs,
                                        explicit_run=tuple(explicit_run))
        return fn

    return deco


def all_experiments() -> dict[str, Experiment]:
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
    """The source commit of a run: ``+dirty`` counts tracked changes outside ``reports/`` (the
    run cache itself is written there while runs land)."""
    root = project_root()
    return source_commit(root, root / "reports")


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
    # versions from package metadata: the core never imports torch (the empirical layer adds
    # the accelerator's name to its own run files)
    from contextlib import suppress
    from importlib.metadata import PackageNotFoundError, version

    with suppress(PackageNotFoundError):
        prov["torch"] = version("torch")
    prov["device_name"] = platform.processor() or platform.machine()
    return prov


def result_path(reports_dir: Path, exp: Experiment, profile: str, h: str) -> Path:
    return reports_dir / "runs" / profile / f"{exp.name}-{h}.json"


def load_cached(
    reports_dir: Path, exp: Experiment, profile: str, seed: int
) -> dict[str, Any] | None:
    cfg = exp.config(profile)
    path = result_path(reports_dir, exp, profile, config_hash(exp, cfg, seed))
    if path.exists():
        return _codec.loads(path.read_text())
    return None


def missing_models(exp: Experiment, cfg: dict[str, Any], seed: int, run_cache: Path) -> list[Any]:
    """The training runs of ``exp`` whose model file is not in ``run_cache/models/``."""
    if exp.training_runs is None:
        return []
    return [r for r in exp.training_runs(cfg, seed)
            if not (run_cache / "models" / f"{r.key}.pt").exists()]


def planned_seeds(cfg: Any) -> int:
    """The most replicates any ``"seeds"`` list of the config plans (0 when none)."""
    if isinstance(cfg, dict):
        return max([len(v) if k == "seeds" and isinstance(v, list) else planned_seeds(v)
                    for k, v in cfg.items()], default=0)
    if isinstance(cfg, list):
        return max((planned_seeds(v) for v in cfg), default=0)
    return 0


def trim_seeds(cfg: Any, k: int) -> Any:
    """The config with every ``"seeds"`` list cut to its first ``k`` replicates."""
    if isinstance(cfg, dict):
        return {key: (v[:k] if key == "seeds" and isinstance(v, list) else trim_seeds(v, k))
                for key, v in cfg.items()}
    if isinstance(cfg, list):
        return [trim_seeds(v, k) for v in cfg]
    return cfg


def seeds_available(exp: Experiment, cfg: dict[str, Any], seed: int, run_cache: Path
                    ) -> dict[str, int] | None:
    """When some models of ``cfg`` are not trained yet but the first ``k`` replicates of every
    model are (replicates train in passes, replicate 0 of everything first), ``{"used": k,
    "planned": n}`` for the largest such ``k``; None when nothing is missing or no replicate
    is complete."""
    n = planned_seeds(cfg)
    if exp.training_runs is None or n < 2 or not missing_models(exp, cfg, seed, run_cache):
        return None
    for k in range(n - 1, 0, -1):
        if not missing_models(exp, trim_seeds(cfg, k), seed, run_cache):
            return {"used": k, "planned": n}
    return None


def run_experiment(
    name: str, ctx: Context, *, force: bool = False, explicit: bool = False
) -> dict[str, Any]:
    """Run (or load) experiment ``name`` under ``ctx``; return the stored run document
    ``{name, profile, config, config_hash, status, results, provenance, error}``.

    Evaluating from stored models only (``ctx.allow_training`` False) while the later
    replicates are still training, the run uses the replicates complete for every model
    (:func:`seeds_available`); its document then carries ``seeds: {used, planned}`` and the
    registry's seed rule withholds the verdicts of the trained-model claims that read it.
    """
    exp = get_experiment(name)
    cfg = exp.config(ctx.profile)
    h = config_hash(exp, cfg, ctx.seed)
    seeds = None
    if not ctx.allow_training and not force and not result_path(
            ctx.reports_dir, exp, ctx.profile, h).exists():
        seeds = seeds_available(exp, cfg, ctx.seed, ctx.reports_dir / "runs" / ctx.profile)
        if seeds is not None:
            cfg = trim_seeds(cfg, seeds["used"])
            h = config_hash(exp, cfg, ctx.seed)
    key = (name, ctx.profile, h)
    if key in _MEMO and not force:
        return _MEMO[key]
    path = result_path(ctx.reports_dir, exp, ctx.profile, h)
    run_cache = ctx.reports_dir / "runs" / ctx.profile
    if path.exists() and not force:
        doc = _codec.loads(path.read_text())
        # a failed run is shown as failed, and retried whenever training is allowed
        if doc.get("status") == "ok" or not ctx.allow_training:
            _MEMO[key] = doc
            return doc
    if ctx.profile in exp.explicit_run and not explicit:
        raise NotRunError(f"no cached {ctx.profile}-profile run of {name} (config {h}); it is "
                          f"started only explicitly: `chasm-theory run {name} --profile "
                          f"{ctx.profile}`")
    if not ctx.allow_training:
        # evaluation from stored models is allowed; training is not
        missing = missing_models(exp, cfg, ctx.seed, run_cache)
        if exp.training_runs is None or missing:
            raise NotRunError(
                f"no cached {ctx.profile}-profile run of {name} (config {h})"
                + (f" and {len(missing)} of its models are not trained" if missing else "")
                + f"; run `chasm-theory train --profile {ctx.profile} --only {name}` and/or "
                f"`chasm-theory run {name} --profile {ctx.profile}`")
    workdir = cache_root() / "runs" / ctx.profile / f"{name}-{h}"
    workdir.mkdir(parents=True, exist_ok=True)
    env = RunEnv(ctx.profile, ctx.device, ctx.seed, workdir, ctx.progress, run_cache=run_cache,
                 allow_training=ctx.allow_training)
    t0 = time.time()
    doc: dict[str, Any] = {"name": name, "title": exp.title, "profile": ctx.profile,
                           "config": cfg, "config_hash": h}
    if seeds is not None:
        doc["seeds"] = seeds
    try:
        # the codec round trip: a check sees exactly what a cached reload would give
        results = _codec.roundtrip(exp.run(cfg, env))
        doc.update(status="ok", results=results, error=None)
    except RunFailed as err:
        doc.update(status="failed", results=None, error=str(err))
    except Exception as err:  # noqa: BLE001 - recorded, then re-raised
        doc.update(status="failed", results=None,
                   error=f"{type(err).__name__}: {err}",
                   traceback=traceback.format_exc(limit=5))
        doc["provenance"] = {
            **provenance(ctx.device, ctx.seed, ctx.profile),
            "wall_s": time.time() - t0,
        }
        atomic_write_text(path, _codec.dumps(doc, indent=2))
        raise
    doc["provenance"] = {
        **provenance(ctx.device, ctx.seed, ctx.profile),
        "wall_s": time.time() - t0,
    }
    atomic_write_text(path, _codec.dumps(doc, indent=2))
    _drop_superseded(path, exp, ctx.profile, ctx.seed, seeds)
    doc = _codec.loads(_codec.dumps(doc))
    _MEMO[key] = doc
    return doc


def _drop_superseded(path: Path, exp: Experiment, profile: str, seed: int,
                     seeds: dict[str, int] | None) -> None:
    """A successful run on more replicates supersedes the stored runs of the same experiment,
    base seed and config made on fewer while the rest trained (documents with ``seeds``): they
    are removed, so the run cache keeps one run per experiment and config. Others are kept."""
    used = seeds["used"] if seeds else None
    for other in path.parent.glob(f"{exp.name}-*.json"):
        if other == path:
            continue
        try:
            old = _codec.loads(other.read_text())
        except (OSError, ValueError):
            continue
        short = old.get("seeds")
        if (old.get("profile") == profile and short and (used is None or short["used"] < used)
                and (old.get("provenance") or {}).get("seed") == seed
                and old.get("config") == trim_seeds(exp.config(profile), short["used"])):
            other.unlink()


def get_experiment_results(name: str, ctx: Context) -> dict[str, Any]:
    """The ``results`` of a successful run; raises RunFailed if the stored run failed."""
    doc = run_experiment(name, ctx)
    ref = {"experiment": name, "profile": doc["profile"], "config_hash": doc["config_hash"],
           "file": f"runs/{doc['profile']}/{name}-{doc['config_hash']}.json"}
    if doc.get("seeds"):
        ref.update(seeds_used=doc["seeds"]["used"], seeds_planned=doc["seeds"]["planned"])
    if ref not in ctx.runs_read:
        ctx.runs_read.append(ref)
    if doc["status"] != "ok":
        raise RunFailed(f"run {name} ({doc['config_hash']}) failed: {doc.get('error')}")
    return doc["results"]


plug_results_source(get_experiment_results)
