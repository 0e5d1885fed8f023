"""000 Exp I (§8.1, Table 1, Fig 2): forward separation on the colored-noise task.

The colored-noise models trained here (spec, task, budget, seed) are the same training runs as
Exp III's and IV(b)'s (same run keys), so the run cache trains them once.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv, experiment
from chasm_theory._record import Outcome, decide_interval
from chasm_theory._registry import claim
from empirics.engine.evaluate import colored_eval, one_thread
from empirics.engine.runs import TrainRun, trained_set
from empirics.engine.specs import COLORED_TASK, lg_runs, lg_scale

SOURCE = "000 §8.1, Table 1, Fig 2; App C.7"
SECTION = "Experiment I: forward separation (colored noise)"
ALPHAS = [0.5, 0.7, 0.9, 0.95, 0.99]
THEORY = {a: 1 / (1 - a * a) for a in ALPHAS}
PAPER_ARE = {"lintf": {0.5: 106.8, 0.9: 48.7, 0.95: 59.9, 0.99: 142.8},
             "softtf": {0.5: 21.2, 0.9: 5.6, 0.95: 4.5, 0.99: 13.1}}


def _config(profile: str) -> dict[str, Any]:
    return {**lg_scale(profile), "task": COLORED_TASK, "alphas": ALPHAS,
            "models": ["ssm", "lintf", "softtf"]}


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return [r for rs in lg_runs(cfg, seed, cfg["models"], cfg["task"], "exp1").values() for r in rs]


@experiment("exp1", title="000 Exp I: forward separation on colored-noise tasks", config=_config,
            version=3, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    with one_thread():
        models, infos, every = trained_set(lg_runs(cfg, env.seed, cfg["models"], cfg["task"],
                                                   "exp1"), env)
        ev = colored_eval(models, cfg["alphas"], cfg["ks"], cfg["k_are"], cfg["n_test"], env.seed,
                          env.device)
    return {"training": infos, "training_seeds": every, "n_seeds": len(cfg["seeds"]),
            "eval": ev, "k_are": cfg["k_are"]}


# ----------------------------------------------------------------------------- figures


def plot_excess_panels(ctx: Context, ev: dict[str, Any], alphas: list[float], name: str,
                       title: str, labels: dict[str, str]) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(alphas), figsize=(3.3 * len(alphas), 3.2), squeeze=False)
    for ax, alpha in zip(axes[0], alphas):
        cell = ev[str(alpha)]
        for mname, m in cell["models"].items():
            e = np.array([c["est"] for c in m["excess"]])
            lo = np.array([c["lo"] for c in m["excess"]])
            hi = np.array([c["hi"] for c in m["excess"]])
            ax.plot(m["ks"], e, "o-", label=labels.get(mname, mname), ms=3)
            ax.fill_between(m["ks"], lo, hi, alpha=0.25)
        ax.set_xscale("log", base=2)
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(f"α = {alpha}")
        ax.set_xlabel("context k")
    axes[0][0].set_ylabel("excess risk vs steady-state Kalman (95% CI)")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    return ctx.savefig(fig, name)


def plot_are_table(ctx: Context, ev: dict[str, Any], k: int, name: str) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    xs = np.arange(len(ALPHAS))
    for j, (m, col) in enumerate((("lintf", "C1"), ("softtf", "C2"))):
        for i, a in enumerate(ALPHAS):
            ci = ev[str(a)]["are"].get(m)
            if ci:
                est = ci["est"] if math.isfinite(ci["est"]) and ci["est"] > 0 else np.nan
                lo, hi = max(ci["lo"], 1e-3), ci["hi"] if math.isfinite(ci["hi"]) else 1e6
                ax.errorbar(i + 0.1 * (2 * j - 1), est if est == est else np.nan,
                            yerr=None, fmt="o", color=col, label=f"{m} (ours)" if i == 0 else None)
                ax.vlines(i + 0.1 * (2 * j - 1), lo, hi, color=col)
            if a in PAPER_ARE[m]:
                ax.plot(i + 0.1 * (2 * j - 1), PAPER_ARE[m][a], "x", color=col, ms=8,
                        label=f"{m} (paper)" if a == 0.5 else None)
    ax.plot(xs, [THEORY[a] for a in ALPHAS], "k--", label="PI bound 1/(1−α²)")
    ax.set_xticks(xs, [str(a) for a in ALPHAS])
    ax.set_yscale("log")
    ax.set_xlabel("test α")
    ax.set_ylabel(f"ARE at k = {k} (vs our SSM), 95% CI")
    ax.legend(fontsize=7)
    ax.set_title("Table 1: ours (dots, CI bars) vs paper (x)", fontsize=9)
    return ctx.savefig(fig, name)


# ----------------------------------------------------------------------------- claims


def are_outcome(ev: dict[str, Any], model: str, alpha: float, k: int, *, mode: str,
                budget: str, figures: list[str]) -> Outcome:
    """ARE claim for one Table-1 cell. mode 'bound-above': ARE ≥ 1/(1−α²);
    'bound-below': ARE < 1/(1−α²); 'value': the paper's value lies in our CI."""
    cell = ev[str(alpha)]
    ssm_ex = cell["models"]["ssm"]["excess"][cell["models"]["ssm"]["ks"].index(k)]
    ci = cell["are"].get(model)
    bound = THEORY[alpha]
    paper = PAPER_ARE[model].get(alpha)
    measured = {"are_ci": ci, "ssm_excess_ci": ssm_ex, "k": k, "bound": bound, "paper": paper}
    ev_txt = (f"At test α = {alpha}, k = {k}: mean excess of {model} over the steady-state Kalman "
              f"oracle divided by that of our meta-trained selective SSM, on the same test "
              f"sequences; ARE = {ci['est']:.4g}, 95% paired-bootstrap CI [{ci['lo']:.4g}, "
              f"{ci['hi']:.4g}]; SSM excess {ssm_ex['est']:.3g} [{ssm_ex['lo']:.3g}, "
              f"{ssm_ex['hi']:.3g}]. {budget}")
    reading = ("ARE(SSM, g) read as the finite-k ratio (R_k(g) − R_k*)/(R_k(SSM) − R_k*) with R_k* "
               "the steady-state Kalman risk on the augmented system (000 App C.7.5); CIs cover "
               "test-set noise only (one training seed).")
    if ssm_ex["lo"] <= 0:
        return Outcome(verdict="inconclusive", predicted=paper if mode == "value" else f"bound {bound:.4g}",
                       measured=measured, evidence=ev_txt + " The SSM's excess is not separated "
                       "from 0, so the ratio is undefined at this budget; more test sequences "
                       "(or a larger k, where the SSM excess is O(1/k) > 0) would be needed.",
                       rule="inconclusive when the SSM excess CI includes 0", reading=reading,
                       figures=figures)
    if mode == "bound-above":
        return decide_interval(ci["lo"], ci["hi"], target_lo=bound, predicted=f"ARE ≥ {bound:.4g}",
                               measured=measured, evidence=ev_txt, reading=reading, figures=figures)
    if mode == "bound-below":
        return decide_interval(ci["lo"], ci["hi"], target_hi=bound, predicted=f"ARE < {bound:.4g}",
                               measured=measured, evidence=ev_txt, reading=reading, figures=figures)
    return decide_interval(ci["lo"], ci["hi"], target_lo=paper, target_hi=paper,
                           predicted=paper, measured=measured, evidence=ev_txt, reading=reading,
                           figures=figures,
                           rule=f"holds iff the paper's {paper} lies in our CI (a point target: "
                           "a CI never lies inside it, so the outcome is inconclusive when "
                           "the CI covers it and fails when it does not)")


