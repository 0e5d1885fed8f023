"""001 Theorem 2 (risk separation from ERM) and its Appendix A.3 Fisher-information sentence.

Both reuse the exact computations of 000 Thm 2 (``chasm_thm2``): 001's correlated-noise task is
000's colored-noise task (the extraction lost 001's constants; we read a = 0.9, q = 1 from 000
App C.7.2).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from chasm_theory._context import Context
from chasm_theory._record import Outcome, combine, decide, decide_interval
from chasm_theory._registry import claim
from chasm_theory.claims.chasm.colored_risks import A_SIG, exact_risks
from chasm_theory.oracles.bayes_grid import bayes_grid_predict, uniform_grid
from chasm_theory.oracles.dare import solve_filter_dare
from chasm_theory.oracles.kalman import kalman_filter
from chasm_theory.oracles.one_pole import erm_fit_predict, population_best, stationary_best
from chasm_theory.oracles.risks import (
    best_linear_risk,
    colored_autocovariance,
    process_covariance_colored,
)
from chasm_theory.oracles.tasks import colored_noise_lgssm, sample_colored_noise
from chasm_theory.stats import mean_ci, ratio_of_means_ci

SOURCE_T2 = "001 §4.3 Thm 2; App A.3"
SECTION = "001 Theorem 2: risk separation from ERM"
RHOS = (0.7, 0.9, 0.95, 0.98)
KS = (64, 256, 1024)
K_FLOOR = 1024  # the finite context at which the class floor is cross-checked
FLOOR_ZERO = 1e-12  # float64 zero of a risk difference, relative to Var(x) (~1e-15 per operation)
READING = (
    "001's scalar task read as 000's colored-noise task: z_t = 0.9 z_(t-1) + w_t (q = 1), AR(1) "
    "noise of unit marginal variance with pole ρ, x = z + v; one-step prediction of "
    "x_(k+1); the "
    "Bayes predictor has prior ρ ~ U(0.5, 0.99) (001 B.2); 001 does not exclude ρ = a, so ρ "
    "= a = "
    "0.9 stays in the grid (there x is itself AR(1))"
)


def ewma_excess(
    rho: float, k: int, a: float = A_SIG, best: float | None = None
) -> tuple[float, float]:
    """Risk of the best *unscaled* EWMA predictor γ Σ (1−γ)^(k−i) x_i of x_(k+1) (weights summing
    to ≈ 1: the class the first version of this check used), exact from the autocovariance
    (Toeplitz quadratic form), minus the best linear (Kalman) risk ``best`` (computed from the
    (k+1)-point covariance when not given). Returns (excess, optimal γ)."""
    g = colored_autocovariance(a, rho, np.arange(k + 1))
    idx = np.arange(k)
    G = g[np.abs(idx[:, None] - idx[None, :])]
    c = g[k - idx]  # Cov(x_(k+1), x_i), i = 1..k  (0-based idx = i - 1)

    def risk(log_gamma: float) -> float:
        gam = float(np.exp(log_gamma))
        w = gam * (1.0 - gam) ** (k - 1 - idx)
        return float(g[0] - 2.0 * w @ c + w @ G @ w)

    res = minimize_scalar(
        risk, bounds=(np.log(1e-4), np.log(0.999)), method="bounded", options={"xatol": 1e-6}
    )
    if best is None:
        best = best_linear_risk(process_covariance_colored(a, rho, k))
    return float(res.fun - best), float(np.exp(res.x))


def one_pole_floor(rho: float, a: float = A_SIG, q: float = 1.0) -> dict[str, float]:
    """The floor of the ERM class: excess of its population-best member over the Kalman risk.

    k = oo in closed form (:func:`stationary_best`) against the steady-state innovation variance S
    of the augmented model (DARE); k = 1024 from the Toeplitz covariance against the Cholesky
    Kalman risk (an independent route to the same number)."""
    inf = stationary_best(((q / (1.0 - a * a), a), (1.0, rho)))
    S = float(solve_filter_dare(*colored_noise_lgssm(a, rho, q)[:4]).S[0, 0])
    fin = population_best(colored_autocovariance(a, rho, np.arange(K_FLOOR + 1), q), K_FLOOR)
    kal = float(exact_risks(rho, kmax=K_FLOOR, a=a)["kalman"][K_FLOOR - 1])
    return {
        "floor_k_inf": inf.risk - S,
        "pole_k_inf": inf.pole,
        "scale_k_inf": inf.scale,
        "floor_k_1024": fin.risk - kal,
        "kalman_risk_k_inf": S,
        "var_x": q / (1.0 - a * a) + 1.0,
    }


def bayes_excess(rho: float, rng: np.random.Generator, B: int, T: int) -> np.ndarray:
    """Squared difference (B, T) of the grid-Bayes predictive (ρ unknown, prior U(0.5, 0.99),
    200-point grid) and the known-ρ exact Kalman predictor, on sequences with true ρ."""
    return separation_samples(rho, rng, B, T, ks=())["bayes"]


def separation_samples(
    rho: float, rng: np.random.Generator, B: int, T: int, ks: tuple[int, ...] = KS
) -> dict[str, np.ndarray]:
    """B sequences of length T + 1 with true ρ; squared differences from the known-ρ Kalman
    predictor of x_(k+1) (the conditional mean, so their mean is the excess risk):
    ``bayes`` (B, T) for the grid-Bayes predictive (ρ unknown, prior U(0.5, 0.99), 200 points);
    ``erm`` (B, len(ks)) for the scaled one-pole member fitted in context by ERM; ``pole`` and
    ``scale`` (B, len(ks)) the fitted parameters."""
    x = sample_colored_noise(A_SIG, rho, B, T + 1, rng).x
    grid, lp = uniform_grid(0.5, 0.99, 200)
    oracle = kalman_filter(colored_noise_lgssm(A_SIG, rho), x).one_step[:, :T, 0]
    bayes = bayes_grid_predict(x[:, :T], A_SIG, grid, lp).pred
    out = {"bayes": (bayes - oracle) ** 2}
    if ks:
        fit = erm_fit_predict(x[:, :T], ks)
        out.update(
            erm=(fit.pred - oracle[:, np.array(ks) - 1]) ** 2, pole=fit.pole, scale=fit.scale
        )
    return out


Q_THM2 = (
    "Let be the infimum excess risk achievable by any predictor that minimizes an empirical "
    "squared loss over the context under the misspecified assumption that the observation "
    "noise is i.i.d. (this class includes Transformer-as-GD predictors). Then, for "
    "sufficiently large context length , there exist constants with such that: Furthermore, "
    "the ratio grows without bound as (noise becomes perfectly correlated)."
)
Q_BOTH = (
    "This is not about convergence rates—both are . It is about statistical efficiency: the "
    "constant matters, and the SSM’s constant is strictly better, provably."
)
CLASS = (
    "ERM class (001 A.3: 'pooling observations with equal weights (or weights decaying with "
    "distance)') = the scaled one-pole predictors c·Σ p^(k−i) x_i, c real, 0 ≤ p < 1 "
    "(equivalently "
    "c'·γ Σ (1−γ)^(k−i) x_i), which contain the equal-weight pool (p → 1) and the "
    "steady-state "
    "Kalman predictor of every 'AR(1) signal + i.i.d. noise' model; 'the ERM predictor' = the "
    "member "
    "whose (c, p) minimise the empirical one-step squared loss over the context, "
    "Σ_(t<k) (x_(t+1) − c Σ_(i≤t) p^(t−i) x_i)²; its population-best member is the floor"
)


@claim(
    "bayes.thm2.separation",
    source=SOURCE_T2,
    statement="On the AR(1)-noise task, for sufficiently large k, the Bayes predictor's excess "
    "risk is "
    "at most c1/k and the infimum excess of the predictors fitted by ERM under the i.i.d.-noise "
    "assumption is at least c2/k, with 0 < c1 < c2 and c2/c1 ≥ 1/(1 − ρ²)",
    kind="numeric",
    paper="Quote of Thm 2 (its formulas were lost in the text extraction; the proof sketch and A.3 "
    "supply them: excess_SSM ≈ c1/k, excess_ERM ≥ c2/k, 0 < c1 < c2, c2/c1 ≥ 1/(1 − ρ²) → ∞ as "
    "ρ → 1 — this part paraphrases): " + Q_THM2,
    quote=Q_THM2,
    section=SECTION,
)
def check_separation(ctx: Context) -> Outcome:
    B = 400 if ctx.profile == "quick" else 2000
    rows: dict[str, dict] = {}
    beats_cx = None
    bound_parts: dict[str, Outcome] = {}
    for rho in RHOS:
        s = separation_samples(rho, ctx.rng(f"rho={rho}"), B, max(KS))
        fl = one_pole_floor(rho)
        row: dict = {"floor": fl}
        for j, k in enumerate(KS):
            eb, ee = s["bayes"][:, k - 1], s["erm"][:, j]
            diff = mean_ci(ee - eb, rng=ctx.rng(f"diff{rho},{k}"))
            ratio = ratio_of_means_ci(ee, eb, rng=ctx.rng(f"ratio{rho},{k}"))
            row[str(k)] = {
                "bayes_excess": float(eb.mean()),
                "erm_excess": float(ee.mean()),
                "erm_minus_bayes_ci": [diff.lo, diff.hi],
                "ratio": ratio.est,
                "ratio_ci": [ratio.lo, ratio.hi],
                "k_bayes": k * float(eb.mean()),
                "k_erm": k * float(ee.mean()),
                "erm_pole_median": float(np.median(s["pole"][:, j])),
            }
            if beats_cx is None and not diff.lo > 0:
                beats_cx = {"rho": rho, "k": k, **row[str(k)]}
        kmax = str(max(KS))
        target = 1.0 / (1.0 - rho * rho)
        if rho == A_SIG:
            # the class contains the optimal predictor: both excesses are O(1/k); the constants'
            # ratio is measured at the largest k (paired bootstrap over sequences)
            lo, hi = row[kmax]["ratio_ci"]
            bound_parts[str(rho)] = decide_interval(
                lo,
                hi,
                target_lo=target,
                predicted=f"c2/c1 ≥ 1/(1 − ρ²) = {target:.3g}",
                measured=row[kmax]["ratio"],
                evidence=f"ρ = a: ERM/Bayes excess at k = {kmax} is "
                f"{row[kmax]['ratio']:.3g} [{lo:.3g}, {hi:.3g}]",
            )
        else:
            # a positive floor: ERM excess ≥ floor > c2/k for every c2 once k is large enough
            floor = fl["floor_k_inf"]
            c1 = row[kmax]["k_bayes"]
            row["k_from_which_floor_alone_exceeds_bound"] = (
                target * c1 / floor if floor > 0 else None
            )
            bound_parts[str(rho)] = decide(
                floor > FLOOR_ZERO * fl["var_x"],
                predicted="excess_ERM ≥ c2/k with c2/c1 ≥ 1/(1 − ρ²) for large k",
                measured=floor,
                counterexample={"rho": rho, "floor": floor},
                evidence=f"ρ = {rho}: floor {floor:.3g} > 0, so k·excess_ERM → ∞",
                rule="holds iff the population floor exceeds the float64 zero of the risk "
                "computation",
            )
        rows[str(rho)] = row
    p_beats = decide(
        beats_cx is None,
        predicted="Bayes excess < ERM excess at every (ρ, k)",
        counterexample=beats_cx,
        measured={
            rho: {
                k: [round(v[k]["bayes_excess"], 6), round(v[k]["erm_excess"], 6)]
                for k in map(str, KS)
            }
            for rho, v in rows.items()
        },
        evidence="paired 95% bootstrap CI of (ERM excess − Bayes excess) above 0 at every (ρ, k)",
        rule="holds iff the lower end of the paired 95% CI of ERM − Bayes excess is > "
        "0 at "
        "every tested (ρ, k)",
    )
    p_bound = combine(
        bound_parts,
        predicted="c2/c1 ≥ 1/(1 − ρ²)",
        evidence="; ".join(p.evidence for p in bound_parts.values()),
    )
    kmax = str(max(KS))
    summary = "; ".join(
        f"ρ = {rho}: excess at k = {kmax} Bayes {v[kmax]['bayes_excess']:.2e}, ERM "
        f"{v[kmax]['erm_excess']:.2e} "
        f"(ratio {v[kmax]['ratio']:.3g} [{v[kmax]['ratio_ci'][0]:.3g}, "
        f"{v[kmax]['ratio_ci'][1]:.3g}] vs "
        f"1/(1 − ρ²) = {1 / (1 - float(rho) ** 2):.3g}), k·excess Bayes "
        + "/".join(f"{v[str(k)]['k_bayes']:.3f}" for k in KS)
        + ", ERM "
        + "/".join(f"{v[str(k)]['k_erm']:.2f}" for k in KS)
        + f" at k = {'/'.join(map(str, KS))}, "
        f"floor of the class {v['floor']['floor_k_inf']:.2e}"
        + (
            " (the floor alone passes the bound from k ≈ "
            f"{v['k_from_which_floor_alone_exceeds_bound']:.0f})"
            if v.get("k_from_which_floor_alone_exceeds_bound")
            else ""
        )
        for rho, v in rows.items()
    )
    ratios = [v[str(k)]["ratio"] for v in rows.values() for k in KS]
    at_kmax = {rho: v[kmax]["ratio"] for rho, v in rows.items()}
    below = [rho for rho in at_kmax if at_kmax[rho] < 1.0 / (1.0 - float(rho) ** 2)]
    unscaled = {
        str(rho): ewma_excess(rho, K_FLOOR, best=float(exact_risks(rho)["kalman"][K_FLOOR - 1]))[0]
        for rho in RHOS
    }
    return combine(
        {"bayes_beats_erm": p_beats, "ratio_bound": p_bound},
        headline=f"ERM/Bayes {min(at_kmax.values()):.3g}–{max(at_kmax.values()):.3g}× at k = "
        f"{kmax} vs 1/(1 − ρ²) {1 / (1 - RHOS[0] ** 2):.3g}–{1 / (1 - RHOS[-1] ** 2):.3g}",
        predicted="c1/k < c2/k with c2/c1 ≥ 1/(1 − ρ²)",
        evidence=f"{B} sequences per ρ; excess = mean squared distance to the known-ρ Kalman "
        "predictor "
        "(core filter): the grid-Bayes predictive (ρ unknown, prior U(0.5, 0.99); Thm 1's limit of "
        "the "
        "meta-trained SSM) and the scaled one-pole predictor fitted in context by ERM (core "
        "one_pole "
        f"oracle, 2 parameters). {summary}. What holds: the Bayes predictor beats the in-context "
        "ERM "
        f"predictor at every tested (ρ, k), by a factor {min(ratios):.3g}–{max(ratios):.3g}; the "
        "bound "
        "c2/c1 ≥ 1/(1 − ρ²) holds for sufficiently large k — at ρ = a (the observation process is "
        "itself "
        "AR(1), the class contains the optimal predictor, floor 0) as a measured ratio of 1/k "
        "constants, at ρ ≠ a through the positive floor of the class (k·excess_ERM → ∞). What does "
        "not "
        "follow the paper's mechanism: the measured ratio at k = " + kmax + " is "
        f"{min(at_kmax.values()):.3g}–{max(at_kmax.values()):.3g} across ρ while 1/(1 − ρ²) runs "
        "from "
        f"{1 / (1 - RHOS[0] ** 2):.3g} to {1 / (1 - RHOS[-1] ** 2):.3g}"
        + (
            f" (below the bound at ρ = {', '.join(below)}, where only the floor carries it)"
            if below
            else ""
        )
        + "; and for ρ ≠ a the ERM excess does not vanish at all, so it is not 'also O(1/k)' "
        "(bayes.thm2.separation.erm-rate). With the unscaled class γ Σ (1−γ)^(k−i) x_i (weights "
        f"summing to ≈ 1, the first version of this check) the excess at k = {K_FLOOR} was "
        + ", ".join(f"{v:.3g}" for v in unscaled.values())
        + ": an artefact of the missing scale.",
        reading=READING + "; " + CLASS,
        rule="conjunction: Bayes beats the in-context ERM predictor at every tested (ρ, k) (paired "
        "CI), "
        "and c2/c1 ≥ 1/(1 − ρ²) at every ρ for large k (ρ = a: CI of the measured ratio at the "
        "largest "
        "k above the bound; ρ ≠ a: a positive floor of the class)",
        details={"rows": rows, "B": B, "unscaled_ewma_excess_k1024": unscaled},
    )


@claim(
    "bayes.thm2.separation.erm-rate",
    source=SOURCE_T2,
    statement="The ERM predictor's excess risk on the AR(1)-noise task is O(1/k), like the Bayes "
    "predictor's ('both are O(1/k)'; the separation is in the constant only)",
    kind="numeric",
    paper="Quote of App A.3's conclusion (its O(1/k) was lost in the text extraction): " + Q_BOTH,
    quote=Q_BOTH,
    section=SECTION,
    finding="thm2-iid-class-excess-floor",
)
def check_erm_rate(ctx: Context) -> Outcome:
    rows = {str(rho): one_pole_floor(rho) for rho in RHOS}
    agree = max(abs(v["floor_k_inf"] - v["floor_k_1024"]) for v in rows.values())
    bad = {rho: v for rho, v in rows.items() if v["floor_k_inf"] > FLOOR_ZERO * v["var_x"]}
    cx = None
    if bad:
        rho, v = max(bad.items(), key=lambda kv: kv[1]["floor_k_inf"])
        cx = {
            "rho": float(rho),
            "a": A_SIG,
            "floor": v["floor_k_inf"],
            "best_pole": v["pole_k_inf"],
            "best_scale": v["scale_k_inf"],
        }
    top = max(rows, key=lambda r: rows[r]["floor_k_inf"])
    return decide(
        not bad,
        headline=f"ERM-class floor up to {rows[top]['floor_k_inf']:.3g} (ρ = {top}), not O(1/k)",
        predicted="excess of the ERM class → 0 (as c2/k)",
        measured={rho: float(f"{v['floor_k_inf']:.4g}") for rho, v in rows.items()},
        counterexample=cx,
        tolerance={"zero": f"{FLOOR_ZERO:g}·Var(x)"},
        evidence="Floor of the scaled one-pole class = risk of its population-best member minus "
        "the "
        "Kalman risk, exact: with an infinite context in closed form vs the DARE innovation "
        "variance, "
        f"and at k = {K_FLOOR} from the Toeplitz covariance vs the Cholesky Kalman risk (the two "
        "agree "
        f"to {agree:.1e}). "
        + "; ".join(
            f"ρ = {rho}: floor {v['floor_k_inf']:.3g} (best member c = {v['scale_k_inf']:.4f}, p = "
            f"{v['pole_k_inf']:.4f})"
            for rho, v in rows.items()
        )
        + f". For ρ ≠ a = {A_SIG} the colored-noise process x = z + v is ARMA(2, 1); its optimal "
        "predictor has two poles and no one-pole member reaches it, so the in-context ERM "
        "predictor, "
        "which converges to the population-best member, keeps a positive excess: not O(1/k). At ρ "
        "= a "
        "x is itself AR(1), the class contains a·x_k, and the excess does vanish. The floors are "
        "small "
        f"(at most {max(v['floor_k_inf'] for v in rows.values()):.2g}, below the in-context ERM's "
        "estimation error of order 1/k until k is in the thousands: bayes.thm2.separation), so at "
        "moderate k the ERM excess looks like c2/k; asymptotically it is a constant.",
        rule=f"holds iff the floor is ≤ {FLOOR_ZERO:g}·Var(x) (float64 zero of the risk "
        "computation) at "
        "every tested ρ",
        reading=READING + "; " + CLASS,
        details=rows,
    )
