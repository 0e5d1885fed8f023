"""001 §5.1 / App B.1: selective SSM vs linear Transformer vs a Bayes oracle on the d = 4,
m = 2 random-LG-SSM prior, context 32. Also the task machinery shared with ``bayes_thm1``.

Bayes oracle: self-normalised importance sampling with the prior as proposal. For M prior draws
θ_j, exact Kalman log-likelihoods log p(x_1..k | θ_j) and predictions E[x_{k+1} | x_1..k, θ_j]
(the core's Kalman filter, through ``empirics.tasks.lg.kalman_predictions``); the posterior
predictive mean is Σ_j w_j pred_j with w_j ∝ p(x_1..k | θ_j). Its effective sample size
1/Σ w_j² is reported per sequence. The sampler is checked against a deterministic grid
posterior on the scalar colored-noise task (α ~ U(0.5, 0.99), a = 0.9), where both can be
computed.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv, experiment
from chasm_theory._judgements import near_oracle, require_learned
from chasm_theory._record import Outcome, combine, decide, decide_interval
from chasm_theory._registry import claim
from chasm_theory.errors import NotRunError
from chasm_theory.stats import seeds_ci
from empirics.engine import convergence
from empirics.engine.bayes import (
    evaluate_models,
    importance_sampling_oracle,
    learned_at_k,
    zero_predictor_risks,
)
from empirics.engine.evaluate import one_thread
from empirics.engine.figures import title_with_verdict
from empirics.engine.runs import TrainRun, trained
from empirics.engine.specs import BAYES_SPECS as SPECS
from empirics.engine.specs import bayes_run, bayes_scale
from empirics.engine.training import step_generator
from empirics.experiments.bayes._smc_oracle import (
    FINDING_SSM_NOT_BAYES,
    excess_units,
    near_zero_tol,
    oracle_outcome,
    same_test_set,
)
from empirics.tasks.lg import augmented_params, colored_noise_batch, kalman_predictions

SOURCE = "001 §5.1, App B.1"
SECTION = "001 synthetic experiment I: Bayes optimality on random LG-SSMs"


def grid_oracle_colored(x: np.ndarray, alphas: np.ndarray, a: float = 0.9) -> np.ndarray:
    """Posterior predictive mean after the whole context (n,) on a uniform α grid (the grid
    points are midpoints of equal cells of U(lo, hi), so equal prior weights)."""
    preds, lls = [], []
    for al in alphas:
        p, ll = kalman_predictions(x, *augmented_params(a, float(al)), return_loglik=True)
        preds.append(p[:, -1, 0])
        lls.append(ll[:, -1])
    P, L = np.stack(preds), np.stack(lls)
    w = np.exp(L - L.max(0, keepdims=True))
    return (w * P).sum(0) / w.sum(0)


def sampler_check(seed: int, n_seq: int, M: int, n_grid: int) -> dict[str, Any]:
    """IS-from-prior vs grid posterior on the scalar colored-noise task, k = 64."""
    g = step_generator(30_000_001 + seed, 0)
    x, _ = colored_noise_batch(g, n_seq, 64, a=0.9, alpha=(0.5, 0.99))
    x = x.double().numpy()
    rng = np.random.default_rng(seed)
    al = rng.uniform(0.5, 0.99, M)
    is_pred, ess = importance_sampling_oracle(x, [augmented_params(0.9, float(a)) for a in al])
    grid = 0.5 + (np.arange(n_grid) + 0.5) * (0.49 / n_grid)
    gp = grid_oracle_colored(x, grid)
    err = np.abs(is_pred[:, 0] - gp)
    return {"max_abs_diff": float(err.max()), "rms_diff": float(np.sqrt((err ** 2).mean())),
            "pred_sd": float(gp.std()), "ess_median": float(np.median(ess)),
            "ess_min": float(ess.min()), "M": M, "n_grid": n_grid}


def _config(profile: str) -> dict[str, Any]:
    return {**bayes_scale(profile), "M": 20_000 if profile == "full" else 2000,
            "check": {"n_seq": 100, "M": 2000, "n_grid": 400}}


def _runs(cfg: dict[str, Any], seed: int) -> dict[str, list[TrainRun]]:
    """The largest-N models of ``bayes_thm1`` (same runs)."""
    N = max(cfg["n_tasks"])
    return {name: [bayes_run(name, N, cfg, seed, r) for r in cfg["seeds"]] for name in SPECS}


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return [r for rs in _runs(cfg, seed).values() for r in rs]


@experiment("bayes_lgssm",
            title="001 §5.1: SSM vs LinTF vs importance-sampling Bayes oracle, d=4 m=2",
            config=_config, version=3, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    with one_thread():
        got = {name: [trained(r, env) for r in rs] for name, rs in _runs(cfg, env.seed).items()}
        models = {name: [m for m, _ in g] for name, g in got.items()}
        ev = evaluate_models(models, cfg, env, M=cfg["M"])
    chk = sampler_check(env.seed, **cfg["check"])
    return {"n_tasks": max(cfg["n_tasks"]), "n_seeds": len(cfg["seeds"]), "eval": ev,
            "sampler_check": chk,
            "training_seeds": {name: [i for _, i in g] for name, g in got.items()}}


def _words(res: dict[str, Any]) -> str:
    n = int(res.get("n_seeds", 1))
    seeds = "one training seed" if n == 1 else f"the {n} training seeds"
    return f"95% hierarchical-bootstrap CIs over {seeds}, then the held-out tasks"


def lgssm_outcome(res: dict[str, Any], orc: dict[str, Any] | None = None, *,
                  zero_risk: float) -> Outcome:
    """The verdict from a bayes_lgssm run; with ``orc`` (a bayes_oracle run on the same test
    tasks whose own check holds) the SSM's excess is measured against the SMC Bayes oracle,
    else against the run's importance-sampling oracle (gated by its ESS). The SSM-beats-LinTF
    part is decided only when the SSM (the model it favours) beats ``zero_risk``, the zero
    predictor's risk on the same held-out tasks (:data:`LEARNED_RULE`)."""
    ev = res["eval"]
    d_ssm_tf = ev["diff_lintf_minus_ssm"]
    ex_ssm = ev["excess_vs_bayes"]["ssm"]
    parts = {
        "ssm-beats-lintf": require_learned(decide_interval(
            d_ssm_tf["lo"], d_ssm_tf["hi"], target_lo=0.0, predicted="> 0", measured=d_ssm_tf,
            evidence=f"LinTF − SSM squared error: {d_ssm_tf['est']:.4g} "
            f"[{d_ssm_tf['lo']:.4g}, {d_ssm_tf['hi']:.4g}]"),
            {"ssm": learned_at_k(ev["risk"]["ssm"], zero_risk, "SSM")}),
    }
    ess = ev["ess_median"]
    smc_ok = (orc is not None and same_test_set(ev, orc)
              and oracle_outcome(orc).verdict == "holds")
    if smc_ok:
        ex = seeds_ci(excess_units(ev, "ssm", orc))
        tol = near_zero_tol(orc)
        parts["ssm-matches-bayes"] = near_oracle(
            ex["lo"], ex["hi"], orc["risk_bayes"]["est"], oracle="Bayes oracle", measured=ex,
            evidence=f"SSM excess over the SMC Bayes oracle (bayes.exp.lgssm-smc-check holds; "
            f"oracle risk {orc['risk_bayes']['est']:.4g}) {ex['est']:.4g} "
            f"[{ex['lo']:.4g}, {ex['hi']:.4g}] vs ±{tol:.3g}")
    elif ess < 50:
        parts["ssm-matches-bayes"] = Outcome(
            verdict="inconclusive", predicted="≈ 0", measured={"excess": ex_ssm, "ess_median": ess},
            evidence=f"median ESS of the importance sampler is {ess:.1f} < 50, so the oracle is "
            "not trustworthy at this M", rule="needs median ESS ≥ 50",
            to_decide="an oracle with median ESS ≥ 50 on these contexts (more importance "
                      "samples, or the SMC oracle of bayes.exp.lgssm-smc-check)")
    else:
        parts["ssm-matches-bayes"] = near_oracle(
            ex_ssm["lo"], ex_ssm["hi"], ev["risk"]["bayes_is"]["est"], oracle="Bayes oracle",
            measured=ex_ssm,
            evidence=f"SSM excess over the IS Bayes oracle {ex_ssm['est']:.4g} "
            f"[{ex_ssm['lo']:.4g}, {ex_ssm['hi']:.4g}]")
    r = ev["risk"]
    return combine(parts, predicted="SSM ≈ Bayes < LinTF",
                   evidence=f"N = {res['n_tasks']} meta-training tasks; risks at k = 32 on "
                   f"{ev['n_test']} held-out tasks ({_words(res)}; the SSM and LinTF "
                   f"differences paired on the same tasks): known-θ Kalman "
                   f"{r['kalman']['est']:.4g}, IS Bayes oracle {r['bayes_is']['est']:.4g} "
                   f"(M = {ev['M']} prior draws, median ESS {ess:.1f}), SSM "
                   f"{r['ssm']['est']:.4g}, LinTF {r['lintf']['est']:.4g}, zero predictor "
                   f"{zero_risk:.4g} (exact, on the same tasks). "
                   + " ".join(o.evidence for o in parts.values()),
                   details={"learned": parts["ssm-beats-lintf"].details["learned"]},
                   reading=("Bayes oracle for the SSM ≈ Bayes part = tempered SMC over θ "
                            "(bayes_oracle run, same test tasks); the IS risk is shown beside it"
                            if smc_ok else "Bayes oracle = self-normalised importance sampling "
                            "from the prior") + " with exact Kalman likelihoods (not the paper's "
                   "HMC); A read as the core "
                   "library's scaled-orthogonal reading of 'random orthogonal with eigenvalues "
                   "in [0.7, 0.95]'")