def _budget(ctx: Context, cfg: dict[str, Any], training: dict[str, Any] | None = None) -> str:
    t = cfg["train"]
    txt = (f"Profile {ctx.profile}: {t['steps']} steps × batch {t['batch']}, lr {t['lr']} "
           f"(paper: 10,000 × 128, lr 3e-4), {cfg['n_test']} test sequences per α.")
    if training:
        txt += " Final training losses (window mean): " + ", ".join(
            f"{m} {i['final_loss']:.3f}" for m, i in training.items()) + "."
    return txt


def _exp1(ctx: Context) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    res = ctx.experiment("exp1")
    cfg = _config(ctx.profile)
    figs = [plot_excess_panels(ctx, res["eval"], ALPHAS, "exp1_fig2_excess",
                               "Exp I (Fig 2): excess risk vs k", {"ssm": "selective SSM",
                               "lintf": "LinTF (no PE)", "softtf": "SoftTF + learned PE"}),
            plot_are_table(ctx, res["eval"], res["k_are"], "exp1_table1_are")]
    return res, cfg, figs


@claim("chasm.exp1.ssm-excess-k512", source=SOURCE, kind="empirical", section=SECTION,
       experiment="exp1", paper="SSM excess ≈ 0.01 at k = 512",
       statement="the meta-trained selective SSM's excess risk over the Kalman oracle at the "
                 "largest k is about 0.01 (read: in [0.005, 0.015]), pooled over the five test α")
