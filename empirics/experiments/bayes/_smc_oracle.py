"""The SMC Bayes oracle of the 001 d = 4 experiments, shared by ``bayes_oracle`` (which runs it
on the held-out test tasks) and the claim checks that read it (``bayes_thm1``, ``bayes_lgssm``):
its settings, the chunked call on test contexts, the oracle's own check (agreement with
independent oracles) and the excess of a model over the oracle per test task.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from chasm_theory._context import Context
from chasm_theory._judgements import NEAR_ORACLE
from chasm_theory._record import Outcome, decide, decide_interval
from chasm_theory.oracles.posterior_lgssm import LgssmPrior
from chasm_theory.oracles.posterior_smc import SMCConfig, posterior_predictive
from chasm_theory.stats import seeds_ci

__all__ = ["ORACLE_SMC", "smc_oracle_on", "default_workers", "oracle_outcome", "excess_units",
           "same_test_set", "consistency_vs_bayes", "near_zero_tol", "FINDING_SSM_NOT_BAYES"]

# One root cause behind bayes.exp.lgssm and bayes.thm1.consistency: at N = 100,000 tasks the
# meta-trained selective SSM's excess over this oracle is far outside ±2 % of the Bayes risk.
FINDING_SSM_NOT_BAYES = "bayes-ssm-excess-over-smc-oracle"

# The oracle's settings (the same at both profiles: the oracle is not a trained model).
ORACLE_SMC = SMCConfig(n_particles=1000, n_runs=2, ess_target=0.8, n_moves=10)


def rounded(v: Any) -> Any:
    """Lists of floats rounded to 7 significant digits (stable JSON)."""
    return np.vectorize(lambda a: float(f"{a:.7g}"), otypes=[float])(np.asarray(v)).tolist()


def _chunk(args: tuple[np.ndarray, np.ndarray, int, SMCConfig]) -> tuple[Any, ...]:
    """One chunk of contexts (ids, x (c, k, m)): the oracle's numbers for them."""
    ids, x, seed, smc = args
    res = posterior_predictive(x, LgssmPrior(x.shape[2]), smc, seed=seed, context_ids=ids)
    runs = res.diagnostics["runs"]
    return (ids, res.mean, res.mcse, res.rhat, res.log_evidence,
            [[d["n_stages"] for d in run] for run in runs],
            [[min(d["ess"]) / smc.n_particles for d in run] for run in runs],
            [[float(np.mean(d["accept"])) for d in run] for run in runs])


def _one_numba_thread() -> None:
    import numba

    numba.set_num_threads(1)


def default_workers() -> int:
    """Worker processes for :func:`smc_oracle_on`: $CHASM_ORACLE_WORKERS, else the CPU count."""
    return max(1, int(os.environ.get("CHASM_ORACLE_WORKERS") or os.cpu_count() or 1))


def smc_oracle_on(inp: np.ndarray, seed: int, smc: SMCConfig = ORACLE_SMC, chunk: int = 20,
                  progress: Any = None, workers: int | None = None) -> dict[str, Any]:
    """The SMC posterior predictive after each context inp (n, k, m) under the 001 prior, in
    chunks of contexts, on ``workers`` processes (default :func:`default_workers`; one numba
    thread each). Per-context seeds (seed, run, index): neither the chunking nor the number of
    workers changes the answer. Returns pred (n, m), mcse (n, m), rhat (n, m), log evidence
    (R, n), per-context stage counts, minimum stage ESS fraction and mean acceptance (R, n),
    and a summary."""
    n, _k, m = inp.shape
    pred, mcse, rhat = np.empty((n, m)), np.empty((n, m)), np.empty((n, m))
    R = smc.n_runs
    logz, stages, ess_min, acc = (np.empty((R, n)) for _ in range(4))
    jobs = [(ids, inp[ids], seed, smc) for ids in
            (np.arange(s, min(n, s + chunk)) for s in range(0, n, chunk))]
    workers = min(default_workers() if workers is None else int(workers), len(jobs))
    if workers > 1:
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_one_numba_thread)
        results = pool.map(_chunk, jobs)
    else:
        pool, results = None, map(_chunk, jobs)
    try:
        for ids, mu, se, rh, lz, st, em, ac in results:
            pred[ids], mcse[ids], rhat[ids], logz[:, ids] = mu, se, rh, lz
            stages[:, ids], ess_min[:, ids], acc[:, ids] = st, em, ac
            if progress is not None:
                progress(len(ids))
    finally:
        if pool is not None:
            pool.shutdown()
    summary = {"n_contexts": n, "n_stages_median": float(np.median(stages)),
               "n_stages_max": int(stages.max()), "stage_ess_fraction_min": float(ess_min.min()),
               "accept_mean": float(acc.mean()), "accept_min": float(acc.min()),
               "rhat_median": float(np.median(rhat)), "rhat_max": float(rhat.max()),
               "mcse_rms": float(np.sqrt(np.mean((mcse ** 2).sum(-1)))),
               "log_evidence_run_sd_mean": float(np.mean(np.std(logz, 0, ddof=1))),
               "config": smc._asdict()}
    return {"pred": rounded(pred), "mcse": rounded(mcse), "rhat": rounded(rhat),
            "log_evidence": rounded(logz),
            "n_stages": stages.astype(int).tolist(), "stage_ess_fraction_min": rounded(ess_min),
            "accept_mean": rounded(acc), "summary": summary}


