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
from chasm_theory._judgements import require_learned
from chasm_theory._record import Outcome, combine, decide_interval, not_run
from chasm_theory._registry import all_claims, claim, run_claim
from chasm_theory.stats import bootstrap_ci
from empirics.engine.bayes import evaluate_models, learned_at_k, zero_predictor_risks
from empirics.engine.evaluate import one_thread
from empirics.engine.runs import TrainRun, trained
from empirics.engine.specs import BAYES_SPECS as SPECS
from empirics.engine.specs import bayes_run, bayes_scale
from empirics.experiments.bayes._smc_oracle import FINDING_SSM_NOT_BAYES, consistency_vs_bayes

SOURCE = "001 Thm 1, §5.1 (Fig 2 left)"
SECTION = "001 Theorem 1: consistency of the meta-trained selective SSM"


def _config(profile: str) -> dict[str, Any]:
    return bayes_scale(profile)


def _runs(cfg: dict[str, Any], seed: int) -> dict[int, dict[str, list[TrainRun]]]:
    return {N: {name: [bayes_run(name, N, cfg, seed, r) for r in cfg["seeds"]] for name in SPECS}
            for N in cfg["n_tasks"]}


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return [r for by_name in _runs(cfg, seed).values() for rs in by_name.values() for r in rs]


@experiment("bayes_thm1", title="001 Thm 1: excess vs number of meta-training tasks",
            config=_config, version=2, training_runs=_training_runs)
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


QUOTE_T1 = ("As predicted by Theorem 1, the selective SSM’s excess risk decays to near zero as "
            "the number of meta-training tasks increases (Figure 2, left). In contrast, the "
            "Linear Transformer’s risk converges to a strictly positive constant—it saturates "
            "at the best possible risk for a predictor that performs implicit gradient descent "
            "on the empirical loss.")
PAPER_T1 = "Quote (§5.1.2): " + QUOTE_T1
QUOTE_L41 = ("For any Linear Gaussian State Space Model (LG-SSM) with known parameters , there "
             "exists a parameterization of these selective networks such that, when processing a "
             "sequence generated from the LG-SSM, the state equals the Kalman filter estimate .")


@claim("bayes.thm1.consistency.trend", source=SOURCE, kind="empirical", section=SECTION,
       experiment="bayes_thm1", paper=PAPER_T1, quote=QUOTE_T1,
       statement="(weaker reading) (i) the SSM's excess decreases from the smallest to the largest "
                 "N; (ii) at the largest N the LinTF's excess exceeds the SSM's")
def check_trend(ctx: Context) -> Outcome:
    return _trend(ctx)


def _trend(ctx: Context) -> Outcome:
    rows = ctx.experiment("bayes_thm1")["rows"]
    out = trend_outcome(rows, float(zero_predictor_risks(rows[-1]["n_test"], ctx.seed).mean()))
    out.figures = [_fig(ctx, rows)]
    return out


