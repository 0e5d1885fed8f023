"""001 Theorem 2 (risk separation from ERM) and its Appendix A.3 Fisher-information sentence.

Both reuse the exact computations of 000 Thm 2 (``chasm_thm2``): 001's correlated-noise task is
000's colored-noise task (the extraction lost 001's constants; we read a = 0.9, q = 1 from 000
App C.7.2).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.optimize import minimize_scalar

from chasm_theory._context import Context
from chasm_theory._record import Outcome, combine, decide
from chasm_theory._registry import claim
from chasm_theory.oracles.bayes_grid import bayes_grid_predict, uniform_grid
from chasm_theory.oracles.kalman import kalman_filter
from chasm_theory.oracles.risks import best_linear_risk, colored_autocovariance, process_covariance_colored
from chasm_theory.oracles.tasks import colored_noise_lgssm, sample_colored_noise
from chasm_theory.claims.chasm.thm2 import A_SIG, exact_risks, fisher_exact, fisher_limits

SOURCE_T2 = "001 §4.3 Thm 2; App A.3"
SECTION = "001 Theorem 2: risk separation from ERM"
RHOS = (0.7, 0.9, 0.95, 0.98)
KS = (64, 256, 1024)
READING = ("001's scalar task read as 000's colored-noise task: z_t = 0.9 z_(t-1) + w_t (q = 1), AR(1) "
           "noise of unit marginal variance with pole ρ, x = z + v; one-step prediction of x_(k+1); the "
           "Bayes predictor has prior ρ ~ U(0.5, 0.99) (001 B.2); 'ERM under the i.i.d. assumption' = "
           "predictors that pool the context with equal weights (best c·Σx_i, sample mean) or with "
           "weights decaying with distance (best exponentially weighted average, γ optimised per k)")


def ewma_excess(rho: float, k: int, a: float = A_SIG, best: float | None = None) -> tuple[float, float]:
    """Risk of the best EWMA predictor γ Σ (1−γ)^(k−i) x_i of x_(k+1), exact from the
    autocovariance (Toeplitz quadratic form), minus the best linear (Kalman) risk ``best``
    (computed from the (k+1)-point covariance when not given). Returns (excess, optimal γ)."""
    g = colored_autocovariance(a, rho, np.arange(k + 1))
    idx = np.arange(k)
    G = g[np.abs(idx[:, None] - idx[None, :])]
    c = g[k - idx]  # Cov(x_(k+1), x_i), i = 1..k  (0-based idx = i - 1)

    def risk(log_gamma: float) -> float:
        gam = float(np.exp(log_gamma))
        w = gam * (1.0 - gam) ** (k - 1 - idx)
        return float(g[0] - 2.0 * w @ c + w @ G @ w)

    res = minimize_scalar(risk, bounds=(np.log(1e-4), np.log(0.999)), method="bounded",
                          options={"xatol": 1e-6})
    if best is None:
        best = best_linear_risk(process_covariance_colored(a, rho, k))
    return float(res.fun - best), float(np.exp(res.x))


def bayes_excess(rho: float, rng: np.random.Generator, B: int, T: int) -> np.ndarray:
    """Squared difference (B, T) of the grid-Bayes predictive (ρ unknown, prior U(0.5, 0.99),
    200-point grid) and the known-ρ exact Kalman predictor, on sequences with true ρ."""
    x = sample_colored_noise(A_SIG, rho, B, T, rng).x
    grid, lp = uniform_grid(0.5, 0.99, 200)
    bayes = bayes_grid_predict(x, A_SIG, grid, lp).pred
    oracle = kalman_filter(colored_noise_lgssm(A_SIG, rho), x).one_step[:, :, 0]
    return (bayes - oracle) ** 2


@claim(
    "bayes.thm2.separation",
    source=SOURCE_T2,
    statement="On the AR(1)-noise task the Bayes predictor's excess risk is c1/k and every ERM predictor "
    "that assumes i.i.d. noise has excess c2/k with c1 < c2 and c2/c1 ≥ 1/(1 − ρ²)",
    kind="numeric",
    paper="excess_SSM ≈ c1/k, excess_ERM ≥ c2/k, 0 < c1 < c2, c2/c1 ≥ 1/(1 − ρ²) → ∞ as ρ → 1; "
    "'both are O(1/k) … the constant matters'",
    section=SECTION,
)
def check_separation(ctx: Context) -> Outcome:
    B = 400 if ctx.profile == "quick" else 2000
    rows: dict[str, dict] = {}
    beats_ok, rate_ok = True, True
    beats_cx = rate_cx = None
    for rho in RHOS:
        r = exact_risks(rho, kmax=4096)
        d2 = bayes_excess(rho, ctx.rng(f"rho={rho}"), B, max(KS))
        row = {}
        for k in KS:
            col = d2[:, k - 1]
            mean, se = float(col.mean()), float(col.std(ddof=1) / np.sqrt(B))
            ew, gam = ewma_excess(rho, k, best=float(r["kalman"][k - 1]))
            erm = {"pooled_c_sum": float(r["pi_excess"][k - 1]), "sample_mean": float(r["mean_excess"][k - 1]),
                   "best_ewma": ew}
            erm_min = min(erm.values())
            row[str(k)] = {"bayes_excess": mean, "bayes_ci_hi": mean + 1.96 * se, "erm_excess": erm,
                           "ewma_gamma": gam, "k_bayes": k * mean, "k_erm_min": k * erm_min}
            if beats_ok and not (mean + 1.96 * se < erm_min):
                beats_ok, beats_cx = False, {"rho": rho, "k": k, **row[str(k)]}
        # c2/k form: k·(ERM excess) must stay bounded, i.e. not grow with k
        k_erm = [row[str(k)]["k_erm_min"] for k in KS]
        growth = k_erm[-1] / k_erm[0]
        row["k_erm_growth_64_to_1024"] = growth
        row["pooled_excess_at_4096"] = float(r["pi_excess"][-1])
        if rate_ok and growth > 4.0:
            rate_ok, rate_cx = False, {"rho": rho, "k*ERM_excess": dict(zip(map(str, KS), k_erm)),
                                       "pooled_excess_at_4096": float(r["pi_excess"][-1])}
        rows[str(rho)] = row
    p_beats = decide(beats_ok, predicted="Bayes excess < every ERM excess", counterexample=beats_cx,
                     measured={rho: {k: round(v["bayes_excess"], 5) for k, v in row.items() if k in map(str, KS)}
                               for rho, row in rows.items()},
                     evidence="upper 95% bound of the Bayes excess below the smallest ERM excess at every (ρ, k)",
                     rule="holds iff mean + 1.96·SE of the Bayes excess < min ERM excess at every tested (ρ, k)")
    p_rate = decide(rate_ok, predicted="ERM excess = c2/k (k·excess bounded)", counterexample=rate_cx,
                    measured={rho: round(row["k_erm_growth_64_to_1024"], 2) for rho, row in rows.items()},
                    evidence="k·(smallest ERM excess) from k = 64 to 1024 grows ~16× (a constant excess) "
                    "instead of staying bounded",
                    rule="fails if k·(min ERM excess) grows by more than 4× from k = 64 to 1024 (a c2/k law "
                    "would keep it ~constant; a constant excess multiplies it by 16)")
    summary = "; ".join(
        f"ρ = {rho}: Bayes excess {row['1024']['bayes_excess']:.4f} vs best ERM {min(row['1024']['erm_excess'].values()):.4f} "
        f"at k = 1024 (pooled c·Σx excess {row['pooled_excess_at_4096']:.4f} at k = 4096)"
        for rho, row in rows.items())
    return combine(
        {"bayes_beats_erm": p_beats, "erm_excess_is_c2_over_k": p_rate},
        predicted="c1/k < c2/k with c2/c1 ≥ 1/(1 − ρ²)",
        evidence=f"Exact ERM risks from the process autocovariance; Bayes excess by Monte Carlo ({B} sequences "
        f"per ρ, grid posterior over ρ vs the known-ρ Kalman predictor). {summary}. The qualitative "
        "separation holds and is stronger than stated: the i.i.d.-assuming predictors do not have an "
        "excess c2/k at all — pooled or exponentially weighted averages of a stationary zero-mean "
        "process keep a constant excess (they cannot reproduce the Kalman filter's two-pole weights), "
        "so c2 is infinite and the stated constant-ratio form c2/c1 ≥ 1/(1 − ρ²) never arises.",
        reading=READING,
        details={"rows": rows, "B": B},
    )


@claim(
    "bayes.a3.fisher",
    source="001 App A.3 (Part 1)",
    statement="The Fisher information under the correlated (AR(1)-noise) model is 1/(1 − ρ²) times "
    "the information under the i.i.d. assumption",
    kind="symbolic",
    paper="'The Fisher information under the true correlated model is 1/(1 − ρ²) times larger than under the i.i.d. assumption.'",
    section=SECTION,
)
def check_fisher(ctx: Context) -> Outcome:
    lims = fisher_limits()
    table = {}
    for al_s in ("1/2", "9/10", "19/20", "99/100"):
        al = Fraction(al_s)
        f = fisher_exact(al, 512)
        table[al_s] = {"1/(1-rho^2)": float(1 / (1 - al ** 2)),
                       "I_true/I_mis (sandwich)": float(f["I_true"] / f["I_mis"]),
                       "I_true/I_naive": float(f["I_true"] / f["I_naive"])}
    worst = max(table.items(), key=lambda kv: kv[1]["1/(1-rho^2)"])
    ok = all(abs(v["I_true/I_mis (sandwich)"] - v["1/(1-rho^2)"]) <= 0.05 * v["1/(1-rho^2)"]
             or abs(v["I_true/I_naive"] - v["1/(1-rho^2)"]) <= 0.05 * v["1/(1-rho^2)"]
             for v in table.values())
    return decide(
        ok, predicted="I_true / I_iid = 1/(1 − ρ²)",
        measured={a: {k: round(x, 4) for k, x in v.items()} for a, v in table.items()},
        tolerance={"rtol": 0.05},
        counterexample={"rho": worst[0], "k": 512, **worst[1]},
        evidence="Static level under AR(1) noise of unit marginal variance, exact rational arithmetic at k = 512 "
        "(same computation as chasm.thm2.fisher-ratio). Two readings of 'information under the i.i.d. "
        "assumption': the sandwich (misspecification-robust) information 1/Var_true(x̄), whose ratio to "
        f"I_true tends to {lims['I_mis/I_true']}; and the naive i.i.d. information k, which exceeds I_true: "
        f"k/I_true → {lims['I_naive/I_true']}. Neither gives 1/(1 − ρ²): at ρ = {worst[0]} the claim needs "
        f"{worst[1]['1/(1-rho^2)']:.2f}, we get {worst[1]['I_true/I_mis (sandwich)']:.3f} (sandwich) and "
        f"{worst[1]['I_true/I_naive']:.4f} (naive; the correlated model has less information than i.i.d. "
        "data, not more).",
        rule="holds iff, for every ρ tested, one of the two readings is within 5% of 1/(1 − ρ²)",
        reading="target = the level μ of x_i = μ + v_i; I_true = 1ᵀΣ⁻¹1; i.i.d. information read both as "
        "the sandwich 1/Var_true(x̄) and as the naive k",
        details={"limits": {k: str(v) for k, v in lims.items()}},
    )
