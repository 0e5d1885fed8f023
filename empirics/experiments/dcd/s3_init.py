"""002's initialisation result: a two-layer AUSSM on S3 trained from random initialisation and
from near the paper's analytic S3 solution, on words of length ≤ 60 (loss at every prefix),
tested beyond 4× the training length; longest length with accuracy > 90 %. One run per
initialisation, training budget and training seed (the full profile: three seeds).

002 states neither how near "near the solution" is nor the training budget, so both are swept:
the solution's angles get N(0, σ²) noise for σ in ``noises`` (the random decoder is the same),
and every run trains for each budget in ``budgets`` from the same seed. The verdict per σ is
read at the longest budget (training longer can only help "training succeeds", and only hurt
"random never succeeds"); the claim's verdict is the one common to every σ, else inconclusive.

Replicate 0 at 3,000 steps and σ = 0.1 keeps the runs (and keys) it had as part of
``dcd_length``; replicate r > 0 draws its seed from the same parts plus r; the random runs do
not depend on σ (their spec keeps σ = 0.1, unused).
"""
from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

import torch

from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv, experiment
from chasm_theory._record import Outcome, combine, over_values
from chasm_theory._registry import claim
from chasm_theory.oracles.groups import get_group
from empirics.engine import convergence
from empirics.engine.evaluate import one_thread
from empirics.engine.figures import label, once
from empirics.engine.runs import TrainRun, initial_model, trained
from empirics.engine.specs import profile_seeds
from empirics.experiments.dcd.length import (
    Q_INIT,
    Q_NEVER,
    SECTION,
    TABLE_RULE,
    THRESH,
    accuracy_curve,
    run_seed,
    seeds_outcome,
    train_cfg,
)
from empirics.experiments.dcd.length_figures import without_training

NAME = "dcd_s3_init"
SOURCE = "002 §Key Experimental Results (initialisation sensitivity)"
REACH = 4  # "four times the training length"
RANDOM = "random"  # the arm trained from a random initialisation
PRIMARY_NOISE = 0.1  # the σ of the one-seed run the project started from


def config(profile: str) -> dict[str, Any]:
    """``budgets``: the training steps swept (002 states none), ``batch``, ``lr``: the training
    (as ``dcd_length``'s cells); ``noises``: the std σ of the angle noise around the solution
    (002 says only "near"); ``test_len``: the longest tested length."""
    if profile == "quick":
        return {"train_len": 60, "budgets": [300], "batch": 64, "lr": 3e-3,
                "noises": [PRIMARY_NOISE], "test_len": 240, "eval_words": 256, "window": 20,
                "seeds": [0]}
    return {"train_len": 60, "budgets": [3000, 12000], "batch": 128, "lr": 2e-3,
            "noises": [0.01, 0.03, PRIMARY_NOISE, 0.3], "test_len": 480, "eval_words": 512,
            "window": 20, "seeds": profile_seeds(profile)}


def arm(noise: float | None) -> str:
    """The name of a training arm: "random", or "near-solution@<σ>"."""
    return RANDOM if noise is None else f"near-solution@{noise:g}"


def _runs(cfg: dict[str, Any], seed: int) -> dict[str, TrainRun]:
    """"<arm>/<steps>/<replicate>" -> its run (:func:`arm`). The seed depends on the
    initialisation and replicate only: every budget and every σ start from the same draw (the
    noise scaled by σ) and see the same data; replicate 0's seed is the one it had in
    ``dcd_length``."""
    out = {}
    for r in cfg["seeds"]:
        for steps in cfg["budgets"]:
            for noise in [None, *cfg["noises"]]:
                init = RANDOM if noise is None else "near-solution"
                parts = (seed, "S3-two-layer", init) + ((r,) if r else ())
                out[f"{arm(noise)}/{steps}/{r}"] = TrainRun(
                    {"kind": "aussm2", "init": init,
                     "noise": PRIMARY_NOISE if noise is None else noise},
                    {"name": "group", "group": "S3"}, cfg["train_len"],
                    train_cfg(cfg, steps), "cross_entropy", run_seed(*parts), 0, 0,
                    label=f"{NAME}/S3-two-layer-{arm(noise)}-{steps}", replicate=r)
    return out


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return list(_runs(cfg, seed).values())


