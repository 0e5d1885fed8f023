"""Training runs and MSE@k evaluation of the product-tracking experiments (000 Exp VII, VIII).

MSE@k is the mean over positions t = 1..k and the 4 entries of (P̂_t − P_t)²; per test sequence
and seed values are kept at the ks the claims read, for paired hierarchical intervals.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv
from chasm_theory._record import Outcome
from chasm_theory.oracles.product_tracking import MatrixLaw
from chasm_theory.stats import hier_ci
from empirics.engine import convergence
from empirics.engine.evaluate import per_position_sq_err
from empirics.engine.figures import once
from empirics.engine.runs import TrainRun, trained
from empirics.engine.specs import named_seed
from empirics.tasks.product import sample_product_batch

__all__ = ["product_runs", "run_product", "KEEP_KS", "training_summaries", "curves",
           "with_convergence", "law_name"]

KEEP_KS = [64, 256, 512]  # per-sequence values kept for the CIs


def law_name(res: dict[str, Any]) -> str:
    """The run's factor law, e.g. ``det/rescale/shear=0.1`` (runs before it was stored: unknown)."""
    return MatrixLaw(**res["law"]).name if "law" in res else "law not recorded in this run"


def product_runs(cfg: dict[str, Any], seed: int, table: dict[str, tuple], exp: str
                 ) -> dict[str, list[TrainRun]]:
    """model name -> one run per replicate (the seed depends on the name, so the same model in
    Exp VII and VIII is one run)."""
    task = {"name": "product", "law": cfg["law"]}
    return {name: [TrainRun(table[name][0], task, cfg["train_T"], cfg["train"], "mse_loss",
                            named_seed(name, int(seed) * 100 + s), 4, 4, label=f"{exp}/{name}",
                            replicate=r)
                   for r, s in enumerate(cfg["seeds"])]
            for name in cfg["models"]}


def run_product(cfg: dict[str, Any], env: RunEnv, table: dict[str, tuple], exp: str
                ) -> dict[str, Any]:
    """Train-or-load every model of ``cfg["models"]`` for every seed; evaluate MSE@k."""
    law = MatrixLaw(**cfg["law"])
    tcfg = cfg["test"]
    g = torch.Generator().manual_seed(int(tcfg["seed"]) + int(env.seed))
    X, Y = sample_product_batch(g, tcfg["n"], tcfg["T"], law)
    ysq = (Y.double() ** 2).mean(-1).numpy()  # (n, T)
    ks = tcfg["ks"]
    runs = product_runs(cfg, env.seed, table, exp)
    res: dict[str, Any] = {
        "zero_predictor": {str(k): float(ysq[:, :k].mean()) for k in ks},
        "target_second_moment_last": {str(k): float(ysq[:, k - 1].mean()) for k in ks},
        "n_seeds": len(cfg["seeds"]),
        "law": dict(cfg["law"]),
        "models": {},
    }
    for name in cfg["models"]:
        spec = table[name][0]
        per_seed_mse, per_seed_last, logs = [], [], []
        for r in runs[name]:
            model, log = trained(r, env)
            err = per_position_sq_err(model, X, Y)
            per_seed_mse.append({k: err[:, :k].mean(1) for k in ks})
            per_seed_last.append({k: err[:, k - 1] for k in ks})
            logs.append(log)
        entry: dict[str, Any] = {"n_params": logs[0]["n_params"], "spec": spec, "train": logs,
                                 "mse": {}, "nmse": {}, "last_mse": {}, "per_seq": {}}
        for k in ks:
            arr = np.stack([d[k] for d in per_seed_mse])
            entry["mse"][str(k)] = hier_ci(arr)
            m = float(arr.mean()) if np.all(np.isfinite(arr)) else float("inf")
            entry["nmse"][str(k)] = m / res["zero_predictor"][str(k)]
            last = np.stack([d[k] for d in per_seed_last])
            entry["last_mse"][str(k)] = (float(last.mean()) if np.all(np.isfinite(last))
                                         else float("inf"))
            if k in KEEP_KS:
                entry["per_seq"][str(k)] = np.round(arr, 6).tolist()
        entry["nonfinite_frac_512"] = float(np.mean([~np.isfinite(d[ks[-1]])
                                                     for d in per_seed_mse]))
        res["models"][name] = entry
    return res


def training_summaries(res: dict[str, Any], names: list[str] | None = None, prefix: str = ""
                       ) -> dict[str, list[dict[str, Any]]]:
    """``prefix + name`` -> the training summaries of the model's replicates (one per seed, as
    :func:`empirics.engine.runs.trained` returns them) for the models ``names`` (all if None);
    a model whose results carry none (a stand-in result) is left out."""
    return {prefix + n: e["train"] for n, e in res["models"].items()
            if (names is None or n in names) and e.get("train")}


def curves(ctx: Context, res: dict[str, Any], figure: str, title: str) -> str | None:
    """The experiment's training-curves figure ``figure`` (every model and seed), drawn once per
    results; None when the results carry no training summaries."""
    every = training_summaries(res)
    if not every:
        return None
    return once(ctx, figure, every, lambda: convergence.curves_figure(ctx, every, figure, title))


def with_convergence(ctx: Context, res: dict[str, Any], out: Outcome, figure: str, title: str,
                     names: list[str] | None = None) -> Outcome:
    """``out`` with the convergence note of the models ``names`` (all if None) and the
    experiment's training-curves figure ``figure`` (every model, drawn once per results)."""
    every = training_summaries(res)
    if not every:
        out.evidence += " Convergence: these results carry no training summaries."
        return out
    return convergence.attach_curves(ctx, out, training_summaries(res, names), figure, title,
                                     drawn=every)