def _fig(ctx: Context, ev: dict[str, Any], verdict: str) -> str:
    """Risks of the oracles and the models with CI bars (infinite ends marked), the verdict
    in the title."""
    from chasm_theory._figures import ci_bars, new_figure

    fig, ax = new_figure(width=5.0, height=3.8)
    names = ["known-θ Kalman", "IS Bayes oracle", "selective SSM", "LinTF"]
    keys = ["kalman", "bayes_is", "ssm", "lintf"]
    for i, k in enumerate(keys):
        c = ev["risk"][k]
        ci_bars(ax, [i], [c["est"]], [c["lo"]], [c["hi"]], color=f"C{i}")
    ax.set_xticks(range(4), names, rotation=20, fontsize=7)
    ax.set_ylabel("risk of the x_33 prediction (95% CI)")
    title_with_verdict(ctx, ax, "001 §5.1 (d = 4, m = 2, k = 32): SSM ≈ Bayes < LinTF",
                       verdict)
    return ctx.savefig(fig, "bayes_lgssm_risks")


# the paper's own words (verbatim from the seed: 001 §5.1.2, App B.1)
Q_RESULT = ("The error distribution (Figure 2, right) confirms the SSM’s predictions are "
            "statistically indistinguishable from the oracle’s, whereas the Transformer exhibits a "
            "consistent sub-optimality.")
