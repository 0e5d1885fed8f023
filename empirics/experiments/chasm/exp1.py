"""000 Exp I (§8.1, Table 1, Fig 2): forward separation on the colored-noise task.

The colored-noise models trained here (spec, task, budget, seed) are the same training runs as
Exp III's and IV(b)'s (same run keys), so the run cache trains them once.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv, experiment
from chasm_theory._judgements import (
    REPORTED_FACTOR,
    excess_ratio,
    match_reported,
    require_learned,
)
from chasm_theory._record import Outcome, decide_interval
from chasm_theory._registry import claim
from chasm_theory.claims.chasm.colored_risks import prefix_class_note
from chasm_theory.stats import seeds_boot_means
from empirics.engine import convergence
from empirics.engine.evaluate import ci_words, colored_eval, learned_excess, n_seeds, one_thread
from empirics.engine.figures import once, shown, title_with_verdict
from empirics.engine.runs import TrainRun, trained_set
from empirics.engine.specs import COLORED_TASK, lg_runs, lg_scale

SOURCE = "000 §8.1, Table 1, Fig 2; App C.7"
SECTION = "Experiment I: forward separation (colored noise)"
ALPHAS = [0.5, 0.7, 0.9, 0.95, 0.99]
THEORY = {a: 1 / (1 - a * a) for a in ALPHAS}
PAPER_ARE = {"lintf": {0.5: 106.8, 0.9: 48.7, 0.95: 59.9, 0.99: 142.8},
             "softtf": {0.5: 21.2, 0.9: 5.6, 0.95: 4.5, 0.99: 13.1}}
# the paper's own words (verbatim from the seed; symbols such as ≈ and ≥ are lost in its text)
Q_SSM = "The SSM achieves near-oracle excess risk (excess 0.01 at k = 512 )."
Q_CAPTION = "LinTF values exceed the theoretical bound 1 / ( 1 α 2 ) where measurable"
Q_SOFTTF = ("The SoftTF with PE partially closes the gap (ARE = 4.5 at α = 0.95 , below the PI "
            "bound of 10.3 ), showing that positional encoding breaks the symmetry constraint "
            "but cannot fully replicate the sequential state update that AR(1) dynamics require.")
Q_ROW = {"lintf": "Linear Transf. (no PE) 106.8 48.7 59.9 142.8",
         "softtf": "Softmax Transf. (+PE) 21.2 5.6 4.5 13.1"}
Q_THEORY = "Theoretical ≥ 1.33 1.96 5.26 10.26 50.25"


def _config(profile: str) -> dict[str, Any]:
    return {**lg_scale(profile), "task": COLORED_TASK, "alphas": ALPHAS,
            "models": ["ssm", "lintf", "softtf"]}


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return [r for rs in lg_runs(cfg, seed, cfg["models"], cfg["task"], "exp1").values()
            for r in rs]


@experiment("exp1", title="000 Exp I: forward separation on colored-noise tasks", config=_config,
            version=4, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    with one_thread():
        models, infos, every = trained_set(lg_runs(cfg, env.seed, cfg["models"], cfg["task"],
                                                   "exp1"), env)
        ev = colored_eval(models, cfg["alphas"], cfg["ks"], cfg["k_are"], cfg["n_test"], env.seed,
                          env.device)
    return {"training": infos, "training_seeds": every, "n_seeds": len(cfg["seeds"]),
            "eval": ev, "k_are": cfg["k_are"]}


# ----------------------------------------------------------------------------- Table 1 ids

# One row per registered Table-1 id: (id, model, test α, mode). 'bound-above': ARE ≥ 1/(1−α²)
# (the PI bound, LinTF); 'bound-below': ARE < 1/(1−α²) (SoftTF + learned PE can fall below);
# 'value': the paper's Table-1 value by the one reported-value rule (factor 2).
#: One root cause behind the Table 1 cells, the LinTF bound rows, Exp III's ARE range and the
#: Exp V no-PE excesses when they fail (the report groups their refutations by it): at the
#: papers' budget the Transformers' excess over the Kalman oracle is of the order of the SSM's,
#: so ARE ≈ 1 where the paper reports 4.5 to 143 (Table 1) and ~30 to ~360 (Exp III), and the
#: no-PE excess is ~0.02 where Exp V reports 0.38 and 0.52. A causal model sees x_k apart from
#: the rest, so Thm 2's PI bound does not hold it back (:func:`prefix_class_note`).
FINDING_ARE_NEAR_1 = "tf-excess-of-the-ssms-order"
ARE_IDS: tuple[tuple[str, str, float, str], ...] = (
    ("chasm.exp1.are-lintf-a0.50", "lintf", 0.5, "bound-above"),
    ("chasm.exp1.are-lintf-a0.50-value", "lintf", 0.5, "value"),
    ("chasm.exp1.are-lintf-a0.90", "lintf", 0.9, "bound-above"),
    ("chasm.exp1.are-lintf-a0.90-value", "lintf", 0.9, "value"),
    ("chasm.exp1.are-lintf-a0.95", "lintf", 0.95, "bound-above"),
    ("chasm.exp1.are-lintf-a0.95-value", "lintf", 0.95, "value"),
    ("chasm.exp1.are-lintf-a0.99", "lintf", 0.99, "bound-above"),
    ("chasm.exp1.are-lintf-a0.99-value", "lintf", 0.99, "value"),
    ("chasm.exp1.are-softtf-a0.50", "softtf", 0.5, "bound-below"),
    ("chasm.exp1.are-softtf-a0.50-value", "softtf", 0.5, "value"),
    ("chasm.exp1.are-softtf-a0.90", "softtf", 0.9, "bound-below"),
    ("chasm.exp1.are-softtf-a0.90-value", "softtf", 0.9, "value"),
    ("chasm.exp1.are-softtf-a0.95", "softtf", 0.95, "bound-below"),
    ("chasm.exp1.are-softtf-a0.95-value", "softtf", 0.95, "value"),
    ("chasm.exp1.are-softtf-a0.99", "softtf", 0.99, "bound-below"),
    ("chasm.exp1.are-softtf-a0.99-value", "softtf", 0.99, "value"),
)
SSM_EXCESS_K = 512
LABELS = {"ssm": "selective SSM", "lintf": "LinTF (no PE)", "softtf": "SoftTF + learned PE"}


# ----------------------------------------------------------------------------- claims' numbers


def are_outcome(ev: dict[str, Any], model: str, alpha: float, k: int, *, mode: str,
                budget: str, figures: list[str]) -> Outcome:
    """ARE claim for one Table-1 cell. mode 'bound-above': ARE ≥ 1/(1−α²);
    'bound-below': ARE < 1/(1−α²); 'value': the paper's value by the one reported-value rule
    (:data:`chasm_theory._record.REPORTED_RULE`). The bound ids compare trained models, so
    they are decided only when the model they favour (:func:`favoured`) has learned the task
    (:data:`chasm_theory.LEARNED_RULE`)."""
    out = _are_cell(ev, model, alpha, k, mode=mode, budget=budget, figures=figures)
    if mode == "value":
        return out
    fav = favoured(model, mode)
    cell = ev[str(alpha)]["models"][fav]
    return require_learned(out, {fav: learned_excess(cell["excess"][cell["ks"].index(k)],
                                                     COLORED_TASK["a"], alpha, k, LABELS[fav])})


def favoured(model: str, mode: str) -> str:
    """The model a bound id favours: 'bound-above' (``model``'s ARE ≥ the PI bound) says the
    SSM beats ``model`` by at least the bound; 'bound-below' (ARE < the bound) says ``model``
    comes within the bound of the SSM."""
    return "ssm" if mode == "bound-above" else model


def _are_cell(ev: dict[str, Any], model: str, alpha: float, k: int, *, mode: str,
              budget: str, figures: list[str]) -> Outcome:
    """:func:`are_outcome` before the learned rule."""
    cell = ev[str(alpha)]
    ssm_ex = cell["models"]["ssm"]["excess"][cell["models"]["ssm"]["ks"].index(k)]
    ci = cell["are"].get(model)
    bound = THEORY[alpha]
    paper = PAPER_ARE[model].get(alpha)
    measured = {"are_ci": ci, "ssm_excess_ci": ssm_ex, "k": k, "bound": bound, "paper": paper}
    words = ci_words(n_seeds(cell["models"]["ssm"]))
    ev_txt = (f"At test α = {alpha}, k = {k}: mean excess of {model} over the steady-state "
              f"Kalman oracle divided by that of our meta-trained selective SSM, on the same "
              f"test sequences; ARE = {ci['est']:.4g}, {words} (paired: both models' excesses "
              f"resampled together) [{ci['lo']:.4g}, {ci['hi']:.4g}]; SSM excess "
              f"{ssm_ex['est']:.3g} [{ssm_ex['lo']:.3g}, {ssm_ex['hi']:.3g}]. {budget}")
    reading = ("ARE(SSM, g) read as the finite-k ratio (R_k(g) − R_k*)/(R_k(SSM) − R_k*) with "
               "R_k* the steady-state Kalman risk on the augmented system (000 App C.7.5); the "
               f"CIs include the seed-to-seed training variation ({words}).")
    kw: dict[str, Any] = {"measured": measured, "reading": reading, "figures": figures}
    if model == "lintf":  # why the PI bound need not bind a causal no-PE model
        note, prefix = prefix_class_note((alpha,), k, COLORED_TASK["a"])
        ev_txt += " " + note
        kw["details"] = {"prefix_class": prefix}
    if mode == "value":
        def decide(lo: float, hi: float) -> Outcome:
            return match_reported(lo, hi, paper, evidence=ev_txt, **kw)
        edge = REPORTED_FACTOR * paper
    else:
        above = mode == "bound-above"
        side = {"target_lo": bound} if above else {"target_hi": bound}

        def decide(lo: float, hi: float) -> Outcome:
            return decide_interval(lo, hi, **side, evidence=ev_txt,
                                   predicted=f"ARE {'≥' if above else '<'} {bound:.4g}", **kw)
        edge = bound
    return excess_ratio(ci["lo"], ci["hi"], ssm_ex, decide, edge=edge, den_name="the SSM")


def ssm_excess_outcome(res: dict[str, Any], k: int = SSM_EXCESS_K) -> Outcome:
    """The SSM's excess at k pooled over the five test α: the mean of the per-α means, its CI
    by the hierarchical bootstrap with the seed draws shared across α (the same trained
    models answer every α) and each α's test sequences resampled on their own."""
    per = [np.asarray(res["eval"][str(a)]["models"]["ssm"]["per_seq_excess"][str(k)])
           for a in ALPHAS]  # one (n_seeds, n) per α
    pooled = np.mean(seeds_boot_means(per, seed=0), axis=0)
    lo, hi = (float(q) for q in np.quantile(pooled, [0.025, 0.975]))
    est = float(np.mean([p.mean() for p in per]))
    vals = [res["eval"][str(a)]["models"]["ssm"] for a in ALPHAS]
    per_alpha = {str(a): m["excess"][m["ks"].index(k)] for a, m in zip(ALPHAS, vals)}
    words = ci_words(per[0].shape[0])
    return match_reported(
        lo, hi, 0.01,
        measured={"k": k, "pooled_excess": est, "ci": [lo, hi], "per_alpha": per_alpha},
        evidence=f"Pooled over α ∈ {ALPHAS}, the SSM's mean excess at k = {k} is {est:.4g} "
        f"({words}, seed draws shared across α: [{lo:.4g}, {hi:.4g}]); per α: "
        + ", ".join(f"{a}: {c['est']:.3g}" for a, c in per_alpha.items()) + ".",
        reading="'excess 0.01' as a value the paper reports, by the one reported-value rule; "
        "α-pooled mean at k = 512 (the recurrent SSM extrapolates beyond its training length "
        "128).")


def _are_outcomes(res: dict[str, Any]) -> dict[str, Outcome]:
    return {cid: are_outcome(res["eval"], model, alpha, res["k_are"], mode=mode, budget="",
                             figures=[])
            for cid, model, alpha, mode in ARE_IDS}


# ----------------------------------------------------------------------------- figures


def plot_excess_panels(ctx: Context, res: dict[str, Any], verdict: str) -> str:
    """Fig 2: excess risk vs k per test α with hierarchical 95% bands; the paper's SSM value
    (≈ 0.01 at k = 512) marked; titled with chasm.exp1.ssm-excess-k512's verdict."""
    from chasm_theory._figures import ci_band, legend_below, mark_paper, new_figure

    ev = res["eval"]
    fig, axes = new_figure(1, len(ALPHAS), width=3.0 * len(ALPHAS), height=3.4)
    for ax, alpha in zip(axes[0], ALPHAS):
        ax.set_xscale("log", base=2)
        ax.set_yscale("symlog", linthresh=1e-3)
        for i, (mname, m) in enumerate(ev[str(alpha)]["models"].items()):
            est = [c["est"] for c in m["excess"]]
            ax.plot(m["ks"], est, "o-", ms=3, color=f"C{i}", label=LABELS.get(mname, mname))
            ci_band(ax, m["ks"], [c["lo"] for c in m["excess"]], [c["hi"] for c in m["excess"]],
                    color=f"C{i}")
        mark_paper(ax, [SSM_EXCESS_K], [0.01], label="paper: SSM excess ≈ 0.01")
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(f"α = {alpha}", fontsize=8)
        ax.set_xlabel("context k")
    axes[0][0].set_ylabel("excess risk vs steady-state Kalman (95% CI)")
    title_with_verdict(ctx, fig, "Exp I (Fig 2): excess risk vs k; SSM excess at k = 512 ≈ 0.01",
                       verdict)
    legend_below(fig, ncol=4)
    return ctx.savefig(fig, "exp1_fig2_excess")


_SHORT = {"bound-above": "≥PI", "bound-below": "<PI", "value": "=paper"}


def _code(ctx: Context, verdict: str) -> str:
    v, at = shown(ctx, verdict)
    return v[0] + (f"({at[0]})" if at else "")


def plot_are_table(ctx: Context, res: dict[str, Any]) -> str:
    """Table 1: our ARE CIs beside the paper's values and the PI bound, each cell annotated
    with the verdicts of its two ids (bound and value)."""
    from chasm_theory._figures import ci_bars, legend_below, mark_paper, new_figure

    ev, k = res["eval"], res["k_are"]
    outs = _are_outcomes(res)
    fig, ax = new_figure(width=7.0, height=4.4)
    ax.set_yscale("log")
    xs = np.arange(len(ALPHAS))
    ax.plot(xs, [THEORY[a] for a in ALPHAS], "k--", lw=1, label="PI bound 1/(1−α²)")
    for j, m in enumerate(("lintf", "softtf")):
        x = xs + 0.12 * (2 * j - 1)
        cis = [ev[str(a)]["are"].get(m) or {"est": None, "lo": None, "hi": None} for a in ALPHAS]
        ci_bars(ax, x, [c["est"] for c in cis], [c["lo"] for c in cis], [c["hi"] for c in cis],
                color=f"C{j + 1}", label=f"{LABELS[m]} (ours, 95% CI)")
        mark_paper(ax, x, [PAPER_ARE[m].get(a) for a in ALPHAS],
                   label="paper (Table 1)" if j == 0 else "_nolegend_", color=f"C{j + 1}")
        for i, a in enumerate(ALPHAS):
            cells = [(mode, outs[cid].verdict) for cid, mm, aa, mode in ARE_IDS
                     if mm == m and aa == a]
            if cells:
                txt = "\n".join(f"{_SHORT[mode]}: {_code(ctx, v)}" for mode, v in cells)
                ax.annotate(txt, (x[i], 1.0), xycoords=("data", "axes fraction"), fontsize=6,
                            ha="center", va="top", color=f"C{j + 1}",
                            xytext=(0, -3 - 20 * j), textcoords="offset points")
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi * 30)  # room for the verdict labels above the data
    ax.set_xticks(xs, [str(a) for a in ALPHAS])
    ax.set_xlabel("test α")
    ax.set_ylabel(f"ARE at k = {k} (vs our SSM), 95% CI")
    ax.set_title("Exp I (Table 1): ours (dots, CI bars) vs paper (x); each id's verdict at the "
                 "top of its cell\n(h holds, f fails, i inconclusive; i(f): inconclusive below "
                 "the papers' budget, the numbers lean f)", fontsize=8)
    legend_below(ax, ncol=2)
    return ctx.savefig(fig, "exp1_table1_are")


