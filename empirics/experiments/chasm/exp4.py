"""000 Exp IV (§8.4, Table 2, App C.3): non-commutativity ablation at k = 256.

Case (a): scalar LG-SSM with i.i.d. noise (z_t = 0.9 z_{t−1} + w_t, x_t = z_t + v_t, v i.i.d.
N(0,1)): the colored-noise task with α = 0 — models meta-trained on it here.
Case (b): augmented system with AR(1) noise ρ = 0.95: the Exp I meta-trained models (shared
model cache) tested at α = 0.95.
"""
from __future__ import annotations

from typing import Any

from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv, experiment
from chasm_theory._record import Outcome, decide_interval
from chasm_theory._registry import claim
from empirics.engine.evaluate import colored_eval, one_thread
from empirics.engine.runs import TrainRun, trained_set
from empirics.engine.specs import COLORED_TASK, lg_runs, lg_scale

SOURCE = "000 §8.4, Table 2; App C.3"
SECTION = "Experiment IV: non-commutativity ablation"
IID_TASK = {"name": "colored", "a": 0.9, "alpha": 0.0}
PAPER = {("lintf", "a"): 102.3, ("lintf", "b"): 198.2, ("softtf", "a"): "> 10^3", ("softtf", "b"): 13.4}
PREDICTED = {"a": 1.0, "b": 1 / (1 - 0.95 ** 2)}


def _config(profile: str) -> dict[str, Any]:
    sc = lg_scale(profile)
    k = 256 if profile == "full" else sc["tf_len"]
    return {"train": sc["train"], "ssm_len": sc["ssm_len"], "tf_len": sc["tf_len"],
            "n_test": sc["n_test"], "k": k, "models": ["ssm", "lintf", "softtf"],
            "seeds": sc["seeds"]}


def _runs(cfg: dict[str, Any], seed: int) -> dict[str, dict[str, list[TrainRun]]]:
    return {"a": lg_runs(cfg, seed, cfg["models"], IID_TASK, "exp4a"),
            "b": lg_runs(cfg, seed, cfg["models"], COLORED_TASK, "exp4b")}


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return [r for case in _runs(cfg, seed).values() for rs in case.values() for r in rs]


