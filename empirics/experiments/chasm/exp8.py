"""000 Experiment VIII (§8.8, App C.7, Table 4): positional encodings cannot bridge the chasm.

The Kronecker SSM against 1-layer (3,364-parameter) and 2-layer softmax Transformers with no PE,
sinusoidal PE or RoPE, all trained at k = 64 on product tracking; the table entry is the ratio
MSE_TF / MSE_SSM at k = 64 and 256 (MSE@k as in Exp VII: mean over positions ≤ k).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chasm_theory import Context, Outcome, claim, combine, decide_interval, experiment
from chasm_theory._experiments import RunEnv
from chasm_theory._judgements import REPORTED_RULE, match_reported
from empirics.engine import product
from empirics.engine.evaluate import fmt_ci as _fmt_ci
from empirics.engine.evaluate import one_thread, ratio, ratio_growth
from empirics.engine.evaluate import ratio_parts as _ratio_parts
from empirics.engine.figures import label, once
from empirics.engine.product import (
    carry_learned,
    favouring,
    law_name,
    product_runs,
    run_product,
    with_convergence,
)
from empirics.engine.runs import TrainRun
from empirics.engine.specs import PE_SWEEP_MODELS as MODELS
from empirics.engine.specs import product_config

SOURCE = "000 §8.8, App C.7, Table 4"
SECTION = "Experiment VIII: PE sweep (Table 4)"
# the paper's own words (verbatim from the seed: Table 4's rows and §8.8)
Q_ROWS: dict[str, str] = {
    "tf1l-none": "TF-1L (no PE) 3,364 1.77 2.78",
    "tf1l-sinusoidal": "TF-1L + Sinusoidal 3,364 1.38 1.31",
    "tf1l-rope": "TF-1L + RoPE 3,364 1.64 2.64",
    "tf2l-none": "TF-2L (no PE) 25,508 1.16 0.79",
    "tf2l-rope": "TF-2L + RoPE 25,508 0.89 1.15",
}
Q_WINS = ("At comparable parameter budgets, the SSM outperforms all 1-layer Transformers "
          "regardless of PE type, with ratios ranging from 1.38 to 1.77 at k = 64 .")
Q_GROWS = ("Crucially, the ratio increases with sequence length: TF-1L (no PE) goes from 1.77 at "
           "k = 64 to 2.78 at k = 256 , and TF-1L + RoPE from 1.64 to 2.64.")
Q_CROSS = ("At 5 × the SSM parameter budget, 2-layer Transformers become competitive at the "
           "training length k = 64 (TF-2L + RoPE achieves ratio 0.89), but this advantage erodes "
           "at k = 256 (ratio 1.15).")


TFS = [m for m in MODELS if m != "ssm-kron"]
CURVES = ("exp8_training_curves", "Exp VIII models")  # figure name, title
SWEEP = "exp8_laws"  # Exp VIII trained on the other corners of the unstated law
SWEEP_CURVES = ("exp8_laws_training_curves", "Exp VIII models on the swept App C.6 laws")


def exp8_config(profile: str) -> dict[str, Any]:
    """Exp VIII's config at ``profile`` (App C.7: as Exp VII, tested to k = 256)."""
    cfg = product_config(profile, list(MODELS))
    cfg["test"]["T"] = 256  # Table 4 goes to k = 256
    cfg["test"]["ks"] = [8, 16, 32, 64, 128, 256]
    return cfg


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return [r for rs in product_runs(cfg, seed, MODELS, "exp8").values() for r in rs]


