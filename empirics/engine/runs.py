"""A training run is data: :class:`TrainRun`. :func:`trained` trains it or loads it.

The run cache of a profile (``reports/runs/<profile>/``, committed) holds for every finished run
``models/<key>.pt`` (the state_dict only, loaded with ``weights_only=True``) and
``models/<key>.json`` (the run, its training and held-out loss curves, parameter count, steps
and provenance: wall time, threads, device, commit, versions). A run in progress keeps its
checkpoint (model, optimizer, scheduler, step, curves) in ``ckpt/<key>.pt`` so that a fresh
checkout resumes it; the checkpoint is deleted once the model is stored.

The ``key`` is the sha256 (12 hex) of the canonical JSON of everything that determines the
weights: model spec, task spec, training length, training config, loss, seed, input/output
widths. ``label`` (who asked, for humans) and ``replicate`` (the seed's index in its
experiment's seed list, for scheduling) are not part of it, so two experiments that ask for the
same model share one run.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from chasm_theory import _codec
from chasm_theory._experiments import RunEnv, git_commit
from chasm_theory._io import atomic_write_text
from chasm_theory.errors import NotRunError, ValidationError
from empirics.engine.convergence import heldout_change
from empirics.engine.models import build_model
from empirics.engine.training import TrainConfig, seed_everything, train
from empirics.models.count import count_params
from empirics.tasks.registry import make_sampler

__all__ = ["TrainRun", "LOSSES", "trained", "initial_model", "model_path", "run_record_path",
           "execute", "is_finished", "summary_of", "trained_set", "kmax"]


def _mse(pred: Tensor, y: Tensor) -> Tensor:
    return ((pred - y) ** 2).mean()


def _mse_loss(pred: Tensor, y: Tensor) -> Tensor:
    return torch.nn.functional.mse_loss(pred, y)


def _ce(logits: Tensor, y: Tensor) -> Tensor:
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def _bce(logit: Tensor, y: Tensor) -> Tensor:
    return torch.nn.functional.binary_cross_entropy_with_logits(logit, y)


LOSSES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "mse": _mse, "mse_loss": _mse_loss, "cross_entropy": _ce, "bce_logits": _bce,
}


@dataclass(frozen=True, eq=False)
class TrainRun:
    """One training run. ``model``: model spec ({"kind": ...}); ``task``: task spec
    ({"name": ...}); ``length``: training sequence length; ``train``: TrainConfig fields;
    ``loss``: a name in :data:`LOSSES`; ``seed``: the init and data seed; ``d_in``/``d_out``:
    model input/output widths. ``label`` and ``replicate`` are not part of the key."""

    model: dict[str, Any]
    task: dict[str, Any]
    length: int
    train: dict[str, Any]
    loss: str
    seed: int
    d_in: int = 1
    d_out: int = 1
    label: str = ""
    replicate: int = 0
    key: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValidationError("loss", f"must be one of {', '.join(LOSSES)}", repr(self.loss))
        TrainConfig(**self.train)  # validates
        object.__setattr__(self, "key", hashlib.sha256(self.canonical().encode()).hexdigest()[:12])

    def identity(self) -> dict[str, Any]:
        return {"model": self.model, "task": self.task, "length": int(self.length),
                "train": self.train, "loss": self.loss, "seed": int(self.seed),
                "d_in": int(self.d_in), "d_out": int(self.d_out)}

    def canonical(self) -> str:
        return json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))

    def as_dict(self) -> dict[str, Any]:
        return {**self.identity(), "key": self.key, "label": self.label,
                "replicate": self.replicate}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainRun:
        return cls(d["model"], d["task"], d["length"], d["train"], d["loss"], d["seed"],
                   d.get("d_in", 1), d.get("d_out", 1), d.get("label", ""), d.get("replicate", 0))

    @property
    def steps(self) -> int:
        return int(self.train["steps"])

    def cost_class(self) -> str:
        """What the time of one step depends on (not seed, steps or learning rate)."""
        blob = json.dumps({"model": self.model, "task": self.task, "length": self.length,
                           "batch": self.train["batch"], "loss": self.loss, "d_in": self.d_in,
                           "d_out": self.d_out}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TrainRun) and other.key == self.key


def model_path(root: Path, run: TrainRun) -> Path:
    return Path(root) / "models" / f"{run.key}.pt"


def run_record_path(root: Path, run: TrainRun) -> Path:
    return Path(root) / "models" / f"{run.key}.json"


def ckpt_path(root: Path, run: TrainRun) -> Path:
    return Path(root) / "ckpt" / f"{run.key}.pt"


def ckpt_step(root: Path, run: TrainRun) -> int:
    """The optimizer step a run's checkpoint reached (0 without a checkpoint)."""
    ck = ckpt_path(root, run)
    if not ck.exists():
        return 0
    return int(torch.load(ck, map_location="cpu", weights_only=True)["step"])