Q_ORACLE = ("The Bayes-optimal predictor is approximated via Monte Carlo integration using the "
            "formula:")


@claim("bayes.exp.lgssm", source=SOURCE, kind="empirical", section=SECTION,
       experiment="bayes_lgssm", finding=FINDING_SSM_NOT_BAYES,
       quote=Q_RESULT, paper="Quote (§5.1.2): " + Q_RESULT,
       statement="on held-out d = 4, m = 2 tasks at context 32, the meta-trained selective SSM's "
                 "risk is below the LinTF's, and the SSM's excess over the Bayes oracle is ≈ 0")
def check_lgssm(ctx: Context) -> Outcome:
    res = ctx.experiment("bayes_lgssm")
    try:
        orc = ctx.experiment("bayes_oracle")
    except NotRunError:  # no SMC oracle run at this profile: the IS oracle, gated by its ESS
        orc = None
    zero = float(zero_predictor_risks(res["eval"]["n_test"], ctx.seed).mean())
    out = lgssm_outcome(res, orc, zero_risk=zero)
    out.figures = [_fig(ctx, res["eval"], out.verdict)]
    return convergence.attach_curves(ctx, out, res["training_seeds"],
                                     "bayes_lgssm_training_curves",
                                     f"001 §5.1 models (N = {res['n_tasks']})")


@claim("bayes.exp.lgssm-sampler-check", source="001 App B.1 (oracle computation)", kind="numeric",
       section=SECTION, experiment="bayes_lgssm",
       quote=Q_ORACLE,
       paper="Quote (App B.1, Oracle Computation): " + Q_ORACLE + " — the formula is lost in the "
             "text; as we read it (paraphrase): the posterior predictive mean, averaged over "
             "posterior samples of θ under the known prior",
       statement="our importance-sampling Bayes oracle agrees with a deterministic grid posterior "
                 "on the scalar colored-noise task (RMS difference ≤ 1% of the predictions' sd)")
def check_sampler(ctx: Context) -> Outcome:
    c = ctx.experiment("bayes_lgssm")["sampler_check"]
    ok = c["rms_diff"] <= 0.01 * c["pred_sd"]
    return decide(ok, predicted="≤ 1% of sd", measured=c,
                  evidence=f"On {100} scalar colored-noise sequences (a = 0.9, α ~ U(0.5, 0.99), "
                  f"k = 64), IS with {c['M']} prior draws vs a {c['n_grid']}-point α grid: RMS "
                  f"difference {c['rms_diff']:.3g}, max {c['max_abs_diff']:.3g}, predictions' sd "
                  f"{c['pred_sd']:.3g}; IS median ESS {c['ess_median']:.0f} (min "
                  f"{c['ess_min']:.0f}).",
                  rule="holds iff RMS difference ≤ 0.01 × sd of the grid predictions")
