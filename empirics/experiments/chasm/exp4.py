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
from chasm_theory._judgements import REPORTED_FACTOR, excess_ratio, match_reported, near_oracle
from chasm_theory._record import Outcome, decide_interval
from chasm_theory._registry import claim
from empirics.engine import convergence
from empirics.engine.evaluate import ci_words, colored_eval, n_seeds, one_thread
from empirics.engine.figures import once, shown
from empirics.engine.runs import TrainRun, trained_set
from empirics.engine.specs import COLORED_TASK, lg_runs, lg_scale

SOURCE = "000 §8.4, Table 2; App C.3"
SECTION = "Experiment IV: non-commutativity ablation"
IID_TASK = {"name": "colored", "a": 0.9, "alpha": 0.0}
PAPER = {("lintf", "a"): 102.3, ("lintf", "b"): 198.2, ("softtf", "a"): "> 10^3",
         ("softtf", "b"): 13.4}
PREDICTED = {"a": 1.0, "b": 1 / (1 - 0.95 ** 2)}
# the paper's own words (verbatim from the seed: Table 2's rows and §8.4)
Q_ROW = {"lintf": "Linear Transf. (no PE) 102.3 198.2",
         "softtf": "Softmax Transf. (+PE) > 10 3 13.4"}
Q_PREDICTED = "Predicted 1 10.3"
Q_SSM_A = ("The SoftTF (+PE) reveals the key contrast: in Case (b), its ARE of 13.4 exceeds the "
           "theoretical bound of 10.3 , while in Case (a) ( d eff = 1 ) the SSM achieves "
           "oracle-level risk.")


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


@experiment("exp4", title="000 Exp IV: scalar i.i.d. noise vs augmented ρ = 0.95",
            config=_config, version=4, training_runs=_training_runs)
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


# One row per registered Table-2 id: (id, model, case).
CELL_IDS: tuple[tuple[str, str, str], ...] = (
    ("chasm.exp4.lintf-case-a", "lintf", "a"),
    ("chasm.exp4.lintf-case-b", "lintf", "b"),
    ("chasm.exp4.softtf-case-a", "softtf", "a"),
    ("chasm.exp4.softtf-case-b", "softtf", "b"),
)


def _budget(ctx: Context, res: dict[str, Any]) -> str:
    t = _config(ctx.profile)["train"]
    n = n_seeds(res)
    return (f"Training {t['steps']} steps × {t['batch']} (paper 10,000 × 128), {n} training "
            f"seed{'s' if n > 1 else ''} per model.")


def cell_outcome(res: dict[str, Any], model: str, case: str, budget: str = "") -> Outcome:
    ci = res[case]["are"][model]
    ssm = res[case]["models"]["ssm"]
    se = ssm["excess"][ssm["ks"].index(res["k"])]
    paper = PAPER[(model, case)]
    measured = {"are_ci": ci, "ssm_excess_ci": se, "k": res["k"], "paper": paper}
    words = ci_words(n_seeds(res))
    evidence = (f"Case ({case}), k = {res['k']}: ARE of {model} relative to our selective SSM "
                f"= {ci['est']:.4g}, {words} (paired) [{ci['lo']:.4g}, {ci['hi']:.4g}]; "
                f"SSM excess {se['est']:.3g} [{se['lo']:.3g}, {se['hi']:.3g}]. {budget}")
    if isinstance(paper, str):  # "> 10^3"
        def decide(lo: float, hi: float) -> Outcome:
            return decide_interval(lo, hi, target_lo=1e3, predicted=paper, measured=measured,
                                   evidence=evidence)
        edge = 1e3
    else:
        def decide(lo: float, hi: float) -> Outcome:
            return match_reported(lo, hi, paper, measured=measured, evidence=evidence)
        edge = REPORTED_FACTOR * paper
    return excess_ratio(ci["lo"], ci["hi"], se, decide, edge=edge, den_name="the SSM")


def ssm_outcome(res: dict[str, Any], budget: str = "") -> Outcome:
    ssm = res["a"]["models"]["ssm"]
    se = ssm["excess"][ssm["ks"].index(res["k"])]
    words = ci_words(n_seeds(res))
    risk = res["a"]["oracle_risk"][str(res["k"])]["est"]
    return near_oracle(se["lo"], se["hi"], risk, oracle="Kalman oracle", measured=se,
                       evidence=f"SSM excess over the Kalman oracle in case (a) at k = "
                       f"{res['k']}: {se['est']:.4g}, {words} [{se['lo']:.4g}, "
                       f"{se['hi']:.4g}]; the oracle's risk on these sequences {risk:.4g}. "
                       f"{budget}")