@experiment("exp8", title="000 Exp VIII: PE sweep on product tracking (ratios TF/SSM)",
            config=exp8_config, version=3, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    with one_thread():
        return with_ratios(run_product(cfg, env, MODELS, "exp8"))


def with_ratios(res: dict[str, Any]) -> dict[str, Any]:
    """Product-tracking results with Table 4's paired ratios MSE_TF / MSE_SSM at k = 64, 256."""
    res["ratios"] = {m: {str(k): ratio(res, m, "ssm-kron", k) for k in (64, 256)} for m in TFS}
    return res


# Exp VIII's six models on the three other App C.6 laws; every chasm.exp8 id reads it beside exp8.
product.register_law_sweep(SWEEP, "000 Exp VIII on the other App C.6 laws (law sweep)",
                           exp8_config, MODELS, "exp8", finish=with_ratios)


# One registered id per Table-4 row (written literally: grep finds every id).
TABLE4_IDS: dict[str, str] = {
    "tf1l-none": "chasm.exp8.table4.tf1l-none",
    "tf1l-sinusoidal": "chasm.exp8.table4.tf1l-sinusoidal",
    "tf1l-rope": "chasm.exp8.table4.tf1l-rope",
    "tf2l-none": "chasm.exp8.table4.tf2l-none",
    "tf2l-rope": "chasm.exp8.table4.tf2l-rope",
}
TF1L = [m for m in TFS if m.startswith("tf1l")]
GROWS = ("tf1l-none", "tf1l-rope")


# ----------------------------------------------------------------------------- outcomes


def row_outcome(res: dict[str, Any], name: str) -> Outcome:
    """Table-4 row ``name``: per k, our ratio CI against [paper/2, 2·paper]."""
    spec, params, paper = MODELS[name]
    parts = {}
    for k, pv in zip((64, 256), paper):
        c = res["ratios"][name][str(k)]
        parts[f"k={k}"] = match_reported(c["lo"], c["hi"], pv, measured=_fmt_ci(c),
                                         evidence=f"ratio@{k} {_fmt_ci(c)} vs paper {pv}")
    e = res["models"][name]
    return combine(parts, predicted={"k=64": paper[0], "k=256": paper[1]},
                   evidence=f"{name} ({e['n_params']:,} params here, paper {params:,}) vs the "
                   "Kronecker SSM, both trained at k = 64: MSE ratio (paired test sequences, "
                   "95% CI over seeds and sequences) "
                   + "; ".join(f"{k}: {o.measured} (paper {o.predicted})"
                               for k, o in parts.items())
                   + f"; TF MSE@64 = {_fmt_ci(e['mse']['64'])}, SSM MSE@64 = "
                   f"{_fmt_ci(res['models']['ssm-kron']['mse']['64'])}.",
                   reading="agreement with the paper's ratio by the one reported-value rule "
                           "(CI within a factor 2); ratios are less law-dependent than raw "
                           "MSEs, but the law is still our completion of App C.6 "
                           "(chasm.thm1.chasm.raw-risk)",
                   rule=f"per cell: {REPORTED_RULE}",
                   details={"spec": spec, "our_params": e["n_params"]})


#: the SSM at the two lengths Table 4 compares: the model said to win (ssm-wins-1l) and the one
#: whose advantage is said to grow (ratio-grows-1l)
SSM_BOTH = [("ssm-kron", 64), ("ssm-kron", 256)]


def wins_outcome(res: dict[str, Any]) -> Outcome:
    parts = _ratio_parts(res, [(m, "ssm-kron", k) for m in TF1L for k in (64, 256)])
    out = combine(parts, predicted="MSE_TF1L / MSE_SSM > 1",
                  evidence="Paired ratios: "
                  + "; ".join(f"{k}: {o.measured}" for k, o in parts.items()) + ".")
    return favouring(out, res, SSM_BOTH, "the paper says the SSM beats every 1-layer "
                     "Transformer, at k = 64 and 256 (Table 4)")


def grows_outcome(res: dict[str, Any]) -> Outcome:
    parts = {}
    for m in GROWS:
        g = ratio_growth(res, m, "ssm-kron", 64, 256)
        parts[m] = decide_interval(g["lo"], g["hi"], target_lo=1.0,
                                   predicted="ratio(256)/ratio(64) > 1", measured=_fmt_ci(g),
                                   evidence=f"{m}: ratio {_fmt_ci(res['ratios'][m]['64'])} → "
                                   f"{_fmt_ci(res['ratios'][m]['256'])}")
    out = combine(parts, predicted="growth factor > 1 (paper 1.57 and 1.61)",
                  evidence="; ".join(o.evidence + f", growth {o.measured}"
                                     for o in parts.values()) + ".")
    return favouring(out, res, SSM_BOTH, "the ratio MSE_TF / MSE_SSM said to grow is the SSM's "
                     "advantage, read at the two lengths the growth compares")


def cross_outcome(res: dict[str, Any]) -> Outcome:
    """Two comparisons, each under the learned rule with its own winner: TF-2L + RoPE at
    k = 64, the SSM at k = 256."""
    c64, c256 = res["ratios"]["tf2l-rope"]["64"], res["ratios"]["tf2l-rope"]["256"]
    parts = {
        "k=64": favouring(
            decide_interval(c64["lo"], c64["hi"], target_hi=1.0, predicted="< 1",
                            measured=_fmt_ci(c64), evidence=f"ratio@64 {_fmt_ci(c64)}"),
            res, [("tf2l-rope", 64)], "the paper says TF-2L + RoPE beats the SSM at k = 64"),
        "k=256": favouring(
            decide_interval(c256["lo"], c256["hi"], target_lo=1.0, predicted="> 1",
                            measured=_fmt_ci(c256), evidence=f"ratio@256 {_fmt_ci(c256)}"),
            res, [("ssm-kron", 256)], "the paper says the SSM beats TF-2L + RoPE at k = 256"),
    }

    def join(p: dict[str, Outcome]) -> Outcome:
        return combine(p, predicted={"k=64": "< 1 (0.89)", "k=256": "> 1 (1.15)"},
                       evidence="TF-2L+RoPE / SSM: " + "; ".join(o.evidence for o in p.values())
                       + ".", reading="; ".join(f"{k}: {o.reading}" for k, o in p.items()))

    out = join(parts)
    out.details.update(carry_learned(parts, join))
    return out


# ----------------------------------------------------------------------------- over the laws

PER_LAW_RULES: dict[str, str] = {
    "row": f"per cell k = 64, 256, {REPORTED_RULE}; the row is the conjunction of its two "
           "cells",
    "wins": "every 1-layer TF at k = 64 and 256: paired ratio CI above 1 holds, any CI below 1 "
            "fails, else inconclusive" + product.LEARNED_PER_LAW,
    "grows": "TF-1L (no PE) and TF-1L + RoPE: CI of ratio(256)/ratio(64) above 1 holds, any "
             "below 1 fails, else inconclusive" + product.LEARNED_PER_LAW,
    "cross": "TF-2L + RoPE: ratio@64 CI below 1 and ratio@256 CI above 1 holds, either on the "
             "wrong side of 1 fails, else inconclusive, each k on its own"
             + product.LEARNED_PER_LAW,
}


def over_laws(ctx: Context, res: dict[str, Any], fn: Callable[[dict[str, Any]], Outcome],
              kind: str) -> Outcome:
    """``fn`` over the trained law and the :data:`SWEEP` laws, by the per-law rule ``kind``."""
    return product.over_laws(ctx, res, fn, PER_LAW_RULES[kind], SWEEP)


# ----------------------------------------------------------------------------- figures


def _figure(ctx: Context, res: dict[str, Any]) -> str:
    """Table 4 on the trained law: our ratio CIs (k = 64, 256) beside the paper's (crosses) per
    Transformer, each row's verdict on this law under its name, the three comparison ids'
    verdicts on this law in the title."""
    import numpy as np

    from chasm_theory._figures import ci_bars, legend_below, mark_paper, new_figure

    fig, ax = new_figure(width=8.5, height=4.6)
    ax.set_yscale("log")
    x = np.arange(len(TFS))
    for j, k in enumerate((64, 256)):
        ours = [res["ratios"][m][str(k)] for m in TFS]
        xs = x + (j - 0.5) * 0.3
        ci_bars(ax, xs, [c["est"] for c in ours], [c["lo"] for c in ours],
                [c["hi"] for c in ours], color=f"C{j}", label=f"ours, k = {k} (95% CI)")
        mark_paper(ax, xs + 0.1, [MODELS[m][2][j] for m in TFS],
                   label="paper (Table 4)" if j == 0 else "_nolegend_", color=f"C{j}")
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label="1: TF = SSM (> 1: the SSM wins)")
    rows = [label(ctx, row_outcome(res, m).verdict).replace(" (", "\n(") for m in TFS]
    ax.set_xticks(x, [f"{m}\nrow on this law: {v}" for m, v in zip(TFS, rows)], fontsize=6)
    ax.set_ylabel("MSE_TF / MSE_SSM (paired, both trained at k = 64)")
    ax.set_title(f"Exp VIII (Table 4) on the trained law {law_name(res)} (the records' verdicts "
                 "are over all swept laws, see exp8_law_sweep) — SSM beats every 1-layer TF: "
                 f"{label(ctx, wins_outcome(res).verdict)};\nratio grows 64 → 256 (1L): "
                 f"{label(ctx, grows_outcome(res).verdict)}; TF-2L + RoPE crosses over: "
                 f"{label(ctx, cross_outcome(res).verdict)}", fontsize=8)
    legend_below(ax, ncol=2)
    return ctx.savefig(fig, "exp8_table4")