# ----------------------------------------------------------------------------- claims


def _budget(ctx: Context, cfg: dict[str, Any], res: dict[str, Any]) -> str:
    t = cfg["train"]
    n = n_seeds(res)
    txt = (f"Profile {ctx.profile}: {t['steps']} steps × batch {t['batch']}, lr {t['lr']} "
           f"(paper: 10,000 × 128, lr 3e-4), {n} training seed{'s' if n > 1 else ''} per model, "
           f"{cfg['n_test']} test sequences per α.")
    training = res.get("training")
    if training:
        txt += " Final training losses (window mean, first seed): " + ", ".join(
            f"{m} {i['final_loss']:.3f}" for m, i in training.items()) + "."
    return txt


def _figures(ctx: Context, res: dict[str, Any]) -> list[str]:
    return [once(ctx, "exp1_fig2_excess", res,
                 lambda: plot_excess_panels(ctx, res, ssm_excess_outcome(res).verdict)),
            once(ctx, "exp1_table1_are", res, lambda: plot_are_table(ctx, res))]


def _finish(ctx: Context, res: dict[str, Any], out: Outcome) -> Outcome:
    """Attach the convergence note and the training-curves figure (every exp1 claim)."""
    return convergence.attach_curves(ctx, out, res["training_seeds"], "exp1_training_curves",
                                     "Exp I models (colored noise)")