def _fig(ctx: Context, res: dict[str, Any]) -> str:
    """Table 2: our ARE CIs beside the paper's cells and the predicted d_eff values, each cell
    annotated with its id's verdict."""
    from chasm_theory._figures import ci_bars, legend_below, mark_paper, new_figure

    fig, ax = new_figure(width=5.6, height=4.2)
    ax.set_yscale("log")
    ax.plot([-0.3, 0.3], [PREDICTED["a"]] * 2, "k-", lw=1.5, label="predicted (d_eff)")
    ax.plot([0.7, 1.3], [PREDICTED["b"]] * 2, "k-", lw=1.5)
    for j, m in enumerate(("lintf", "softtf")):
        xs = [i + 0.15 * (2 * j - 1) for i in range(2)]
        cis = [res[case]["are"][m] for case in ("a", "b")]
        ci_bars(ax, xs, [c["est"] for c in cis], [c["lo"] for c in cis], [c["hi"] for c in cis],
                color=f"C{j + 1}", label=f"{m} ours (95% CI)")
        paper = [PAPER[(m, case)] for case in ("a", "b")]
        mark_paper(ax, xs, paper, label="paper (Table 2)" if j == 0 else "_nolegend_",
                   color=f"C{j + 1}")
        for x, case, p in zip(xs, ("a", "b"), paper):
            if isinstance(p, str):  # "> 10^3": an open-ended paper value
                ax.plot(x, 1e3, "^", color=f"C{j + 1}", ms=7)
                ax.annotate(p, (x, 1e3), textcoords="offset points", xytext=(4, 2), fontsize=6)
            v, at = shown(ctx, cell_outcome(res, m, case).verdict)
            ax.annotate(v[0] + (f"({at[0]})" if at else ""), (x, 1.0),
                        xycoords=("data", "axes fraction"), xytext=(0, -3),
                        textcoords="offset points", ha="center", va="top", fontsize=7,
                        color=f"C{j + 1}")
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi * 10)
    ax.set_xticks([0, 1], ["case (a) d_eff = 1", "case (b) d_eff = 2"])
    ax.set_ylabel(f"ARE at k = {res['k']} (95% CI)")
    ax.set_title("Exp IV (Table 2): ours vs paper; each id's verdict at the top of its cell\n"
                 "(h holds, f fails, i inconclusive; i(f): below the papers' budget, the "
                 "numbers lean f)", fontsize=8)
    legend_below(ax, ncol=2)
    return ctx.savefig(fig, "exp4_table2_are")


def _summaries(res: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {f"case {c}: {m}": s for c, ms in res["training_seeds"].items() for m, s in ms.items()}


def _finish(ctx: Context, res: dict[str, Any], out: Outcome) -> Outcome:
    out.figures = [once(ctx, "exp4_table2_are", res, lambda: _fig(ctx, res))]
    summ = _summaries(res)
    return convergence.attach_curves(ctx, out, summ, "exp4_training_curves", "Exp IV models")


def check_cell(ctx: Context, cid: str) -> Outcome:
    """The check of one Table-2 id of :data:`CELL_IDS` (registered once per row)."""
    _, model, case = next(row for row in CELL_IDS if row[0] == cid)
    res = ctx.experiment("exp4")
    return _finish(ctx, res, cell_outcome(res, model, case, _budget(ctx, res)))


def _register(cid: str, model: str, case: str) -> None:
    def check(ctx: Context) -> Outcome:
        return check_cell(ctx, cid)

    check.__qualname__ = check_cell.__qualname__  # where the check's logic lives
    claim(cid, source=SOURCE, kind="empirical", section=SECTION, experiment="exp4",
          quote=Q_ROW[model],
          paper=f"Quote (Table 2 row, cases (a) and (b)): {Q_ROW[model]} — case ({case}): "
                f"{PAPER[(model, case)]}; row '{Q_PREDICTED}'",
          statement=f"Table 2 cell: {model} ARE at k = 256 in case ({case}) is "
                    f"{PAPER[(model, case)]}")(check)


for _row in CELL_IDS:
    _register(*_row)


@claim("chasm.exp4.ssm-oracle-case-a", source=SOURCE, kind="empirical", section=SECTION,
       experiment="exp4", quote=Q_SSM_A, paper="Quote (§8.4): " + Q_SSM_A,
       statement="in case (a) the selective SSM's excess risk at k = 256 is ≈ 0 (read: |excess| "
                 "within ±2% of the Kalman oracle's risk, the one near-oracle rule)")
def check_ssm_a(ctx: Context) -> Outcome:
    res = ctx.experiment("exp4")
    return _finish(ctx, res, ssm_outcome(res, _budget(ctx, res)))