# ----------------------------------------------------------------------------- claim side

Z_MAX = 4.0          # a reference comparison agrees when RMS diff <= Z_MAX x RMS combined s.e.
EFFORT_SHARE = 0.1   # the oracle's residual error may shift a measured excess by <= 10% of tol
NEAR_ZERO = NEAR_ORACLE  # "≈ 0": within ±2% of the Bayes risk (the one near-oracle rule)


def near_zero_tol(orc: dict[str, Any]) -> float:
    """The ±tolerance of "excess ≈ 0": NEAR_ZERO x the oracle's Bayes risk."""
    return NEAR_ZERO * float(orc["risk_bayes"]["est"])


def _comparisons(orc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    c = orc["checks"]
    out = {"grid: colored-noise α": c["colored_grid"]}
    out.update({f"grid: d=4 slice, latent {k.split('_')[1]}": v
                for k, v in c["slice_grid"].items() if k.startswith("latent_")})
    out.update({f"IS (M = {c['importance']['M']}): k = {k[1:]}": v
                for k, v in c["importance"].items() if k.startswith("k") and "z_pooled" in v})
    out["seed-to-seed"] = c["seeds"]
    return out


def oracle_outcome(orc: dict[str, Any]) -> Outcome:
    """The oracle's own check: every comparison with an independent oracle (and with itself
    under another seed) within Z_MAX pooled standard errors; its difference from a 2 x
    particles, 4 x moves run small enough to move a measured excess by <= EFFORT_SHARE x tol."""
    comps = _comparisons(orc)
    tol = near_zero_tol(orc)
    eff = orc["checks"]["effort"]
    n_is = sum(v.get("n_reliable", 0) for k, v in orc["checks"]["importance"].items()
               if k.startswith("k"))
    bad = {k: round(v["z_pooled"], 3) for k, v in comps.items() if not v["z_pooled"] <= Z_MAX}
    law = orc["checks"].get("prior_law")
    if law is not None and not law["max_abs_z"] <= Z_MAX:
        bad["prior law (max |z|)"] = round(law["max_abs_z"], 3)
    eff_ok = eff["mean_sq_diff"] <= EFFORT_SHARE * tol
    ok = not bad and eff_ok and n_is > 0
    s = orc["oracle"]["summary"]
    measured = {"z_pooled": {k: round(v["z_pooled"], 3) for k, v in comps.items()},
                "rms_diff": {k: round(v["rms_diff"], 5) for k, v in comps.items()},
                "effort_mean_sq_diff": round(eff["mean_sq_diff"], 6),
                "effort_log_evidence_shortfall": round(eff["log_evidence_shortfall_mean"], 3),
                "is_reliable_contexts": n_is, "diagnostics": s,
                "prior_law_max_abs_z": None if law is None else round(law["max_abs_z"], 3)}
    words = "; ".join(f"{k}: RMS diff {v['rms_diff']:.3g} vs s.e. {v['rms_se']:.3g} "
                      f"(z = {v['z_pooled']:.2f}, n = {v['n']})" for k, v in comps.items())
    lw = ("" if law is None else f"Its latent map vs the core's prior sampler ({law['n']} draws "
          f"each, 12 functionals of θ): max |z| = {law['max_abs_z']:.2f}. ")
    cf = s["config"]
    evidence = lw + (f"SMC oracle ({cf['n_particles']} particles × {cf['n_runs']} "
                f"runs, ESS target {s['config']['ess_target']}, {s['config']['n_moves']} RW-"
                f"Metropolis moves per stage) against independent oracles — {words}. Against "
                f"itself with 2× particles and 4× moves on {eff['n']} test tasks: mean squared "
                f"difference {eff['mean_sq_diff']:.3g} (limit {EFFORT_SHARE} × tol = "
                f"{EFFORT_SHARE * tol:.3g}), log evidence short by "
                f"{eff['log_evidence_shortfall_mean']:.2f} nats. On the {s['n_contexts']} test "
                f"tasks: median {s['n_stages_median']:.0f} tempering stages (max "
                f"{s['n_stages_max']}), acceptance {s['accept_mean']:.2f} (min "
                f"{s['accept_min']:.2f}), R-hat over runs median {s['rhat_median']:.3f} (max "
                f"{s['rhat_max']:.3f}), RMS Monte Carlo s.e. {s['mcse_rms']:.3g}.")
    return decide(ok, predicted="oracle agrees with independent oracles", measured=measured,
                  evidence=evidence, tolerance={"z_max": Z_MAX, "effort_share": EFFORT_SHARE},
                  rule=_ORACLE_RULE,
                  counterexample={"z_above_max": bad, "effort_ok": bool(eff_ok),
                                  "is_reliable_contexts": n_is})


_ORACLE_RULE = (f"holds iff every comparison has RMS difference ≤ {Z_MAX} × RMS combined "
                f"standard error, the prior law's two-sample |z| ≤ {Z_MAX}, at least one "
                "IS-reliable context (ESS ≥ min_ess) was compared, "
                f"and the mean squared difference from the high-effort run is ≤ {EFFORT_SHARE} × "
                f"the ±{NEAR_ZERO:.0%}-of-Bayes-risk tolerance")


def excess_units(row: dict[str, Any], name: str, orc: dict[str, Any]) -> np.ndarray:
    """Per-task excess over the SMC Bayes oracle (n_seeds, n_test) of model ``name`` in a
    bayes_thm1 / bayes_lgssm evaluation row: |yhat - yhat_Bayes|^2 when the row stores the
    models' last-step predictions ``pred_last`` (n_seeds, n_test, m) (equal in expectation to the
    squared-error difference, since the Bayes predictor's error is orthogonal to every function
    of the context, and free of the target's noise); else the per-seed excess over Kalman minus
    (oracle − Kalman) (``units_excess_vs_kalman_per_seed``, or squared errors
    ``units_se_by_seed`` minus the oracle's); else the seed-averaged excess over Kalman minus
    (oracle − Kalman)."""
    se_b = np.asarray(orc["se_bayes"])
    if "pred_last" in row:
        d = np.asarray(row["pred_last"][name]) - np.asarray(orc["oracle"]["pred"])[None]
        return (d ** 2).sum(-1)
    if "units_excess_vs_kalman_per_seed" in row:
        gap = se_b - np.asarray(orc["se_kalman"])
        return np.asarray(row["units_excess_vs_kalman_per_seed"][name]) - gap[None]
    if "units_se_by_seed" in row:
        return np.asarray(row["units_se_by_seed"][name]) - se_b[None]
    gap = se_b - np.asarray(orc["se_kalman"])
    return (np.asarray(row["units_excess_vs_kalman"][name]) - gap)[None]


def same_test_set(row: dict[str, Any], orc: dict[str, Any]) -> bool:
    """The oracle run and the evaluation row used the same test tasks (their known-θ Kalman
    risks agree to 1e-6 relative)."""
    a = float(np.mean(orc["se_kalman"]))
    b = float(row["risk"]["kalman"]["est"])
    return row.get("n_test", orc["n_test"]) == orc["n_test"] and abs(a - b) <= 1e-6 * abs(b)


def consistency_vs_bayes(ctx: Context, rows: list[dict[str, Any]], orc: dict[str, Any]
                         ) -> tuple[dict[str, Outcome], dict[str, Any]]:
    """The parts of bayes.thm1.consistency measured against the SMC oracle: "ssm-to-bayes"
    (the SSM's excess over Bayes at the largest N is within ±tol) and "lintf-saturates" (the
    LinTF's excess over Bayes stops changing over the last two N and stays > 0); both
    inconclusive when the oracle's own check fails or the test sets differ. Returns the parts
    and details (the oracle's own check, the excess table)."""
    own = oracle_outcome(orc)
    details: dict[str, Any] = {"oracle_check": {"verdict": own.verdict, "rule": own.rule,
                                                "measured": own.measured,
                                                "evidence": own.evidence}}
    why = ("" if own.verdict == "holds" else "the SMC oracle's own check does not hold ("
           f"{own.counterexample}); ") + ("" if same_test_set(rows[0], orc) else
                                          "the oracle run used other test tasks; ")
    if why:
        o = Outcome("inconclusive", predicted="excess over Bayes", measured=None,
                    evidence="Not measured against the SMC oracle: " + why,
                    rule="needs a validated oracle on the same test tasks",
                    to_decide="an SMC oracle run that passes its own check on the same test "
                              "tasks (`chasm-theory run bayes_oracle`)")
        return {"ssm-to-bayes": o, "lintf-saturates": o}, details
    tol = near_zero_tol(orc)
    u = {n: [excess_units(r, n, orc) for r in rows] for n in ("ssm", "lintf")}
    ci = {n: [seeds_ci(v) for v in u[n]] for n in u}
    details["excess_vs_bayes"] = {r["N"]: {n: ci[n][i] for n in u} for i, r in enumerate(rows)}
    details["tol"] = tol
    Ns = [r["N"] for r in rows]
    last, drop = ci["ssm"][-1], seeds_ci(u["ssm"][-2] - u["ssm"][-1])
    near = decide_interval(last["lo"], last["hi"], target_lo=-tol, target_hi=tol,
                           predicted=f"≈ 0 (±{NEAR_ZERO:.0%} of the Bayes risk)",
                           measured={"excess_at_largest_N": last, "drop_last_two_N": drop},
                           evidence="")
    if near.verdict == "fails" and drop["lo"] > 0.0:
        near = Outcome("inconclusive", predicted=near.predicted, measured=near.measured,
                       evidence="", rule="above the tolerance but still decreasing",
                       to_decide=f"a larger N (tasks) at which the excess stops decreasing "
                                 f"(its drop's CI reaches 0) or enters ±{tol:.3g}")
    near.evidence = (f"SSM excess over the SMC Bayes oracle at N = {Ns[-1]}: {last['est']:.4g} "
                     f"[{last['lo']:.4g}, {last['hi']:.4g}] vs ±{tol:.3g}; its drop from N = "
                     f"{Ns[-2]}: {drop['est']:.4g} [{drop['lo']:.4g}, {drop['hi']:.4g}].")
    near.rule = ("CI inside ±tol -> holds; CI above tol while the excess no longer decreases "
                 "over the last two N (drop CI reaches 0) -> fails; otherwise inconclusive")
    chg, lvl = seeds_ci(u["lintf"][-2] - u["lintf"][-1]), ci["lintf"][-1]
    flat = chg["lo"] <= 0.0 <= chg["hi"] and lvl["lo"] > 0.0
    sat = Outcome("holds" if flat else "inconclusive",
                  predicted="LinTF excess over Bayes flat in N and > 0",
                  measured={"change_last_two_N": chg, "level_at_largest_N": lvl},
                  evidence=f"LinTF excess over the SMC Bayes oracle at N = {Ns[-1]}: "
                  f"{lvl['est']:.4g} [{lvl['lo']:.4g}, {lvl['hi']:.4g}]; change from N = "
                  f"{Ns[-2]}: {chg['est']:.4g} [{chg['lo']:.4g}, {chg['hi']:.4g}].",
                  rule="holds if the change CI contains 0 and the level CI is above 0; "
                       "otherwise inconclusive (a finite sweep of N cannot refute saturation "
                       "at a larger N)",
                  to_decide="" if flat else ("a larger N at which the LinTF excess stops "
                                             "changing while staying above 0"))
    parts = {"ssm-to-bayes": near, "lintf-saturates": sat}
    parts["ssm-to-bayes"].figures = [_excess_fig(ctx, Ns, ci, tol, near.verdict)]
    return parts, details


def _excess_fig(ctx: Context, Ns: list[int], ci: dict[str, list[dict[str, float]]], tol: float,
                verdict: str) -> str:
    """Excess over the SMC Bayes oracle vs N (001 Fig 2 left), CI bars and the ±tol band."""
    from chasm_theory._figures import ci_bars, legend_below, new_figure
    from empirics.engine.figures import title_with_verdict

    fig, ax = new_figure(width=5.0, height=3.6)
    ax.set_xscale("log")
    ax.axhspan(-tol, tol, color="0.85", label=f"±{NEAR_ZERO:.0%} of the Bayes risk")
    for i, (name, label) in enumerate((("ssm", "selective SSM"), ("lintf", "LinTF"))):
        c = ci[name]
        ax.plot(Ns, [v["est"] for v in c], color=f"C{i}", lw=0.8)
        ci_bars(ax, Ns, [v["est"] for v in c], [v["lo"] for v in c], [v["hi"] for v in c],
                color=f"C{i}", label=label)
    ax.set_xlabel("meta-training tasks N")
    ax.set_ylabel("excess over the SMC Bayes oracle at k = 32")
    legend_below(ax)
    title_with_verdict(ctx, ax, "001 Fig 2 (left): excess over Bayes vs N", verdict)
    return ctx.savefig(fig, "bayes_thm1_excess_vs_bayes")