@claim("chasm.exp1.ssm-excess-k512", source=SOURCE, kind="empirical", section=SECTION,
       experiment="exp1", quote=Q_SSM,
       paper="Quote (§8.1): " + Q_SSM + " — the relation before 0.01 is lost in the text; we read "
             "it as ≈ (paraphrase)",
       statement="the meta-trained selective SSM's excess risk over the Kalman oracle at the "
                 "largest k is about 0.01 (read by the one reported-value rule: within a "
                 "factor 2), pooled over the five test α")
def check_ssm_excess(ctx: Context) -> Outcome:
    res = ctx.experiment("exp1")
    out = ssm_excess_outcome(res)
    out.evidence += " " + _budget(ctx, _config(ctx.profile), res)
    out.figures = _figures(ctx, res)
    return _finish(ctx, res, out)


def check_are_cell(ctx: Context, cid: str) -> Outcome:
    """The check of one Table-1 id of :data:`ARE_IDS` (registered once per row)."""
    _, model, alpha, mode = next(row for row in ARE_IDS if row[0] == cid)
    res = ctx.experiment("exp1")
    out = are_outcome(res["eval"], model, alpha, res["k_are"], mode=mode,
                      budget=_budget(ctx, _config(ctx.profile), res), figures=_figures(ctx, res))
    return _finish(ctx, res, out)