def _sweep_figure(ctx: Context, res: dict[str, Any], sweep: dict[str, Any]) -> str:
    """Table 4's ratios on every law (one colour per law, trained law first) beside the paper's
    (crosses), one panel per k; each row's verdict over the laws under its name and the three
    comparison ids' verdicts over the laws in the title."""
    import numpy as np

    from chasm_theory._figures import ci_bars, legend_below, mark_paper, new_figure

    every = {law_name(res): res, **sweep["laws"]}
    fig, axes = new_figure(1, 2, width=11, height=4.8, sharey=True)
    x = np.arange(len(TFS))
    for ax, (j, k) in zip(axes[0], enumerate((64, 256))):
        ax.set_yscale("log")
        for i, (n, r) in enumerate(every.items()):
            ours = [r["ratios"][m][str(k)] for m in TFS]
            xs = x + (i - (len(every) - 1) / 2) * 0.16
            ci_bars(ax, xs, [c["est"] for c in ours], [c["lo"] for c in ours],
                    [c["hi"] for c in ours], color=f"C{i}",
                    label=f"law {n}" + (" (trained law)" if i == 0 else "") + ", 95% CI")
        mark_paper(ax, x, [MODELS[m][2][j] for m in TFS], label="paper (Table 4)")
        ax.axhline(1.0, color="k", lw=0.8, ls="--")
        rows = [label(ctx, over_laws(ctx, res, lambda r, m=m: row_outcome(r, m), "row").verdict)
                .replace(" (", "\n(") for m in TFS]
        ax.set_xticks(x, [f"{m}\n{v}" for m, v in zip(TFS, rows)], fontsize=6)
        ax.set_title(f"k = {k}", fontsize=8)
    axes[0][0].set_ylabel("MSE_TF / MSE_SSM (paired; > 1: the SSM wins)")
    v = {kind: label(ctx, over_laws(ctx, res, fn, kind).verdict)
         for kind, fn in (("wins", wins_outcome), ("grows", grows_outcome),
                          ("cross", cross_outcome))}
    fig.suptitle("Exp VIII (Table 4) over the App C.6 laws — row verdicts under the names; SSM "
                 f"beats every 1-layer TF: {v['wins']};\nratio grows 64 → 256 (1L): "
                 f"{v['grows']}; TF-2L + RoPE crosses over: {v['cross']}", fontsize=8)
    legend_below(fig, ncol=3)
    return ctx.savefig(fig, "exp8_law_sweep")