@experiment("exp4", title="000 Exp IV: scalar i.i.d. noise vs augmented ρ = 0.95", config=_config,
            version=3, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    ks = sorted({8, 32, 128, cfg["k"]})
    runs = _runs(cfg, env.seed)
    with one_thread():
        ma, ia, sa = trained_set(runs["a"], env)
        mb, ib, sb = trained_set(runs["b"], env)
        ea = colored_eval(ma, [0.0], ks, cfg["k"], cfg["n_test"], env.seed + 4, env.device)
        eb = colored_eval(mb, [0.95], ks, cfg["k"], cfg["n_test"], env.seed + 4, env.device)
    return {"a": ea["0.0"], "b": eb["0.95"], "k": cfg["k"], "training": {"a": ia, "b": ib},
            "training_seeds": {"a": sa, "b": sb}, "n_seeds": len(cfg["seeds"])}


def _fig(ctx: Context, res: dict[str, Any]) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for j, m in enumerate(("lintf", "softtf")):
        for i, case in enumerate(("a", "b")):
            ci = res[case]["are"][m]
            x = i + 0.15 * (2 * j - 1)
            ax.vlines(x, max(ci["lo"], 1e-3), min(ci["hi"], 1e6), color=f"C{j + 1}")
            ax.plot(x, max(ci["est"], 1e-3), "o", color=f"C{j + 1}", label=f"{m} ours" if i == 0 else None)
            p = PAPER[(m, case)]
            ax.plot(x, 1e3 if isinstance(p, str) else p, "x" if not isinstance(p, str) else "^",
                    color=f"C{j + 1}", ms=8, label=f"{m} paper" if i == 0 else None)
    ax.plot([0, 1], [PREDICTED["a"], PREDICTED["b"]], "k_", ms=30, label="predicted")
    ax.set_xticks([0, 1], ["case (a) d_eff = 1", "case (b) d_eff = 2"])
    ax.set_yscale("log")
    ax.set_ylabel(f"ARE at k = {res['k']} (95% CI)")
    ax.legend(fontsize=7)
    ax.set_title("Exp IV (Table 2): ours vs paper", fontsize=9)
    return ctx.savefig(fig, "exp4_table2_are")


def _cell(ctx: Context, model: str, case: str) -> Outcome:
    res = ctx.experiment("exp4")
    cfg = _config(ctx.profile)
    ci = res[case]["are"][model]
    ssm = res[case]["models"]["ssm"]
    se = ssm["excess"][ssm["ks"].index(res["k"])]
    paper = PAPER[(model, case)]
    measured = {"are_ci": ci, "ssm_excess_ci": se, "k": res["k"], "paper": paper}
    evidence = (f"Case ({case}), k = {res['k']}: ARE of {model} relative to our selective SSM = "
                f"{ci['est']:.4g}, 95% CI [{ci['lo']:.4g}, {ci['hi']:.4g}]; SSM excess "
                f"{se['est']:.3g} [{se['lo']:.3g}, {se['hi']:.3g}]. Training {cfg['train']['steps']} "
                f"steps × {cfg['train']['batch']} (paper 10,000 × 128).")
    figs = [_fig(ctx, res)]
    if se["lo"] <= 0:
        return Outcome(verdict="inconclusive", predicted=paper, measured=measured, figures=figs,
                       evidence=evidence + " The SSM excess is not separated from 0, so the ratio "
                       "is undefined; more test sequences would be needed.",
                       rule="inconclusive when the SSM excess CI includes 0")
    if isinstance(paper, str):  # "> 10^3"
        return decide_interval(ci["lo"], ci["hi"], target_lo=1e3, predicted=paper, measured=measured,
                               evidence=evidence, figures=figs)
    return decide_interval(ci["lo"], ci["hi"], target_lo=paper, target_hi=paper, predicted=paper,
                           measured=measured, evidence=evidence, figures=figs,
                           rule="point target: fails when our CI excludes the paper's value, "
                           "inconclusive when it covers it")


def _register() -> None:
    for model in ("lintf", "softtf"):
        for case in ("a", "b"):
            cid = f"chasm.exp4.{model}-case-{case}"

            def check(ctx: Context, model=model, case=case) -> Outcome:
                return _cell(ctx, model, case)

            check.__qualname__ = f"check_{cid}"
            claim(cid, source=SOURCE, kind="empirical", section=SECTION, experiment="exp4",
                  paper=f"Table 2: {PAPER[(model, case)]} (predicted {PREDICTED[case]:.3g})",
                  statement=f"Table 2 cell: {model} ARE at k = 256 in case ({case}) is "
                            f"{PAPER[(model, case)]}")(check)


_register()


@claim("chasm.exp4.ssm-oracle-case-a", source=SOURCE, kind="empirical", section=SECTION,
       experiment="exp4", paper="in case (a) the SSM achieves oracle-level risk",
       statement="in case (a) the selective SSM's excess risk at k = 256 is ≈ 0 (read: |excess| "
                 "< 0.02, 1% of the oracle risk ≈ 1.6)")
def check_ssm_a(ctx: Context) -> Outcome:
    res = ctx.experiment("exp4")
    ssm = res["a"]["models"]["ssm"]
    se = ssm["excess"][ssm["ks"].index(res["k"])]
    return decide_interval(se["lo"], se["hi"], target_lo=-0.02, target_hi=0.02, predicted="≈ 0",
                           measured=se, evidence=f"SSM excess over the Kalman oracle in case (a) at "
                           f"k = {res['k']}: {se['est']:.4g} [{se['lo']:.4g}, {se['hi']:.4g}].",
                           figures=[_fig(ctx, res)])
