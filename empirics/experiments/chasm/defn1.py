"""000 Definition 1 (permutation-invariant predictors) probed on our trained models.

For each model we permute the context and measure the change of the last output (the
prediction of x_{k+1}), in float64, relative to the spread of the outputs:

* full: permute all k observations x_1..x_k (Definition 1: g(x_π(1..k)) = g(x_1..k));
* prefix: permute x_1..x_{k−1}, keep the newest observation x_k in place (the attention query and
  the residual stream at the last position come from x_k).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv, experiment
from chasm_theory._record import Outcome, combine, decide
from chasm_theory._registry import claim
from empirics.engine.evaluate import colored_test_set, one_thread
from empirics.engine.runs import TrainRun, trained
from empirics.engine.specs import COLORED_TASK, EXP5_TASK, LG_SPECS, lg_run, lg_scale, variant_spec

SOURCE = "000 §2, Definition 1; §8.5; App C.4"
SECTION = "Definition 1: which architectures are permutation-invariant"
NO_PE = ["exp1-lintf", "exp5-a-linear", "exp5-b-softmax"]
ORDERED = ["exp1-softtf-learned", "exp5-c-sinusoidal", "exp5-d-learned", "exp1-ssm"]
TOL = 1e-9


def _config(profile: str) -> dict[str, Any]:
    sc = lg_scale(profile)
    return {"train": sc["train"], "ssm_len": sc["ssm_len"], "tf_len": sc["tf_len"], "k": 64,
            "n": 64, "n_perm": 4}


def _runs(cfg: dict[str, Any], seed: int) -> dict[str, TrainRun]:
    """The Exp I and Exp V models (seed 0 replicate: a property of each architecture)."""
    return {key: lg_run(f"defn1/{key}", spec, task, cfg, seed, 0) for key, spec, task in (
        ("exp1-lintf", LG_SPECS["lintf"], COLORED_TASK),
        ("exp1-softtf-learned", LG_SPECS["softtf"], COLORED_TASK),
        ("exp1-ssm", LG_SPECS["ssm"], COLORED_TASK),
        ("exp5-a-linear", variant_spec("a", cfg["tf_len"]), EXP5_TASK),
        ("exp5-b-softmax", variant_spec("b", cfg["tf_len"]), EXP5_TASK),
        ("exp5-c-sinusoidal", variant_spec("c", cfg["tf_len"]), EXP5_TASK),
        ("exp5-d-learned", variant_spec("d", cfg["tf_len"]), EXP5_TASK),
    )}


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return list(_runs(cfg, seed).values())


def _models(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    return {key: trained(r, env)[0] for key, r in _runs(cfg, env.seed).items()}


@torch.no_grad()
def permutation_change(model: torch.nn.Module, x: np.ndarray, rng: np.random.Generator,
                       n_perm: int, keep_last: bool) -> float:
    """max over permutations and sequences of |Δ last output| / std(last outputs); x (n, k, 1)."""
    m = model.double().eval()
    xt = torch.as_tensor(x, dtype=torch.float64)
    base = m(xt)[:, -1, 0]
    scale = float(base.std())
    k = x.shape[1]
    worst = 0.0
    for _ in range(n_perm):
        p = rng.permutation(k - 1 if keep_last else k)
        if keep_last:
            p = np.concatenate([p, [k - 1]])
        worst = max(worst, float((m(xt[:, p])[:, -1, 0] - base).abs().max()) / scale)
    m.float()
    return worst


@experiment("defn1", title="Definition 1: permutation probe of our trained models", config=_config,
            version=2, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    with one_thread():
        return _probe(cfg, env)


def _probe(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    models = _models(cfg, env)
    x = colored_test_set(0.95, cfg["n"], cfg["k"], env.seed + 6)[:, :cfg["k"]]
    rng = np.random.default_rng(env.seed)
    return {name: {"full": permutation_change(m, x, rng, cfg["n_perm"], False),
                   "prefix": permutation_change(m, x, rng, cfg["n_perm"], True)}
            for name, m in models.items()}


def _fig(ctx: Context, res: dict[str, Any]) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(res)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    i = np.arange(len(names))
    ax.bar(i - 0.2, [max(res[n]["full"], 1e-17) for n in names], 0.4, label="permute all k")
    ax.bar(i + 0.2, [max(res[n]["prefix"], 1e-17) for n in names], 0.4, label="permute x_1..x_{k−1}")
    ax.set_yscale("log")
    ax.axhline(TOL, color="k", ls=":", lw=0.8)
    ax.set_xticks(i, names, rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("max |Δ last output| / sd")
    ax.legend(fontsize=7)
    ax.set_title("Definition 1 probe (float64)", fontsize=9)
    return ctx.savefig(fig, "defn1_permutation_probe")


@claim("chasm.defn1.architectures", source=SOURCE, kind="property", section=SECTION,
       experiment="defn1",
       paper="linear attention without PE (causal, with residual) and softmax attention without "
             "PE are permutation-invariant predictors",
       statement="for our no-PE attention models, permuting the whole context x_1..x_k leaves the "
                 "last output unchanged (relative change ≤ 1e-9 in float64)")
def check_arch(ctx: Context) -> Outcome:
    res = ctx.experiment("defn1")
    parts = {n: decide(res[n]["full"] <= TOL, predicted=f"≤ {TOL}", measured=res[n]["full"],
                       evidence=f"{n}: relative change {res[n]['full']:.3g} under a full permutation",
                       counterexample={"model": n, "relative_change": res[n]["full"],
                                       "prefix_relative_change": res[n]["prefix"]})
             for n in NO_PE}
    return combine(parts, predicted="invariant",
                   evidence="Permuting all k = 64 observations of colored-noise test sequences "
                   "changes the last output of the no-PE models by (relative to the outputs' sd): "
                   + ", ".join(f"{n} {res[n]['full']:.3g}" for n in NO_PE)
                   + "; permuting only x_1..x_{k−1} (newest observation kept last): "
                   + ", ".join(f"{n} {res[n]['prefix']:.3g}" for n in NO_PE)
                   + ". The query and the residual stream at the last position are functions of x_k, "
                   "so these models are invariant to the order of the earlier context only, not "
                   "symmetric functions of the whole context as Definition 1 requires.",
                   reading="Definition 1 read literally: g(x_π(1), …, x_π(k)) = g(x_1, …, x_k) for "
                   "every permutation π of all k observations; our causal models predict x_{k+1} "
                   "from their output at position k.", figures=[_fig(ctx, res)])


@claim("chasm.defn1.prefix-invariance", source=SOURCE, kind="property", section=SECTION,
       experiment="defn1", paper="PE breaks the symmetry (§8.5)",
       statement="no-PE attention models are invariant to permutations of x_1..x_{k−1} (≤ 1e-9), "
                 "while PE Transformers and the SSM are not (≥ 1e-3)")
def check_prefix(ctx: Context) -> Outcome:
    res = ctx.experiment("defn1")
    parts = {n: decide(res[n]["prefix"] <= TOL, predicted=f"≤ {TOL}", measured=res[n]["prefix"],
                       evidence=f"{n}: {res[n]['prefix']:.3g}") for n in NO_PE}
    parts.update({n: decide(res[n]["prefix"] >= 1e-3, predicted="≥ 1e-3", measured=res[n]["prefix"],
                            evidence=f"{n}: {res[n]['prefix']:.3g}") for n in ORDERED})
    return combine(parts, predicted="no-PE: invariant; PE/SSM: order-sensitive",
                   evidence="Relative change of the last output when x_1..x_{k−1} are permuted: "
                   + ", ".join(f"{n} {res[n]['prefix']:.3g}" for n in NO_PE + ORDERED) + ".",
                   figures=[_fig(ctx, res)])