def _finish(ctx: Context, res: dict[str, Any], out: Outcome, names: list[str]) -> Outcome:
    """Every exp8 record: the Table-4 figure on the trained law, the law-sweep figure, and the
    convergence note of the models it reads (``names`` and the SSM) on every law, with the
    training-curves figures."""
    figs = [once(ctx, "exp8_table4", res, lambda: _figure(ctx, res))]
    sweep = product.law_sweep(ctx, SWEEP)
    if sweep is not None:
        figs.append(once(ctx, "exp8_law_sweep", [res, sweep],
                         lambda: _sweep_figure(ctx, res, sweep)))
    out.figures = [*out.figures, *figs]
    out = with_convergence(ctx, res, out, *CURVES, [*names, "ssm-kron"])
    return product.sweep_convergence(ctx, sweep, out, [*names, "ssm-kron"], *SWEEP_CURVES)


# ----------------------------------------------------------------------------- claims


def _cell_claim(name: str) -> None:
    _, params, paper = MODELS[name]

    @claim(TABLE4_IDS[name], source=SOURCE, section=SECTION, kind="empirical",
           statement=f"Table 4 row {name}: MSE_TF / MSE_SSM at k = 64 and 256",
           quote=Q_ROWS[name],
           paper=f"Quote (Table 4 row: params, MSE_TF / MSE_SSM at k = 64, 256): {Q_ROWS[name]}",
           experiment="exp8", finding=product.FINDING_SSM_AT_64)
    def check(ctx: Context) -> Outcome:
        res = ctx.experiment("exp8")
        out = over_laws(ctx, res, lambda r: row_outcome(r, name), "row")
        return _finish(ctx, res, out, [name])


for _n in TFS:
    _cell_claim(_n)


@claim("chasm.exp8.ssm-wins-1l", source=SOURCE, section=SECTION, kind="empirical",
       statement="at comparable budget the SSM beats every 1-layer Transformer (any PE) at "
                 "k = 64 and 256",
       quote=Q_WINS, paper="Quote (§8.8): " + Q_WINS,
       experiment="exp8")
def check_wins(ctx: Context) -> Outcome:
    res = ctx.experiment("exp8")
    return _finish(ctx, res, over_laws(ctx, res, wins_outcome, "wins"), TF1L)


@claim("chasm.exp8.ratio-grows-1l", source=SOURCE, section=SECTION, kind="empirical",
       statement="for TF-1L (no PE) and TF-1L + RoPE the ratio MSE_TF/MSE_SSM increases from "
                 "k = 64 to 256",
       quote=Q_GROWS, paper="Quote (§8.8): " + Q_GROWS, experiment="exp8",
       finding=product.FINDING_SSM_AT_64)
def check_grows(ctx: Context) -> Outcome:
    res = ctx.experiment("exp8")
    return _finish(ctx, res, over_laws(ctx, res, grows_outcome, "grows"), list(GROWS))


@claim("chasm.exp8.tf2l-rope-crossover", source=SOURCE, section=SECTION, kind="empirical",
       statement="TF-2L + RoPE beats the SSM at k = 64 (ratio < 1) but loses at k = 256 "
                 "(ratio > 1)",
       quote=Q_CROSS, paper="Quote (§8.8): " + Q_CROSS, experiment="exp8",
       finding=product.FINDING_SSM_AT_64)
def check_cross(ctx: Context) -> Outcome:
    res = ctx.experiment("exp8")
    return _finish(ctx, res, over_laws(ctx, res, cross_outcome, "cross"), ["tf2l-rope"])