def trend_outcome(rows: list[dict[str, Any]], zero_risk: float) -> Outcome:
    """The weaker reading from the bayes_thm1 rows (one per N, increasing). Both parts compare
    trained models and favour the SSM at the largest N, so the reading is decided only when it
    beats ``zero_risk``, the zero predictor's risk on the same held-out tasks
    (:data:`LEARNED_RULE`)."""
    u0 = np.array(rows[0]["units_excess_vs_kalman"]["ssm"])
    u1 = np.array(rows[-1]["units_excess_vs_kalman"]["ssm"])
    t1 = np.array(rows[-1]["units_excess_vs_kalman"]["lintf"])
    d1 = bootstrap_ci(u0 - u1, rng=0)
    d2 = bootstrap_ci(t1 - u1, rng=1)
    N = rows[-1]["N"]
    parts = {
        "ssm-decreases": decide_interval(d1.lo, d1.hi, target_lo=0.0, predicted="> 0",
                                         measured=d1.as_dict(),
                                         evidence=f"SSM excess at N = {rows[0]['N']} minus "
                                         f"at N = {N}: {d1.est:.4g} [{d1.lo:.4g}, {d1.hi:.4g}]"),
        "lintf-above-ssm": decide_interval(d2.lo, d2.hi, target_lo=0.0, predicted="> 0",
                                           measured=d2.as_dict(),
                                           evidence=f"LinTF − SSM excess at N = {N}: "
                                           f"{d2.est:.4g} [{d2.lo:.4g}, {d2.hi:.4g}]"),
    }
    table = {r["N"]: {n: round(r["excess_vs_kalman"][n]["est"], 4) for n in SPECS} for r in rows}
    out = combine(parts, predicted="SSM → 0, LinTF saturates",
                  evidence=f"Excess over the known-θ Kalman filter at k = 32 (same held-out tasks "
                  f"for every N): {table}; the zero predictor's risk on these tasks "
                  f"{zero_risk:.4g} (exact). " + " ".join(o.evidence for o in parts.values()),
                  reading="'excess' measured against the known-θ Kalman filter (a lower bound on "
                  "the Bayes risk, so both models keep a positive excess at finite context); "
                  "same test tasks for every N, paired CIs; quick budget trains each model "
                  "for the same number of steps at every N")
    return require_learned(out, {f"ssm (N = {N})": learned_at_k(rows[-1]["risk"]["ssm"],
                                                                zero_risk, f"SSM (N = {N})")})


@claim("bayes.thm1.consistency", source=SOURCE, kind="empirical", section=SECTION,
       experiment="bayes_thm1", paper=PAPER_T1, quote=QUOTE_T1, finding=FINDING_SSM_NOT_BAYES,
       statement="as the number of meta-training tasks N grows, the meta-trained selective SSM's "
                 "excess over the Bayes posterior predictive tends to 0, while the linear "
                 "Transformer's excess saturates at a positive constant")
def check_consistency(ctx: Context) -> Outcome:
    trend = _trend(ctx)
    rows = ctx.experiment("bayes_thm1")["rows"]
    # (b), (c): excess over the SMC Bayes oracle (run bayes_oracle on the same test tasks),
    # gated by the oracle's own check; see empirics/experiments/bayes/_smc_oracle.py
    parts, details = consistency_vs_bayes(ctx, rows, ctx.experiment("bayes_oracle"))
    return combine({"trend": trend, **parts}, predicted="SSM → Bayes, LinTF saturates",
                   evidence=" ".join(o.evidence for o in (trend, *parts.values()))
                   + " Oracle's own check (bayes.exp.lgssm-smc-check): "
                   + details["oracle_check"]["evidence"],
                   reading="the contract statement; its weaker trend reading is "
                           "bayes.thm1.consistency.trend. Bayes predictor = our tempered-SMC "
                           "posterior predictive over θ = (A, C, Q, R) with exact Kalman "
                           "likelihoods (not the paper's HMC), on the same held-out tasks",
                   figures=trend.figures + parts["ssm-to-bayes"].figures,
                   details={**details, "learned": trend.details["learned"]})


@claim("bayes.lemma41", source="001 Lemma 4.1", kind="numeric", section=SECTION,
       quote=QUOTE_L41,
       paper="Quote (Lemma 4.1): " + QUOTE_L41 + " — the symbols are lost in the text; as we "
             "read it (paraphrase): the selective SSM with Ā_t = (I − K_t C)A, B̄_t = K_t "
             "reproduces the Kalman filter",
       statement="same representation result as chasm.lemma2.filter-representation")
def check_lemma41(ctx: Context) -> Outcome:
    if "chasm.lemma2.filter-representation" not in all_claims():
        return not_run("chasm.lemma2.filter-representation is not registered in this tree")
    rec = run_claim("chasm.lemma2.filter-representation",
                    Context(profile=ctx.profile, seed=ctx.seed, reports_dir=ctx.reports_dir))
    return Outcome(verdict=rec.verdict, predicted=rec.predicted, measured=rec.measured,
                   evidence=f"Reuses chasm.lemma2.filter-representation (same statement in 000 "
                   f"Lemma 2): {rec.evidence}", tolerance=rec.tolerance, rule=rec.rule,
                   counterexample=rec.counterexample, reading=rec.reading,
                   to_decide=rec.to_decide)
