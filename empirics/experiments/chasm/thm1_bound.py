"""000 Theorem 1(3), the Transformer's lower bound, read four ways (one id each):

- ``chasm.thm1.chasm.raw-risk``: the bound on the paper's experimental task (App C.6), whose
  shear scale and norm-cap rule are unstated: every enumerated law gets its own verdict from the
  sign of the second-moment rate log ρ(E[M⊗M]); the id's verdict is the common one, or
  inconclusive when the laws disagree (law-dependent).
- ``chasm.thm1.proof-step3``: App E Step 3's general sentence (independent, non-commuting
  factors ⇒ c > 0 independent of k); one such law whose second moment shrinks refutes it.
- ``chasm.thm1.chasm.relative-risk``: scale-free reading on the trained models of Exp VII/VIII.
- ``chasm.thm1.chasm``: the theorem as stated (existential over the task family), on the law
  the paper supports best (the trained-run law, ``TRAINED_LAW``; see ``law_choice_text``).

The runs are those of ``thm1`` (law sweep, hand-set SSM) and ``exp7`` / ``exp8`` (trained).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from chasm_theory import Context, Outcome, claim, combine, decide_interval, over_values
from chasm_theory.oracles.product_tracking import TRAINED_LAW_RULE, choose_law
from empirics.engine import convergence
from empirics.engine.product import curves, training_summaries
from empirics.experiments.chasm import exp7, exp8
from empirics.experiments.chasm.thm1 import (
    SECTION,
    SOURCE,
    TABLE3_SSM,
    _fig_scale,
    check_handset,
)

FINDING = "chasm.thm1.shrinking-law"
TAU = 0.01  # relative-risk floor of the scale-free reading (fixed before any run)
CAP_ORDER = {"rescale": 0, "reject": 1, "none": 2}
RELATIVE_MODELS = (("exp7", ["lintf", "softtf-rope", "tf2l-rope", "tf4l-rope", "hybrid"]),
                   ("exp8", ["tf1l-none", "tf1l-sinusoidal", "tf1l-rope", "tf2l-none",
                             "tf2l-rope"]))
CURVES = {"exp7": exp7.CURVES, "exp8": exp8.CURVES}  # each experiment's training-curves figure

Q_THM = ("Constant-parameter incompatibility:The excess risk of T L , P on this task has a "
         "positive lower bound c ( d , L , P ) > 0 that does not vanish with context length, "
         "while a selective SSM with state dimension n = O ( d ) achieves excess risk approaching "
         "zero as k .")
Q_STEP3 = ("Since the matrices are drawn independently and are non-commutative, the expected "
           "error from missing k 2 L matrices is bounded below by a positive constant c > 0 that "
           "depends on the matrix distribution but not on k.")
Q_TABLE4 = ("This is consistent with Theorem 1, which predicts that the Transformer’s excess risk "
            "has a positive lower bound as k .")

RAW_RULE = ("per law: second-moment rate CI entirely < 0 → fails (P̂ ≡ 0, a Transformer with zero "
            "read-out, has E_k = E‖P_k‖² → 0); entirely ≥ 0 → holds for Transformers whose outputs "
            "are bounded by some B uniformly in k (softmax attention, bounded PE): E_k ≥ "
            "(sqrt(E‖P_k‖²) − B)² → ∞ by Minkowski; a CI straddling 0 → inconclusive")
EVIDENCE_LIMITS = (
    "What the evidence can decide: the bound is an impossibility statement about every "
    "Transformer of fixed depth and size, so (i) a Transformer that trains badly refutes or "
    "establishes nothing (that is the optimiser and budget, not the class); (ii) no trained model "
    "can establish it, since a finite set of trained models is not the class, and no finite range "
    "of k shows that c 'does not vanish'; (iii) it can be refuted only by a member of the class "
    "whose risk tends to 0, e.g. hand-set weights: P̂ ≡ 0 does so exactly on laws whose second "
    "moment shrinks; (iv) on laws whose second moment grows it holds for bounded-output "
    "Transformers for a reason unrelated to composition depth (the targets' scale diverges). The "
    "theorem is existential in the task family ('there exists a family of tasks'), so a shrinking "
    "law refutes App E Step 3 (stated for any independent non-commuting law) but not the theorem.")


def _row_text(r: dict[str, Any]) -> str:
    q, lam = r["second_moment_rate"], r["lyapunov_top"]
    return (f"{r['name']}: log ρ(E[M⊗M]) {q['est']:+.4f} [{q['lo']:+.4f}, {q['hi']:+.4f}], "
            f"λ₁ {lam['est']:+.4f} ± {lam['se']:.0e}, "
            f"E‖P_512‖² {4 * r['zero_mse_last']['512']:.3g}")


def law_outcome(r: dict[str, Any]) -> Outcome:
    """The raw bound on one law (a row of the thm1 sweep, see ``law_scale``) by RAW_RULE."""
    q = r["second_moment_rate"]
    ek = {k: 4 * v for k, v in r["zero_mse_last"].items()}
    return decide_interval(
        q["lo"], q["hi"], target_lo=0.0,
        predicted="liminf_k E_k > 0 for every fixed-size Transformer",
        measured={"law": r["name"], "second_moment_rate": q,
                  "lyapunov_top": r["lyapunov_top"]["est"]},
        counterexample={"law": r["law"], "predictor": "P̂ ≡ 0 (zero read-out weights)",
                        "E_k = E‖P_k‖²": ek},
        evidence=_row_text(r), rule=RAW_RULE)


def over_laws(parts: dict[str, Outcome], *, predicted: Any, evidence: str, **kw: Any) -> Outcome:
    """One verdict over the enumerated laws (:func:`chasm_theory.over_values`), each by RAW_RULE."""
    return over_values(parts, predicted=predicted, evidence=evidence, per_value_rule=RAW_RULE,
                       **kw)


def at_most_inconclusive(o: Outcome, why: str) -> Outcome:
    """``o`` with its verdict withheld (inconclusive) for the stated reason; the numbers, and the
    verdict they gave, are kept; no measurement decides it, only a proof."""
    return replace(o, verdict="inconclusive", counterexample=None,
                   to_decide=f"a proof, not a measurement ({why})",
                   rule=f"{o.rule} [would give '{o.verdict}'; withheld: {why}]",
                   details={**o.details, "verdict_before_withholding": o.verdict})


def _simplest(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["law"]["normalize"] != "none", CAP_ORDER[r["law"]["cap"]],
                                       r["law"]["shear"]))


def law_choice_text(rows: list[dict[str, Any]]) -> str:
    best = choose_law(rows)
    return (f"Trained-run law rule ({TRAINED_LAW_RULE}): the sweep's choice is {best['name']} "
            f"(max(|rate|, 2|λ₁|) = {best['criterion']:.4f}).")


def fig_sweep(ctx: Context, rows: list[dict[str, Any]], verdict: str) -> str:
    """Per law of the sweep (shear scale × cap rule, one panel per det normalisation): the
    second-moment rate log ρ(E[M⊗M]) with its 95% CI (its sign decides the raw bound on that
    law) and 2λ₁ (the typical product's rate), the trained-run law starred; the verdict of
    chasm.thm1.chasm.raw-risk (App C.6 as written) in the title."""
    from chasm_theory._figures import ci_bars, legend_below, new_figure
    from chasm_theory.oracles.product_tracking import TRAINED_LAW
    from empirics.engine.figures import title_with_verdict

    fig, axes = new_figure(1, 2, width=10.5, height=4.4, sharey=True)
    for ax, norm in zip(axes[0], ("none", "det")):
        for i, (cap, mk) in enumerate((("rescale", "o"), ("reject", "s"), ("none", "^"))):
            rs = sorted((r for r in rows if r["law"]["normalize"] == norm
                         and r["law"]["cap"] == cap), key=lambda r: r["law"]["shear"])
            if not rs:
                continue
            sh = [r["law"]["shear"] + 0.006 * (i - 1) for r in rs]  # side by side
            q = [r["second_moment_rate"] for r in rs]
            ax.plot(sh, [c["est"] for c in q], "-", color=f"C{i}", lw=0.8)
            ci_bars(ax, sh, [c["est"] for c in q], [c["lo"] for c in q], [c["hi"] for c in q],
                    color=f"C{i}", marker=mk, label=f"log ρ(E[M⊗M]) (95% CI), cap {cap}")
            ax.plot(sh, [2 * r["lyapunov_top"]["est"] for r in rs], mk, ls="--", mfc="none",
                    color=f"C{i}", lw=0.8, ms=4, label=f"2λ₁ (typical product), cap {cap}")
            for x, r in zip(sh, rs):
                if r["law"] == TRAINED_LAW.as_dict():
                    ax.plot(x, r["second_moment_rate"]["est"], "*", color="k", ms=12,
                            label="the trained-run law")
        ax.axhline(0, color="k", lw=0.8)
        ax.plot([], [], " ", label="rate > 0: E‖P_k‖² grows (the bound holds for bounded TFs); "
                "< 0: it shrinks (P̂ ≡ 0 refutes the bound)")
        ax.set_xlabel("shear scale σ (j ~ U(±σ))")
        ax.set_title(f"normalize = {norm}" + (" (App C.6 as written)" if norm == "none"
                                             else " (the trained runs' family)"), fontsize=8)
    axes[0][0].set_ylabel("per-step log-change of ‖P_k‖²")
    title_with_verdict(ctx, fig, "Thm 1(3) raw bound on App C.6's completions", verdict,
                       trained=False)
    legend_below(fig, ncol=3)
    return ctx.savefig(fig, "thm1_law_sweep")


def table3_scale(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Paper's Table 3 SSM MSE@k over each law's zero-predictor MSE@k (mean over positions ≤ k,
    per entry): > 1 means the paper's best long-k model would be worse than predicting 0."""
    return {r["name"]: {k: round(v / r["zero_mse_mean"][k], 4) for k, v in TABLE3_SSM.items()}
            for r in rows}


@claim("chasm.thm1.chasm.raw-risk", source=SOURCE, section=SECTION, kind="numeric",
       statement="on App C.6's product-tracking law, every fixed-size Transformer's excess "
                 "risk E_k = E‖P̂_k − P_k‖_F² has a positive lower bound that does not vanish as "
                 "k grows; checked on each law the unstated shear scale and norm-cap rule allow",
       paper=Q_THM, quote=Q_THM, experiment="thm1", finding=FINDING)
def check_raw(ctx: Context) -> Outcome:
    res = ctx.experiment("thm1")
    c6 = _simplest([r for r in res["sweep"] if r["law"]["normalize"] == "none"])
    det = [r for r in res["sweep"] if r["law"]["normalize"] == "det"]
    parts = {r["name"]: law_outcome(r) for r in c6}
    t3 = table3_scale(c6 + det)
    out = over_laws(
        parts, predicted="E_k ≥ c > 0 for all large k, on the paper's law",
        evidence=("App C.6 fixes θ ~ U(±0.5), s_i ~ U(0.8, 1.2) and 'bounded Frobenius norm (1.5)' "
                  "but not the shear J's scale nor how the bound is enforced, and they decide the "
                  "sign of the second-moment rate. Laws as App C.6 writes M (shear j ~ U(±σ), cap "
                  "rescale / reject / none): " + "; ".join(
                      f"{_row_text(r)} → {parts[r['name']].verdict}" for r in c6)
                  + ". Det-normalised variants (not App C.6 as written; the trained runs' family): "
                  + "; ".join(f"{_row_text(r)} → {law_outcome(r).verdict}" for r in det)
                  + f". The top Lyapunov exponent λ₁ (typical product) is negative in "
                  f"{sum(r['lyapunov_top']['est'] < 0 for r in c6)} of {len(c6)} laws as "
                  "written: where their mean square grows it is carried by rare sequences while "
                  "the typical product still shrinks. Table 3's SSM MSE over each law's "
                  "zero-predictor MSE at k = 64 / 256 / 512: "
                  + "; ".join(f"{n} {v['64']:.3g}/{v['256']:.3g}/{v['512']:.3g}"
                              for n, v in t3.items())
                  + " (> 1: the paper's best long-k model would lose to predicting 0, unlikely on "
                  "the paper's own law). " + EVIDENCE_LIMITS),
        reading="E_k read as the paper defines it (App E Step 3): the raw E‖P̂_k − P_k‖_F² at "
                "position k; 'this task' = App C.6's law with each enumerated completion of its "
                "unstated parts; liminf_k E_k > 0",
        details={"table3_ssm_over_zero_predictor": t3, "sweep": res["sweep"],
                 "law_choice": law_choice_text(res["sweep"])})
    out.figures = [fig_sweep(ctx, res["sweep"], out.verdict)]
    return out


@claim("chasm.thm1.proof-step3", source="000 App E.2, Step 3", section=SECTION, kind="numeric",
       statement="for any law of independent, non-commuting factors, a predictor that uses at "
                 "most 2^L of the k factors has expected error bounded below by a c > 0 "
                 "independent of k",
       paper=Q_STEP3, quote=Q_STEP3, experiment="thm1", finding=FINDING)
def check_step3(ctx: Context) -> Outcome:
    res = ctx.experiment("thm1")
    ok_premise = [r for r in res["sweep"] if r["noncommuting_frac"] == 1.0]
    outs = [(r, law_outcome(r)) for r in _simplest(ok_premise)]
    failing = [(r, o) for r, o in outs if o.verdict == "fails"]
    r, o = (failing or outs)[0]
    o.evidence = (f"Step 3 premises: factors i.i.d. and non-commuting (every one of "
                  f"{len(ok_premise)} swept laws: all sampled pairs fail to commute). The zero "
                  "predictor uses none of the k factors, so Step 3 bounds its error E‖P_k‖² below "
                  f"by c > 0. Simplest law in the sweep where it does not: {_row_text(r)}; "
                  f"{len(failing)} of {len(outs)} swept laws are counterexamples ("
                  + ", ".join(x['name'] for x, _ in failing) + "). " + EVIDENCE_LIMITS)
    o.reading = ("Step 3 as written: for every independent non-commuting law (its premises), not "
                 "only the paper's experimental one")
    if o.verdict == "holds":
        return at_most_inconclusive(o, "a sweep of laws cannot prove a statement about every law")
    return o


def relative_parts(ctx: Context) -> dict[str, Outcome]:
    parts: dict[str, Outcome] = {}
    for exp, names in RELATIVE_MODELS:
        res = ctx.experiment(exp)
        for n in names:
            e = res["models"][n]
            ks = [k for k in e["mse"] if int(k) >= 64]
            lo = min(e["mse"][k]["lo"] / res["zero_predictor"][k] for k in ks)
            nm = {k: round(e["nmse"][k], 4) for k in ks}
            parts[f"{exp}/{n}"] = decide_interval(
                lo, float("inf"), target_lo=TAU,
                predicted=f"normalised MSE ≥ {TAU} at every k ≥ 64",
                measured=nm, evidence=f"{exp}/{n}: {nm}")
    return parts


def _relative(ctx: Context) -> Outcome:
    parts = relative_parts(ctx)
    low = min(((v, n, k) for n, o in parts.items() for k, v in o.measured.items()), default=None)
    out = combine(parts,
                  headline=(f"min normalised MSE {low[0]:.3g} ({low[1]}, k = {low[2]}); floor "
                            f"{TAU}") if low else "",
                  predicted=f"every trained Transformer keeps normalised MSE ≥ {TAU}, k = 64…512",
                  evidence="Normalised MSE (MSE@k over the mean target², 1 = predicting 0) of the "
                  "trained models: " + "; ".join(o.evidence for o in parts.values()) + ". "
                  + EVIDENCE_LIMITS,
                  reading="scale-free reading: excess risk relative to the target's second moment, "
                          f"floor τ = {TAU} fixed before running; a finite range of k can support "
                          "but never prove a k-independent bound, so this part never 'holds' more "
                          "than 'consistent with'",
                  rule="holds if every TF's CI lower end stays ≥ τ at all k ≥ 64; "
                       "else inconclusive")
    if out.verdict == "fails":
        out = at_most_inconclusive(out, "a finite-k measurement of trained models cannot refute "
                                        "an asymptotic statement about the class")
    return _with_convergence(ctx, out)


def _with_convergence(ctx: Context, out: Outcome) -> Outcome:
    """The convergence note of the Transformers the relative reading uses (Exp VII and VIII)
    and both experiments' training-curves figures."""
    summ: dict[str, Any] = {}
    figs = []
    for exp, names in RELATIVE_MODELS:
        res = ctx.experiment(exp)
        summ.update(training_summaries(res, names, prefix=f"{exp}/"))
        fig = curves(ctx, res, *CURVES[exp])
        if fig is not None:
            figs.append(fig)
    if not summ:
        out.evidence += " Convergence: these results carry no training summaries."
        return out
    return convergence.attach(out, summ, ctx.profile, figs)


@claim("chasm.thm1.chasm.relative-risk", source=SOURCE, section=SECTION, kind="empirical",
       statement="trained fixed-size Transformers keep a relative excess risk bounded away from 0 "
                 "for k = 64…512 (trained at k = 64), normalised by the target's second moment",
       paper=Q_TABLE4, quote=Q_TABLE4, experiment="exp7")
def check_relative(ctx: Context) -> Outcome:
    return _relative(ctx)


@claim("chasm.thm1.chasm", source=SOURCE, section=SECTION, kind="empirical",
       statement="there is a product-tracking law on which every fixed-depth Transformer keeps "
                 "a positive excess risk as k grows, while the Kronecker SSM's excess risk tends "
                 "to 0",
       paper=Q_THM, quote=Q_THM, experiment="thm1", trained=False, finding=FINDING)
def check_chasm(ctx: Context) -> Outcome:
    from chasm_theory._registry import cap_trained

    res = ctx.experiment("thm1")
    row = next(r for r in res["sweep"] if r["law"] == res["law"])
    rel = cap_trained(_relative(ctx), ctx)  # the budget and seed rules, as for a trained claim
    if rel.verdict == "holds":
        rel = at_most_inconclusive(rel, "trained models are not the class: support, never proof")
    parts = {"handset-ssm": check_handset(ctx), f"raw-risk@{row['name']}": law_outcome(row),
             "relative-risk (trained)": rel}
    out = combine(
        parts, predicted="SSM excess → 0 (hand-set); TF excess ≥ c > 0 for all large k",
        evidence=("(a) " + parts["handset-ssm"].evidence + " (b) On the trained-run law: "
                  + _row_text(row) + f" → {law_outcome(row).verdict}. "
                  + law_choice_text(res["sweep"])
                  + " (c) Trained models: " + rel.evidence),
        reading=("the theorem as stated: 'there exists a family of tasks' (product tracking) on "
                 "which the bound holds, read on the law the paper supports best, the trained-run "
                 "law (non-shrinking; Table 3's magnitudes make shrinking laws unlikely, see "
                 "chasm.thm1.chasm.raw-risk). The App C.6 laws whose second moment shrinks refute "
                 "App E Step 3 (chasm.thm1.proof-step3), not this existential statement. "
                 "The trained part can support but never establish a bound over every "
                 "Transformer, so it is at most inconclusive here."),
        details={"convergence": rel.details["convergence"]}
        if "convergence" in rel.details else {})
    out.figures = [*parts["handset-ssm"].figures, _fig_scale(ctx, res, out.verdict),
                   *rel.figures]
    q = row["second_moment_rate"]
    out.headline = (f"log ρ(E[M⊗M]) {q['est']:+.4f} [{q['lo']:+.4f}, {q['hi']:+.4f}] "
                    "(bound needs ≥ 0)")
    return out