def is_finished(root: Path, run: TrainRun) -> bool:
    return model_path(root, run).exists() and run_record_path(root, run).exists()


def initial_model(run: TrainRun) -> nn.Module:
    """The run's model at initialisation (torch's global RNG seeded by ``run.seed``)."""
    seed_everything(run.seed)
    return build_model(run.model, run.d_in, run.d_out, seed=run.seed)


def _versions() -> dict[str, str]:
    import sys

    import numpy

    return {"python": sys.version.split()[0], "torch": torch.__version__,
            "numpy": numpy.__version__, "platform": platform.platform()}


def summary_of(record: dict[str, Any]) -> dict[str, Any]:
    """What an experiment's results keep of a run record: the same for a fresh and a cached run
    (no wall time, no provenance)."""
    t = record["training"]
    held = t["heldout_curve"]
    change = heldout_change(held, t["steps"])  # the convergence rule's input, defined once
    return {"key": record["run"]["key"], "steps": t["steps"], "n_params": record["n_params"],
            "final_loss": t["final_loss"], "final_heldout": t["final_heldout"],
            "heldout_rel_change_last_quarter": change,
            "curve": t["curve"], "heldout_curve": held}


def execute(run: TrainRun, root: Path, device: str = "cpu",
            advance: Callable[[int], None] | None = None, count_resumed: bool = True
            ) -> dict[str, Any]:
    """Train ``run`` (resuming from its checkpoint), store the model and its record, delete the
    checkpoint; returns the record. The model file is written last-but-one and the record last,
    both atomically, so a finished run is exactly one with both files."""
    root = Path(root)
    model = initial_model(run)
    t0 = time.time()
    log = train(model, make_sampler(run.task, run.length, device), LOSSES[run.loss],
                TrainConfig(**run.train), ckpt=ckpt_path(root, run), seed=run.seed, device=device,
                advance=advance, name=run.label or run.key, count_resumed=count_resumed)
    record = {
        "run": run.as_dict(), "n_params": count_params(model),
        "training": {k: log[k] for k in ("steps", "curve", "heldout_curve", "final_loss",
                                         "final_heldout")},
        "provenance": {"wall_s": round(time.time() - t0, 2), "resumed_from": log["resumed_from"],
                       "train_wall_s": log["train_wall_s"],
                       "threads": torch.get_num_threads(), "device": device,
                       "device_name": platform.processor() or platform.machine(),
                       "commit": git_commit(), "versions": _versions(), "seed": run.seed,
                       "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
    }
    mp = model_path(root, run)
    mp.parent.mkdir(parents=True, exist_ok=True)
    tmp = mp.with_suffix(f".pt.tmp{os.getpid()}")
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, tmp)
    os.replace(tmp, mp)
    atomic_write_text(run_record_path(root, run), _codec.dumps(record))
    ck = ckpt_path(root, run)
    if ck.exists():
        ck.unlink()
    return record


def load(run: TrainRun, root: Path, device: str = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """The stored model of a finished run (eval mode) and its record."""
    model = initial_model(run)
    state = torch.load(model_path(root, run), map_location=device, weights_only=True)
    model.load_state_dict(state)
    model.to(device).eval()
    record = _codec.loads(run_record_path(root, run).read_text())
    return model, record


def trained(run: TrainRun, env: RunEnv) -> tuple[nn.Module, dict[str, Any]]:
    """Train-or-load: the model of ``run`` (eval mode) and its summary (:func:`summary_of`).
    A stored model is never retrained; without ``env.allow_training`` a missing one raises
    :class:`NotRunError`."""
    root = env.runs_root
    if not is_finished(root, run):
        if not env.allow_training:
            raise NotRunError(f"model {run.key} ({run.label}) is not trained; run "
                              f"`chasm-theory train --profile {env.profile}`")
        task = env.task(f"train {run.label or run.key}", run.steps)
        execute(run, root, env.device, advance=task)
    model, record = load(run, root, env.device)
    return model, summary_of(record)


def kmax(run: TrainRun) -> int:
    """Largest context a trained model may be evaluated at: a learned PE table stops at the
    training length; everything else extrapolates."""
    spec = run.model
    return run.length if spec["kind"] == "tf" and spec.get("pe") == "learned" else 10**9


def trained_set(runs: dict[str, list[TrainRun]], env: RunEnv
                ) -> tuple[dict[str, tuple[list[nn.Module], int]], dict[str, Any], dict[str, Any]]:
    """Train-or-load every replicate of every named model. Returns (name -> (models over the
    seeds, k_max), name -> summary of the first replicate, name -> summaries of all)."""
    models, first, every = {}, {}, {}
    for name, rs in runs.items():
        got = [trained(r, env) for r in rs]
        models[name] = ([m for m, _ in got], kmax(rs[0]))
        first[name] = got[0][1]
        every[name] = [i for _, i in got]
    return models, first, every
