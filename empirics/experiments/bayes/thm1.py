"""001 Thm 1 (consistency): excess risk vs the number N of meta-training tasks for the
selective SSM and the linear Transformer on the d = 4, m = 2 LG-SSM prior (context 32).

Each N uses a fixed finite set of N tasks sampled once from the prior; training sequences are
drawn from those tasks. Excess is measured on held-out tasks against the known-θ Kalman filter
(a lower bound on any predictor's risk) and against the importance-sampling Bayes oracle.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv, experiment
from chasm_theory._record import Outcome, combine, decide_interval, not_run
from chasm_theory._registry import all_claims, claim, run_claim
from chasm_theory.stats import bootstrap_ci
from empirics.engine.bayes import evaluate_models
from empirics.engine.evaluate import one_thread
from empirics.engine.runs import TrainRun, trained
from empirics.engine.specs import BAYES_SPECS as SPECS
from empirics.engine.specs import bayes_run, bayes_scale

SOURCE = "001 Thm 1, §5.1 (Fig 2 left)"
SECTION = "001 Theorem 1: consistency of the meta-trained selective SSM"


def _config(profile: str) -> dict[str, Any]:
    return bayes_scale(profile)


def _runs(cfg: dict[str, Any], seed: int) -> dict[int, dict[str, list[TrainRun]]]:
    return {N: {name: [bayes_run(name, N, cfg, seed, r) for r in cfg["seeds"]] for name in SPECS}
            for N in cfg["n_tasks"]}


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return [r for by_name in _runs(cfg, seed).values() for rs in by_name.values() for r in rs]


@experiment("bayes_thm1", title="001 Thm 1: excess vs number of meta-training tasks", config=_config,
            version=2, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    rows, training = [], {}
    with one_thread():
        for N, by_name in _runs(cfg, env.seed).items():
            models = {}
            for name, rs in by_name.items():
                got = [trained(r, env) for r in rs]
                models[name] = [m for m, _ in got]
                training[f"{name}-N{N}"] = got[0][1]
            rows.append({"N": N, **evaluate_models(models, cfg, env)})
    return {"rows": rows, "training": training, "n_seeds": len(cfg["seeds"])}


def _fig(ctx: Context, rows: list[dict[str, Any]]) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    Ns = [r["N"] for r in rows]
    for name in SPECS:
        c = [r["excess_vs_kalman"][name] for r in rows]
        ax.errorbar(Ns, [v["est"] for v in c], yerr=[[v["est"] - v["lo"] for v in c],
                                                      [v["hi"] - v["est"] for v in c]],
                    fmt="o-", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("meta-training tasks N")
    ax.set_ylabel("excess over known-θ Kalman at k = 32")
    ax.legend(fontsize=7)
    ax.set_title("001 Fig 2 (left): ours", fontsize=9)
    return ctx.savefig(fig, "bayes_thm1_excess_vs_tasks")


PAPER_T1 = ("the SSM's excess decays to near zero as meta-training tasks grow; the LinTF "
            "saturates at a strictly positive constant")


@claim("bayes.thm1.consistency.trend", source=SOURCE, kind="empirical", section=SECTION,
       experiment="bayes_thm1", paper=PAPER_T1,
       statement="(weaker reading) (i) the SSM's excess decreases from the smallest to the largest "
                 "N; (ii) at the largest N the LinTF's excess exceeds the SSM's")
def check_trend(ctx: Context) -> Outcome:
    return _trend(ctx)


def _trend(ctx: Context) -> Outcome:
    res = ctx.experiment("bayes_thm1")
    rows = res["rows"]
    u0 = np.array(rows[0]["units_excess_vs_kalman"]["ssm"])
    u1 = np.array(rows[-1]["units_excess_vs_kalman"]["ssm"])
    t1 = np.array(rows[-1]["units_excess_vs_kalman"]["lintf"])
    d1 = bootstrap_ci(u0 - u1, rng=0)
    d2 = bootstrap_ci(t1 - u1, rng=1)
    parts = {
        "ssm-decreases": decide_interval(d1.lo, d1.hi, target_lo=0.0, predicted="> 0",
                                         measured=d1.as_dict(),
                                         evidence=f"SSM excess at N = {rows[0]['N']} minus at N = "
                                         f"{rows[-1]['N']}: {d1.est:.4g} [{d1.lo:.4g}, {d1.hi:.4g}]"),
        "lintf-above-ssm": decide_interval(d2.lo, d2.hi, target_lo=0.0, predicted="> 0",
                                           measured=d2.as_dict(),
                                           evidence=f"LinTF − SSM excess at N = {rows[-1]['N']}: "
                                           f"{d2.est:.4g} [{d2.lo:.4g}, {d2.hi:.4g}]"),
    }
    table = {r["N"]: {n: round(r["excess_vs_kalman"][n]["est"], 4) for n in SPECS} for r in rows}
    return combine(parts, predicted="SSM → 0, LinTF saturates",
                   evidence=f"Excess over the known-θ Kalman filter at k = 32 (same held-out tasks "
                   f"for every N): {table}. " + " ".join(o.evidence for o in parts.values()),
                   reading="'excess' measured against the known-θ Kalman filter (a lower bound on "
                   "the Bayes risk, so both models keep a positive excess at finite context); "
                   "same test tasks for every N, paired CIs; quick budget trains each model "
                   "for the same number of steps at every N",
                   figures=[_fig(ctx, rows)])


@claim("bayes.thm1.consistency", source=SOURCE, kind="empirical", section=SECTION,
       experiment="bayes_thm1", paper=PAPER_T1,
       statement="as the number of meta-training tasks N grows, the meta-trained selective SSM's "
                 "excess over the Bayes posterior predictive tends to 0, while the linear "
                 "Transformer's excess saturates at a positive constant")
def check_consistency(ctx: Context) -> Outcome:
    trend = _trend(ctx)
    rows = ctx.experiment("bayes_thm1")["rows"]
    # (b) "→ 0 relative to the Bayes predictor" needs a Bayes oracle on the d = 4 prior.
    has_bayes = all("excess_vs_bayes" in r for r in rows)
    to_bayes = Outcome(
        verdict="inconclusive", predicted="SSM excess over the Bayes predictor → 0",
        measured={r["N"]: r["excess_vs_kalman"]["ssm"]["est"] for r in rows},
        evidence=("This run measures excess over the known-θ Kalman filter only; "
                  if not has_bayes else "")
        + "the Bayes risk lies above the known-θ Kalman risk by an unknown gap, so a finite excess "
        "over Kalman cannot show convergence to the Bayes predictor, and our importance-sampling "
        "Bayes oracle on this prior is too degenerate at context 32 (see bayes.exp.lgssm: median "
        "effective sample size ≈ 1.5) to measure it. Deciding this part needs an MCMC/SMC posterior "
        "oracle and the full profile's sweep of N up to 10⁵.",
        rule="not measurable with this run's oracle")
    # (c) saturation of the LinTF: its excess stops changing over the last two N and stays > 0.
    t_prev = np.array(rows[-2]["units_excess_vs_kalman"]["lintf"])
    t_last = np.array(rows[-1]["units_excess_vs_kalman"]["lintf"])
    d = bootstrap_ci(t_prev - t_last, rng=2)
    lvl = bootstrap_ci(t_last, rng=3)
    flat = d.lo <= 0.0 <= d.hi and lvl.lo > 0.0
    sat = Outcome(
        verdict="holds" if flat else "inconclusive",
        predicted="LinTF excess flat in N and > 0", measured={"change_last_two_N": d.as_dict(),
                                                              "level_at_largest_N": lvl.as_dict()},
        evidence=f"LinTF excess change from N = {rows[-2]['N']} to {rows[-1]['N']}: {d.est:.4g} "
        f"[{d.lo:.4g}, {d.hi:.4g}]; level at N = {rows[-1]['N']}: {lvl.est:.4g} [{lvl.lo:.4g}, {lvl.hi:.4g}]",
        rule="holds if the change CI contains 0 and the level CI is above 0; otherwise inconclusive "
             "(a finite sweep of N cannot refute saturation at a larger N)")
    return combine({"trend": trend, "ssm-to-bayes": to_bayes, "lintf-saturates": sat},
                   predicted="SSM → Bayes, LinTF saturates",
                   evidence=" ".join(o.evidence for o in (trend, to_bayes, sat)),
                   reading="the contract statement; its weaker trend reading is "
                           "bayes.thm1.consistency.trend",
                   figures=trend.figures)


@claim("bayes.lemma41", source="001 Lemma 4.1", kind="numeric", section=SECTION,
       paper="the selective SSM with Ā_t = (I − K_t C)A, B̄_t = K_t reproduces the Kalman filter",
       statement="same representation result as chasm.lemma2.filter-representation")
def check_lemma41(ctx: Context) -> Outcome:
    if "chasm.lemma2.filter-representation" not in all_claims():
        return not_run("chasm.lemma2.filter-representation is not registered in this tree")
    rec = run_claim("chasm.lemma2.filter-representation", Context(profile=ctx.profile, seed=ctx.seed,
                                                                   reports_dir=ctx.reports_dir))
    return Outcome(verdict=rec.verdict, predicted=rec.predicted, measured=rec.measured,
                   evidence=f"Reuses chasm.lemma2.filter-representation (same statement in 000 "
                   f"Lemma 2): {rec.evidence}", tolerance=rec.tolerance, rule=rec.rule,
                   counterexample=rec.counterexample, reading=rec.reading)