def check_ssm_excess(ctx: Context) -> Outcome:
    res, cfg, figs = _exp1(ctx)
    k = 512
    vals = []
    for a in ALPHAS:
        m = res["eval"][str(a)]["models"]["ssm"]
        vals.append(m["excess"][m["ks"].index(k)])
    est = float(np.mean([v["est"] for v in vals]))
    # CI of the pooled mean from per-α CIs (independent test sets): normal combination
    se = float(np.sqrt(np.sum([((v["hi"] - v["lo"]) / 3.92) ** 2 for v in vals])) / len(vals))
    lo, hi = est - 1.96 * se, est + 1.96 * se
    return decide_interval(lo, hi, target_lo=0.005, target_hi=0.015, predicted=0.01,
                           measured={"k": k, "pooled_excess": est, "ci": [lo, hi],
                                     "per_alpha": dict(zip(map(str, ALPHAS), vals))},
                           evidence=f"Pooled over α ∈ {ALPHAS}, the SSM's mean excess at k = {k} is "
                           f"{est:.4g} (95% CI [{lo:.4g}, {hi:.4g}]). " + _budget(ctx, cfg, res["training"]),
                           reading="'≈ 0.01' read as [0.005, 0.015]; α-pooled mean at k = 512 (the "
                           "recurrent SSM extrapolates beyond its training length 128).",
                           figures=figs)


def _are_claims() -> None:
    for model, modes in (("lintf", ("bound-above", "value")), ("softtf", ("bound-below", "value"))):
        for alpha in (0.5, 0.9, 0.95, 0.99):
            for mode in modes:
                suffix = "" if mode != "value" else "-value"
                cid = f"chasm.exp1.are-{model}-a{alpha:.2f}{suffix}"
                if mode == "value":
                    stmt = f"Table 1: {model} ARE at α = {alpha}, k = 512 is {PAPER_ARE[model][alpha]}"
                elif mode == "bound-above":
                    stmt = (f"the permutation-invariant LinTF's ARE at α = {alpha} is at least the "
                            f"bound 1/(1−α²) = {THEORY[alpha]:.4g}")
                else:
                    stmt = (f"SoftTF + learned PE (not permutation-invariant) can fall below the PI "
                            f"bound {THEORY[alpha]:.4g} at α = {alpha} (paper: {PAPER_ARE[model][alpha]})")

                def check(ctx: Context, model=model, alpha=alpha, mode=mode) -> Outcome:
                    res, cfg, figs = _exp1(ctx)
                    return are_outcome(res["eval"], model, alpha, res["k_are"], mode=mode,
                                       budget=_budget(ctx, cfg, res["training"]), figures=figs)

                check.__qualname__ = f"check_{cid}"
                claim(cid, source=SOURCE, kind="empirical", section=SECTION, experiment="exp1",
                      paper=str(PAPER_ARE[model][alpha]) if mode != "bound-above"
                      else f"≥ {THEORY[alpha]:.4g} (Table 1: {PAPER_ARE[model][alpha]})",
                      statement=stmt)(check)


_are_claims()