def _register_are(cid: str, model: str, alpha: float, mode: str) -> None:
    paper = PAPER_ARE[model][alpha]
    if mode == "value":
        stmt = f"Table 1: {model} ARE at α = {alpha}, k = 512 is {paper}"
    elif mode == "bound-above":
        stmt = (f"the permutation-invariant LinTF's ARE at α = {alpha} is at least the "
                f"bound 1/(1−α²) = {THEORY[alpha]:.4g}")
    else:
        stmt = (f"SoftTF + learned PE (not permutation-invariant) can fall below the PI "
                f"bound {THEORY[alpha]:.4g} at α = {alpha} (paper: {paper})")

    def check(ctx: Context) -> Outcome:
        return check_are_cell(ctx, cid)

    check.__qualname__ = check_are_cell.__qualname__  # where the check's logic lives
    quote = {"value": Q_ROW[model], "bound-above": Q_CAPTION, "bound-below": Q_SOFTTF}[mode]
    if mode == "value":
        said = f"Quote (Table 1 row): {quote} — the cell at α = {alpha}: {paper}"
    elif mode == "bound-above":
        said = (f"Quote (Table 1 caption): {quote}; Table 1 rows '{Q_THEORY}' and "
                f"'{Q_ROW[model]}' (α = 0.50, 0.90, 0.95, 0.99; 0.70 excluded): at α = {alpha} "
                f"the cell is {paper}")
    else:
        said = (f"Quote (§8.1): {quote} Table 1 row '{Q_ROW[model]}': at α = {alpha} the "
                f"cell is {paper}")
    claim(cid, source=SOURCE, kind="empirical", section=SECTION, experiment="exp1",
          paper=said, quote=quote, statement=stmt,
          finding=FINDING_ARE_NEAR_1 if mode in ("value", "bound-above") else None)(check)


for _row in ARE_IDS:
    _register_are(*_row)
