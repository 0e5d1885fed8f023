"""002's state-tracking length-generalisation table: Mamba ((0, 1]), Negative Mamba ((−1, 1]),
AUSSM (unit circle) and a GRU trained on words of length ≤ 60 (loss at every prefix of
length-60 words) and tested on longer words; longest length with accuracy > 90 %. Plus the
paper's initialisation-near-solution result for a two-layer AUSSM on S3.

Quick profile (CPU): C2, C6, S3, short training, test up to 500. Full profile: every group of
the table, test up to 1,000 (meant for a GPU).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv, experiment
from chasm_theory._record import Outcome, combine, decide
from chasm_theory._registry import claim
from chasm_theory.oracles.groups import get_group
from empirics.engine.evaluate import one_thread
from empirics.engine.runs import TrainRun, initial_model, trained
from empirics.tasks.groups import group_sampler

NAME = "dcd_length"
SOURCE = "002 §Key Experimental Results (main table; ablation; initialisation sensitivity)"
SECTION = "002: learning to track groups (length generalisation)"
MODELS = ("mamba", "neg", "aussm", "rnn")
# paper: longest length with > 90 % accuracy; None = ✘ (fails at length ≥ 100)
PAPER: dict[str, dict[str, int | None]] = {
    "mamba": {"C2": None, "C6": None, "C24": None, "C60": None, "S3": None, "A4": None, "A5": None},
    "neg": {"C2": 1000, "C6": None, "C24": None, "C60": None, "S3": None, "A4": None, "A5": None},
    "aussm": {"C2": 1000, "C6": 940, "C24": 260, "C60": 240, "S3": None, "A4": None, "A5": None},
    "rnn": {"C2": 1000, "C6": 1000, "C24": 1000, "C60": None, "S3": 1000, "A4": 1000, "A5": None},
}
THRESH = 0.9


def config(profile: str) -> dict[str, Any]:
    if profile == "quick":
        return {"groups": ["C2", "C6", "S3"], "models": list(MODELS), "train_len": 60,
                "steps": 300, "batch": 64, "lr": 3e-3, "test_len": 500, "eval_words": 256,
                "window": 20, "s3_init": {"steps": 300, "noise": 0.1, "test_len": 240}}
    return {"groups": ["C2", "C6", "C24", "C60", "S3", "A4", "A5"], "models": list(MODELS),
            "train_len": 60, "steps": 4000, "batch": 128, "lr": 2e-3, "test_len": 1000,
            "eval_words": 512, "window": 20, "s3_init": {"steps": 3000, "noise": 0.1, "test_len": 240}}


def _sampler(mult: torch.Tensor, T: int):
    """Words of length T and their running products (the task registry's ``group`` sampler)."""
    return group_sampler(mult, T)


@torch.no_grad()
def accuracy_curve(model: torch.nn.Module, mult: torch.Tensor, T: int, words: int, window: int,
                   seed: int) -> dict[str, Any]:
    """Per-position accuracy on ``words`` fresh words of length T, averaged over windows of
    ``window`` positions; ``longest``: largest window end L with every window up to L > 90 %."""
    g = torch.Generator().manual_seed(seed)
    x, y = _sampler(mult, T)(g, words)
    model.eval()
    acc = (model(x).argmax(-1) == y).float().mean(0).numpy()
    ends = list(range(window, T + 1, window))
    win = [float(acc[e - window:e].mean()) for e in ends]
    longest = 0
    for e, a in zip(ends, win):
        if a <= THRESH:
            break
        longest = e
    return {"lengths": ends, "accuracy": win, "longest": longest}


def _seed(*parts: Any) -> int:
    return int(np.random.SeedSequence([abs(hash_str(str(p))) for p in parts]).generate_state(1)[0])


def hash_str(s: str) -> int:
    import zlib

    return zlib.crc32(s.encode())


def _train_cfg(cfg: dict[str, Any], steps: int) -> dict[str, Any]:
    return {"steps": steps, "batch": cfg["batch"], "lr": cfg["lr"], "warmup": 20,
            "checkpoint_every": max(50, steps // 4), "log_every": 50}


def _runs(cfg: dict[str, Any], seed: int) -> dict[str, TrainRun]:
    """"<group>/<model>" cells of the table, then "S3-two-layer/<init>" (002 initialisation)."""
    out = {}
    for gname in cfg["groups"]:
        for model_name in cfg["models"]:
            out[f"{gname}/{model_name}"] = TrainRun(
                {"kind": "tracker", "model": model_name, "n": get_group(gname).order},
                {"name": "group", "group": gname}, cfg["train_len"],
                _train_cfg(cfg, cfg["steps"]), "cross_entropy", _seed(seed, gname, model_name),
                0, 0, label=f"{NAME}/{gname}-{model_name}")
    si = cfg["s3_init"]
    for init in ("random", "near-solution"):
        out[f"S3-two-layer/{init}"] = TrainRun(
            {"kind": "aussm2", "init": init, "noise": si["noise"]}, {"name": "group", "group": "S3"},
            cfg["train_len"], _train_cfg(cfg, si["steps"]), "cross_entropy",
            _seed(seed, "S3-two-layer", init), 0, 0, label=f"{NAME}/S3-two-layer-{init}")
    return out


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return list(_runs(cfg, seed).values())


@experiment(NAME, title="002 group tracking: length generalisation", config=config, version=2,
            training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    with one_thread():
        return _run(cfg, env)


def _run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    out: dict[str, Any] = {"cells": {}, "s3_init": {}, "n_seeds": 1}
    runs = _runs(cfg, env.seed)
    for gname in cfg["groups"]:
        mult = torch.as_tensor(get_group(gname).mult, dtype=torch.long)
        for model_name in cfg["models"]:
            r = runs[f"{gname}/{model_name}"]
            model, log = trained(r, env)
            curve = accuracy_curve(model, mult, cfg["test_len"], cfg["eval_words"], cfg["window"],
                                   r.seed + 1)
            out["cells"][f"{gname}/{model_name}"] = {**curve, "final_loss": log["final_loss"],
                                                    "final_heldout": log["final_heldout"]}
    # 002: two-layer AUSSM on S3, random vs near-solution initialisation
    mult = torch.as_tensor(get_group("S3").mult, dtype=torch.long)
    si = cfg["s3_init"]
    for init in ("random", "near-solution"):
        r = runs[f"S3-two-layer/{init}"]
        before = accuracy_curve(initial_model(r), mult, si["test_len"], cfg["eval_words"],
                                cfg["window"], r.seed + 2)
        model, log = trained(r, env)
        after = accuracy_curve(model, mult, si["test_len"], cfg["eval_words"], cfg["window"],
                               r.seed + 1)
        out["s3_init"][init] = {"before_training": before, **after, "final_loss": log["final_loss"],
                                "final_heldout": log["final_heldout"]}
    return out


# ----------------------------------------------------------------------------- checks


def _results(ctx: Context) -> dict[str, Any] | Outcome:
    return ctx.experiment(NAME)


def _fmt(v: int | None, cap: int) -> str:
    if v is None or v < 100:
        return "✘"
    return f"{v}" if v < cap else f"≥{cap}"


def _figure(ctx: Context, res: dict[str, Any]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = sorted({k.split("/")[0] for k in res["cells"]}, key=lambda g: ["C2", "C6", "C24", "C60", "S3", "A4", "A5"].index(g))
    fig, axes = plt.subplots(1, len(groups) + 1, figsize=(4 * (len(groups) + 1), 3.4), sharey=True)
    for ax, g in zip(axes, groups):
        for i, m in enumerate(MODELS):
            c = res["cells"].get(f"{g}/{m}")
            if c:
                ax.plot(c["lengths"], c["accuracy"], color=f"C{i}", label=m)
        ax.axhline(THRESH, color="k", ls=":", lw=0.8)
        ax.axvline(60, color="grey", lw=0.6)
        ax.set(title=g, xlabel="length")
    for i, (init, c) in enumerate(res["s3_init"].items()):
        axes[-1].plot(c["lengths"], c["accuracy"], color=f"C{i+4}", label=f"2-layer AUSSM, {init}")
    axes[-1].axhline(THRESH, color="k", ls=":", lw=0.8)
    axes[-1].axvline(60, color="grey", lw=0.6)
    axes[-1].set(title="S3, initialisation", xlabel="length")
    axes[0].set_ylabel("accuracy (window of 20 positions)")
    axes[0].legend(fontsize=7)
    axes[-1].legend(fontsize=7)
    return ctx.savefig(fig, "dcd_length_accuracy")


@claim(
    "dcd.exp.length-generalization",
    source=SOURCE,
    statement="002's table: longest length with > 90 % accuracy after training on length ≤ 60, "
    "per model (Mamba, Negative Mamba, AUSSM, RNN) and group; ✘ = fails below 100",
    kind="empirical",
    paper="e.g. C2: Mamba ✘, Neg Mamba 1000, AUSSM 1000, RNN 1000; S3: only the RNN (1000)",
    section=SECTION,
    experiment=NAME,
)
def check_table(ctx: Context) -> Outcome:
    res = _results(ctx)
    if isinstance(res, Outcome):
        return res
    cap = int(max(c["lengths"][-1] for c in res["cells"].values()))
    parts: dict[str, Outcome] = {}
    table = {}
    for key, c in res["cells"].items():
        g, m = key.split("/")
        ours, paper = c["longest"], PAPER[m].get(g)
        ours_ok, paper_ok = ours >= 100, paper is not None
        table[key] = {"paper": _fmt(paper, 10_000), "ours": _fmt(ours, cap)}
        if ours_ok == paper_ok:
            if ours_ok and paper is not None and paper > ours and ours < cap:
                parts[key] = Outcome("inconclusive", paper, ours, "shorter than the paper's value",
                                     rule="generalises, but less far than reported")
            else:
                parts[key] = decide(True, predicted=table[key]["paper"], measured=table[key]["ours"], evidence="")
        elif paper_ok and not ours_ok:
            parts[key] = Outcome("inconclusive", table[key]["paper"], table[key]["ours"],
                                 "paper generalises, ours does not at this training budget",
                                 rule="a failure to learn at a small budget does not refute a success")
        else:
            parts[key] = decide(False, predicted=table[key]["paper"], measured=table[key]["ours"],
                                evidence="", counterexample={key: table[key]})
    fig = _figure(ctx, res)
    return combine(
        parts,
        predicted={k: v["paper"] for k, v in table.items()},
        evidence=f"Trained each model on length-60 words (cross-entropy at every prefix) and "
        f"measured per-position accuracy on fresh words up to length {cap} (windows of 20 "
        f"positions). Ours vs paper: {table}. A cell where the paper reports ✘ but our model "
        "generalises past 100 would contradict the table (fails); a cell where the paper's model "
        "generalises and ours does not is inconclusive at this budget. Note: the quick profile "
        "trains for only a few hundred steps on CPU and tests up to 500, so '≥cap' means "
        "'above 90 % at every tested length'.",
        figures=[fig],
        details={"table": table, "curves": res["cells"]},
    )


@claim(
    "dcd.exp.s3-init-near-solution",
    source=SOURCE,
    statement="A two-layer AUSSM initialised near the analytic S3 solution trains to a model that "
    "generalises to 4× the training length (240), unlike the same model from random initialisation",
    kind="empirical",
    paper="initialized near the analytically derived solution for S3, training succeeds and "
    "generalizes to sequences four times the training length; standard training never succeeds",
    section=SECTION,
    experiment=NAME,
)
def check_init(ctx: Context) -> Outcome:
    res = _results(ctx)
    if isinstance(res, Outcome):
        return res
    near, rand = res["s3_init"]["near-solution"], res["s3_init"]["random"]
    ok_near = near["longest"] >= 240
    ok_rand = rand["longest"] < 100
    return decide(
        ok_near and ok_rand,
        predicted={"near-solution": "≥ 240", "random": "✘ (< 100)"},
        measured={"near-solution": near["longest"], "random": rand["longest"],
                  "near_before_training": near["before_training"]["longest"]},
        counterexample={"near-solution_longest": near["longest"], "random_longest": rand["longest"]},
        evidence="Two unit-circle layers (layer 2's tables indexed by token and a soft 2-way read-out "
        "of layer 1), trained identically from a random initialisation and from 002's S3 solution "
        "(layer-1 angle πα, layer-2 angles ±(2π/3)β, h0 = 1, b = 0) with N(0, 0.1²) angle noise and "
        f"a random final decoder. Longest length with > 90 % accuracy: near-solution "
        f"{near['longest']} (before training {near['before_training']['longest']}), random "
        f"{rand['longest']}.",
        rule="holds iff near-solution ≥ 240 and random < 100",
        reading="'four times the training length' = 240 for training length 60",
        details=res["s3_init"],
    )