@experiment(NAME, title="002 group tracking: S3, near-solution vs random initialisation",
            config=config, version=3, gpu_for_full=False, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    with one_thread():
        return _run(cfg, env)


def _run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    """Results: ``runs["<arm>/<steps>/<replicate>"]``: the accuracy curve before and after
    training, the longest length above 90 % and the run's training summary (``training``)."""
    mult = torch.as_tensor(get_group("S3").mult, dtype=torch.long)
    out: dict[str, Any] = {"runs": {}, "n_seeds": len(cfg["seeds"]),
                           "train_len": cfg["train_len"], "noises": cfg["noises"]}
    for key, r in _runs(cfg, env.seed).items():
        before = accuracy_curve(initial_model(r), mult, cfg["test_len"], cfg["eval_words"],
                                cfg["window"], r.seed + 2)
        model, log = trained(r, env)
        after = accuracy_curve(model, mult, cfg["test_len"], cfg["eval_words"], cfg["window"],
                               r.seed + 1)
        out["runs"][key] = {"before_training": before, **after, "final_loss": log["final_loss"],
                            "final_heldout": log["final_heldout"], "training": log}
    return out


# ----------------------------------------------------------------------------- check

CELLS_RULE = (f"two cells of 002's length-table kind, each by the table's one rule "
              f"(TABLE_RULE): near-solution against the paper's ≥ {REACH}× the training length, "
              "random against the paper's ✘ (< 100); the claim is their conjunction")


def _runs_at(res: dict[str, Any], name: str, steps: int) -> dict[str, dict[str, Any]]:
    """Seed -> results of arm ``name`` at ``steps``."""
    return {k.split("/")[2]: v for k, v in res["runs"].items()
            if k.split("/")[0] == name and int(k.split("/")[1]) == steps}


def _longest(runs: dict[str, dict[str, Any]]) -> list[int]:
    """The longest length with > 90 % accuracy of each seed's run, by seed."""
    return [int(runs[s]["longest"]) for s in sorted(runs, key=int)]


def budget_outcome(res: dict[str, Any], noise: float, steps: int) -> Outcome:
    """The claim at one σ and training budget: the near-solution cell (paper: ≥ 4× the training
    length) and the random cell (paper: ✘), each over the training seeds by the length table's
    one rule (:func:`~empirics.experiments.dcd.length.seeds_outcome`); their conjunction."""
    train_len = int(res["train_len"])
    near, rand = _runs_at(res, arm(noise), steps), _runs_at(res, RANDOM, steps)
    cap = max(int(c["lengths"][-1]) for c in [*near.values(), *rand.values()])
    cells = {"near-solution": seeds_outcome("near-solution", _longest(near), REACH * train_len,
                                            cap),
             "random": seeds_outcome("random", _longest(rand), None, cap)}
    return combine(
        cells, predicted={"near-solution": f"≥ {REACH * train_len}", "random": "✘ (< 100)"},
        evidence=f"σ = {noise:g}, {steps} steps: near-solution {_longest(near)}, random "
        f"{_longest(rand)}.", rule=f"{CELLS_RULE}: {TABLE_RULE}")


def budgets_of(res: dict[str, Any]) -> list[int]:
    """The training budgets (steps) the results hold, shortest first."""
    return sorted({int(k.split("/")[1]) for k in res["runs"]})


def arms_of(res: dict[str, Any]) -> list[str]:
    """The arms the results hold: random first, then near-solution by σ."""
    return [RANDOM] + [arm(float(x)) for x in res.get("noises", [PRIMARY_NOISE])]


def noise_outcome(res: dict[str, Any], noise: float) -> Outcome:
    """The claim at one σ: :func:`budget_outcome` at the longest budget trained, the shorter
    budgets' verdicts and numbers beside it (``details.budgets``)."""
    budgets = budgets_of(res)
    per = {b: budget_outcome(res, noise, b) for b in budgets}
    out = per[budgets[-1]]
    return replace(out, evidence=" ".join(p.evidence for p in per.values()),
                   details={**out.details, "budgets": {
                       str(b): {"verdict": p.verdict, "measured": p.measured}
                       for b, p in per.items()}})


def init_outcome(res: dict[str, Any]) -> Outcome:
    """The claim's verdict (no figure): :func:`noise_outcome` for every σ, the verdict common
    to all of them, else inconclusive (σ-dependent)."""
    train_len = int(res["train_len"])
    budgets = budgets_of(res)
    noises = [float(x) for x in res.get("noises", [PRIMARY_NOISE])]
    parts = {f"σ={x:g}": noise_outcome(res, x) for x in noises}
    n_seeds = len(_runs_at(res, RANDOM, budgets[-1]))
    return over_values(
        parts, unit="noise scale", primary=f"σ={PRIMARY_NOISE:g}",
        per_value_rule=f"at the longest budget: {CELLS_RULE}: {TABLE_RULE}",
        predicted={"near-solution": f"≥ {REACH * train_len}", "random": "✘ (< 100)"},
        evidence=f"{n_seeds} training seed(s), one run per initialisation, σ, budget and seed. "
        "Two unit-circle layers (layer 2's tables indexed by token and a soft 2-way read-out "
        "of layer 1), trained identically from a random initialisation and from 002's S3 "
        "solution (layer-1 angle πα, layer-2 angles ±(2π/3)β, h0 = 1, b = 0) with N(0, σ²) "
        f"angle noise, σ in {noises}, and a random final decoder, for "
        f"{' and '.join(str(b) for b in budgets)} steps (002 states neither; each σ is read "
        f"at {budgets[-1]} steps). Longest length with > 90 % accuracy per seed: "
        + " ".join(p.evidence for p in parts.values())
        + " Per σ and budget: " + "; ".join(
            f"σ={x:g}: " + ", ".join(f"{b} steps {v['verdict']}"
                                     for b, v in p.details["budgets"].items())
            for x, p in zip(noises, parts.values())) + ".",
        reading=f"'four times the training length' = {REACH * train_len} for training length "
                f"{train_len}; the seeds of each σ are combined as 002's length-table cells "
                "(a shorter reach never refutes a success; random learning the task does); "
                "'near the solution' "
                "and the budget are unstated: σ enumerated, each read at the longest budget "
                "trained, since training longer can only help 'training succeeds' (and only "
                "hurt 'random never succeeds')",
        measured={k: p.measured for k, p in parts.items()},
        details={"parts": {k: asdict(p) for k, p in parts.items()},
                 "runs": without_training(res["runs"])})


def _figure(ctx: Context, res: dict[str, Any], verdict: str) -> str:
    """Accuracy against length for every run, one panel per training budget, one colour per
    arm (random dashed, near-solution solid per σ), one line per seed; the threshold, the
    training length and the paper's 4× mark; verdict in the title."""
    train_len = int(res["train_len"])
    budgets = budgets_of(res)
    arms = arms_of(res)
    title = f"002: two-layer AUSSM on S3, initialisation — {label(ctx, verdict)}"

    def draw() -> str:
        from chasm_theory._figures import legend_below, mark_paper, new_figure

        fig, axes = new_figure(1, len(budgets), width=4.2 * len(budgets) + 1.0, height=4.0,
                               sharey=True)
        flat = [axes] if len(budgets) == 1 else list(axes[0])
        for ax, steps in zip(flat, budgets):
            for i, name in enumerate(arms):
                for j, (_, c) in enumerate(sorted(_runs_at(res, name, steps).items())):
                    ax.plot(c["lengths"], c["accuracy"], color=f"C{i}",
                            ls="--" if name == RANDOM else "-", lw=1.0,
                            label=f"{name} (each seed)" if j == 0 else None)
            mark_paper(ax, [REACH * train_len], [THRESH], color="k",
                       label=f"paper: near-solution reaches {REACH}× the training length")
            ax.axhline(THRESH, color="k", ls="--", lw=0.8, label=f"{THRESH:.0%} threshold")
            ax.axhline(1 / get_group("S3").order, color="0.4", ls=":", lw=1,
                       label="chance 1/6")
            ax.axvline(train_len, color="0.6", lw=0.8, label="training length")
            ax.set(xlabel="length (windows of 20 positions)")
            ax.set_title(f"{steps} training steps"
                         + (" (the verdict's budget)" if steps == budgets[-1] else ""),
                         fontsize=8)
        flat[0].set_ylabel("accuracy")
        fig.suptitle(title, fontsize=9)
        legend_below(fig, ncol=3)
        return ctx.savefig(fig, "dcd_s3_init_accuracy")

    return once(ctx, "dcd_s3_init_accuracy", [res, title], draw)


@claim(
    "dcd.exp.s3-init-near-solution",
    source=SOURCE,
    statement="A two-layer AUSSM initialised near the analytic S3 solution trains to a model that "
    "generalises to 4× the training length (240), unlike the same model from random initialisation",
    kind="empirical",
    paper="Quote (Key Findings): " + Q_INIT + " Also: '" + Q_NEVER + "'",
    quote=Q_INIT,
    section=SECTION,
    experiment=NAME,
)
def check_init(ctx: Context) -> Outcome:
    res = ctx.experiment(NAME)
    if isinstance(res, Outcome):
        return res
    out = init_outcome(res)
    out.figures = [_figure(ctx, res, out.verdict)]
    longest = budgets_of(res)[-1]

    def logs(name: str, steps: int) -> list[dict[str, Any]]:
        return [c["training"] for _, c in sorted(_runs_at(res, name, steps).items())
                if c.get("training")]

    every = {f"S3-two-layer/{name}/{b} steps": logs(name, b)
             for b in budgets_of(res) for name in arms_of(res)}
    read = {k: v for k, v in every.items() if k.endswith(f"/{longest} steps") and v}
    return convergence.attach_curves(ctx, out, read, "dcd_s3_init_training_curves",
                                     "002 two-layer AUSSM on S3",
                                     drawn={k: v for k, v in every.items() if v})
