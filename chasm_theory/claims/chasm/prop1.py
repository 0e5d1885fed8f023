"""000 Proposition 1 (order-dependence of optimal filtering) and its counterexample
(A = 2, C = 1, K_1 = 1/3, K_2 = 2/3), App B.3.

The filter z_{t|t} = Phi_t z_{t-1|t-1} + K_t x_t, Phi_t = (I - K_t C) A, from z_{0|0} = 0
unrolls to z_{k|k} = sum_t W_t x_t with W_t = Phi_k ... Phi_{t+1} K_t (App B.3.2); it is
permutation-invariant iff all W_t are equal. The weights and the searched systems are in
:mod:`chasm_theory.claims.chasm.order_search`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from chasm_theory._context import Context
from chasm_theory._fuzz import FuzzSpec, run_fuzz
from chasm_theory._record import Outcome, decide
from chasm_theory._registry import claim
from chasm_theory.claims.chasm.order_search import (
    TOL_PI,
    is_order_dependent,
    is_permutation_invariant,
    order_weights,
    show_system,
    sweep_fraction,
    system_strategy,
)
from chasm_theory.oracles.dare import solve_filter_dare
from chasm_theory.oracles.kalman import riccati_gains
from chasm_theory.oracles.lgssm import LGSSMParams, make_lgssm, spectral_radius

SOURCE = "000 §4.3 Prop 1; App B.3"
SECTION = "Proposition 1: order-dependence of the Kalman filter"


# ----------------------------------------------------------------------------- exact example


def scalar_filter_exact(
    a: Fraction, c: Fraction, gains: list[Fraction], xs: list[Fraction], z0: Fraction = Fraction(0)
) -> Fraction:
    """z_{t|t} = (1 - K_t c) a z_{t-1|t-1} + K_t x_t in exact rational arithmetic."""
    z = z0
    for K, x in zip(gains, xs):
        z = (1 - K * c) * a * z + K * x
    return z


def paper_example() -> dict[str, Fraction]:
    a, c = Fraction(2), Fraction(1)
    gains = [Fraction(1, 3), Fraction(2, 3)]
    return {
        "z22(0,6)": scalar_filter_exact(a, c, gains, [Fraction(0), Fraction(6)]),
        "z22(6,0)": scalar_filter_exact(a, c, gains, [Fraction(6), Fraction(0)]),
    }


@claim(
    "chasm.prop1.counterexample",
    source=SOURCE,
    statement="With A = 2, C = 1, K_1 = 1/3, K_2 = 2/3 and z_{0|0} = 0, the filter gives "
    "z_{2|2}(0, 6) = 4 and z_{2|2}(6, 0) = 4/3",
    kind="symbolic",
    paper="Quote (000 §4.3): A concrete counterexample ( A = 2 , C = 1 , K 1 = 1 / 3 , K 2 = 2 / 3 "
    ") yields z ^ 2 | 2 ( 0 , 6 ) = 4 4 / 3 = z ^ 2 | 2 ( 6 , 0 ) . — formulas lost in the "
    "text extraction, as we read them (paraphrase): ẑ_{2|2}(0,6) = 4 ≠ 4/3 = ẑ_{2|2}(6,0)",
    quote="A concrete counterexample ( A = 2 , C = 1 , K 1 = 1 / 3 , K 2 = 2 / 3 ) yields z ^ 2 | "
    "2 ( 0 , 6 ) = 4 4 / 3 = z ^ 2 | 2 ( 6 , 0 ) .",
    section=SECTION,
)
def check_counterexample(ctx: Context) -> Outcome:
    ex = paper_example()
    ok = ex["z22(0,6)"] == 4 and ex["z22(6,0)"] == Fraction(4, 3)
    return decide(
        ok,
        predicted={"z22(0,6)": "4", "z22(6,0)": "4/3"},
        measured={k: str(v) for k, v in ex.items()},
        evidence=f"Exact rational recursion: (0, 6) -> {ex['z22(0,6)']}, (6, 0) -> "
        f"{ex['z22(6,0)']}.",
        rule="holds iff both values equal the paper's exactly",
        reading="recursion z_t = (1 − K_t)·2·z_{t−1} + K_t x_t from z_{0|0} = 0 (App B.3.1)",
    )


# ----------------------------------------------------------------------------- realizability


def two_gains(P10: Any, Q: Any, R: Any, A: int = 2, C: int = 1) -> tuple[Any, Any]:
    """K_1, K_2 of the scalar Riccati recursion from the prior P_{1|0} (sympy or exact
    Fractions): K_t = P_{t|t-1} C/(C² P_{t|t-1} + R), P_{2|1} = A² (1 − K_1 C) P_{1|0} + Q."""
    K1 = P10 * C / (C**2 * P10 + R)
    P11 = (1 - K1 * C) * P10
    P21 = A**2 * P11 + Q
    K2 = P21 * C / (C**2 * P21 + R)
    return K1, K2


def a1_witness() -> LGSSMParams:
    """a = 0.5, c = 1, Q = R = 1, stationary prior: a scalar system that satisfies A1."""
    return make_lgssm([[0.5]], [[1.0]], [[1.0]], [[1.0]])


def solve_gains(convention: str) -> dict[str, Any]:
    """Solve the scalar Riccati recursion (A = 2, C = 1) for K_1 = 1/3, K_2 = 2/3.

    ``"predict-first"``: prior P_{0|0} = p (the toolkit's and App B.1's convention),
    P_{1|0} = 4p + Q. ``"update-first"``: prior directly on z_1, P_{1|0} = p.
    Returns the sympy solution for (p, Q) in terms of R > 0 and whether p >= 0, Q >= 0.
    """
    p, Q, R = sp.symbols("p Q R", real=True)
    A, C = 2, 1
    P10 = A**2 * p + Q if convention == "predict-first" else p
    K1, K2 = two_gains(P10, Q, R, A, C)
    sols = sp.solve([sp.Eq(K1, sp.Rational(1, 3)), sp.Eq(K2, sp.Rational(2, 3))], [p, Q], dict=True)
    Rpos = sp.Symbol("R", positive=True)
    out = []
    for s in sols:
        ps, Qs = sp.simplify(s[p].subs(R, Rpos)), sp.simplify(s[Q].subs(R, Rpos))
        feasible = bool(sp.simplify(ps).is_nonnegative) and bool(sp.simplify(Qs).is_nonnegative)
        out.append(
            {
                "p": str(ps),
                "Q": str(Qs),
                "feasible_for_all_R>0": feasible,
                "p_sign": "nonnegative"
                if ps.is_nonnegative
                else ("negative" if ps.is_negative else "?"),
            }
        )
    return {
        "convention": convention,
        "solutions": out,
        "admits": any(o["feasible_for_all_R>0"] for o in out),
    }


def _update_first_witness() -> dict[str, str]:
    """R = 6, P_{1|0} = 3, Q = 4 in exact arithmetic: the gains it produces."""
    K1, K2 = two_gains(P10=Fraction(3), Q=Fraction(4), R=Fraction(6))
    return {"R": "6", "P_{1|0}": "3", "Q": "4", "K1": str(K1), "K2": str(K2)}


REAL_READING = (
    "scalar LG-SSM, A = 2, C = 1, R > 0, Q ≥ 0, prior variance ≥ 0; 'predict-first' "
    "starts from P_{0|0} (App B.1's convention), 'update-first' places the prior on "
    "z_1 "
    "(P_{1|0} free)"
)


@claim(
    "chasm.prop1.gains-realizable.predict-first",
    source=SOURCE,
    statement="K_1 = 1/3, K_2 = 2/3 (A = 2, C = 1) arise from the Riccati recursion started at "
    "P_{0|0} = p ≥ 0 with Q ≥ 0, R > 0",
    kind="symbolic",
    paper="Quote (000 App B.1.3): For a time-invariant system, the transient sequence { K 1 , K 2 "
    ", } is deterministic given θ and the initial covariance P 0 | 0 . — formulas lost in "
    "the text extraction, as we read them (paraphrase): 'the transient sequence {K_1, K_2, "
    "...} is deterministic given θ and P_{0|0}' (App B.1)",
    quote="For a time-invariant system, the transient sequence { K 1 , K 2 , } is deterministic "
    "given θ and the initial covariance P 0 | 0 .",
    section=SECTION,
    finding="prop1-paper-counterexample",
)
def check_realizable_pf(ctx: Context) -> Outcome:
    res = solve_gains("predict-first")
    return decide(
        res["admits"],
        predicted="p ≥ 0, Q ≥ 0 for some R > 0",
        measured=res,
        counterexample=res["solutions"],
        evidence="sympy solve of K_1 = 1/3, K_2 = 2/3 with P_{1|0} = 4p + Q gives "
        + "; ".join(f"p = {s['p']}, Q = {s['Q']}" for s in res["solutions"])
        + ": the prior variance p would have to be negative for every R > 0.",
        rule="holds iff a solution has p ≥ 0 and Q ≥ 0 for R > 0",
        reading=REAL_READING,
    )


@claim(
    "chasm.prop1.gains-realizable.update-first",
    source=SOURCE,
    statement="K_1 = 1/3, K_2 = 2/3 (A = 2, C = 1) arise from the Riccati recursion started at "
    "P_{1|0} = p ≥ 0 with Q ≥ 0, R > 0",
    kind="symbolic",
    paper="Quote (000 App B.3.1): Let A = 2 , C = 1 , with time-varying gains K 1 = 1 / 3 , K 2 = "
    "2 / 3 . — formulas lost in the text extraction, as we read them (paraphrase): the "
    "example's gains come from a Kalman filter",
    quote="Let A = 2 , C = 1 , with time-varying gains K 1 = 1 / 3 , K 2 = 2 / 3 .",
    section=SECTION,
)
def check_realizable_uf(ctx: Context) -> Outcome:
    res = solve_gains("update-first")
    wit = _update_first_witness()
    ok = res["admits"] and wit["K1"] == "1/3" and wit["K2"] == "2/3"
    return decide(
        ok,
        predicted="p ≥ 0, Q ≥ 0 for some R > 0",
        measured={**res, "witness": wit},
        counterexample=res["solutions"],
        evidence="sympy solve with P_{1|0} = p gives "
        + "; ".join(f"p = {s['p']}, Q = {s['Q']}" for s in res["solutions"])
        + f"; exact witness R = 6, P_(1|0) = 3, Q = 4 gives K_1 = {wit['K1']}, K_2 = {wit['K2']}. "
        "Note P_(1|0) = R/2 < Q = 2R/3, so this prior cannot come from any P_(0|0) ≥ 0.",
        rule="holds iff a nonnegative solution exists and the exact witness reproduces the gains",
        reading=REAL_READING,
    )


@claim(
    "chasm.prop1.gains-realizable",
    source=SOURCE,
    statement="the counterexample's gains K_1 = 1/3, K_2 = 2/3 (A = 2, C = 1) come from a Kalman "
    "filter under at least one timing convention",
    kind="symbolic",
    paper="Quote (000 App B.3.1): Let A = 2 , C = 1 , with time-varying gains K 1 = 1 / 3 , K 2 = "
    "2 / 3 . — formulas lost in the text extraction, as we read them (paraphrase): 'with "
    "time-varying gains K_1 = 1/3, K_2 = 2/3' presented as Kalman gains",
    quote="Let A = 2 , C = 1 , with time-varying gains K 1 = 1 / 3 , K 2 = 2 / 3 .",
    section=SECTION,
)
def check_realizable(ctx: Context) -> Outcome:
    pf, uf = solve_gains("predict-first"), solve_gains("update-first")
    admits = [r["convention"] for r in (pf, uf) if r["admits"]]
    return decide(
        bool(admits),
        predicted="some convention admits P ≥ 0, Q ≥ 0, R > 0",
        measured={"conventions_admitting": admits, "predict-first": pf, "update-first": uf},
        counterexample={"predict-first": pf["solutions"], "update-first": uf["solutions"]},
        evidence=f"Conventions that admit a solution: {admits or 'none'}. Predict-first "
        "from "
        f"P_(0|0) needs p = {pf['solutions'][0]['p'] if pf['solutions'] else '—'} (< 0); "
        "update-first needs P_(1|0) = "
        f"{uf['solutions'][0]['p'] if uf['solutions'] else '—'}, "
        f"Q = {uf['solutions'][0]['Q'] if uf['solutions'] else '—'}. See the two "
        "sub-ids.",
        rule="holds iff at least one convention admits a solution",
        reading=REAL_READING,
    )


@claim(
    "chasm.prop1.assumptions",
    source=SOURCE,
    statement="the counterexample (A = 2) satisfies Assumption A1, rho(A) < 1",
    kind="symbolic",
    paper="Quote (000 §4.3; §2.4): A concrete counterexample ( A = 2 , C = 1 , K 1 = 1 / 3 , K 2 = "
    "2 / 3 ) yields z ^ 2 | 2 ( 0 , 6 ) = 4 4 / 3 = z ^ 2 | 2 ( 6 , 0 ) . Assumption A1 "
    "(§2.4, quoted): Assumption A1 (Prior Support and Stability). π ( θ ) has full support "
    "on a compact Θ, with ρ ( A θ ) < 1 for all θ Θ .",
    quote="A concrete counterexample ( A = 2 , C = 1 , K 1 = 1 / 3 , K 2 = 2 / 3 ) yields z ^ 2 | "
    "2 ( 0 , 6 ) = 4 4 / 3 = z ^ 2 | 2 ( 6 , 0 ) .",
    section=SECTION,
    finding="prop1-paper-counterexample",
)
def check_assumptions(ctx: Context) -> Outcome:
    rho = spectral_radius(np.array([[2.0]]))
    # the same phenomenon for a system that does satisfy A1: a = 0.5, c = 1, q = r = 1
    params = a1_witness()
    K = riccati_gains(params, 2).K
    g = K[:, 0, 0]
    W = order_weights(params.A, params.C, K)
    return decide(
        rho < 1.0,
        predicted="ρ(A) < 1",
        measured={"rho(A)": rho},
        counterexample={"A": 2.0, "rho(A)": rho},
        evidence=f"ρ(A) = {rho} ≥ 1: the counterexample violates A1 (unstable state). "
        "The "
        "conclusion does not depend on it: for a = 0.5, c = 1, Q = R = 1 (stationary "
        "prior) the "
        f"Kalman gains are K_1 = {g[0]:.4f}, K_2 = {g[1]:.4f} and the weights of x_1, "
        "x_2 in "
        f"z_(2|2) are {W[0, 0, 0]:.4f} and {W[1, 0, 0]:.4f}, so order matters under A1 "
        "too.",
        rule="holds iff ρ(A) < 1",
        reading="A1 as stated in §2.4",
    )


# ----------------------------------------------------------------------------- generic search


ORDER_FUZZ = FuzzSpec(
    strategy=lambda: system_strategy((1, 2, 3), ("riccati", "steady")),
    holds=is_order_dependent,
    show=show_system,
    description="stable LG-SSMs, d = 1..3, m = 1..2, k = 2..4, Riccati or steady-state gains, "
    "C ≠ 0, A ≠ I: z_{k|k} is not permutation-invariant (weights W_t not all equal)",
)

SCALAR_FUZZ = FuzzSpec(
    strategy=lambda: system_strategy((1,), ("steady", "riccati")),
    holds=is_permutation_invariant,
    show=show_system,
    description="scalar (d = 1) stable LG-SSMs: the filter's z_{k|k} is permutation-invariant",
)


@claim(
    "chasm.prop1.generic-order-dependence",
    source=SOURCE,
    statement="for stable LG-SSMs with C ≠ 0 and A ≠ I the Kalman estimate z_{k|k} is not "
    "permutation-invariant — searched over d = 1, 2, 3 and over time-varying (Riccati) and "
    "constant (steady-state) gains",
    kind="property",
    paper="Quote (000 §4.3 Prop 1): For any LG-SSM with time-varying Kalman gains ( K 1 K 2 ) and "
    "nontrivial dynamics ( A I , C 0 ), the Kalman filter estimate z ^ k | k "
    "isnotpermutation-invariant. — formulas lost in the text extraction, as we read them "
    "(paraphrase): 'For any LG-SSM with time-varying Kalman gains (K_1 ≠ K_2) and nontrivial "
    "dynamics (A ≠ I, C ≠ 0), the Kalman filter estimate is not permutation-invariant'; "
    "'fails generically when d ≥ 2'",
    quote="For any LG-SSM with time-varying Kalman gains ( K 1 K 2 ) and nontrivial dynamics ( A I "
    ", C 0 ), the Kalman filter estimate z ^ k | k isnotpermutation-invariant.",
    section=SECTION,
    fuzz=ORDER_FUZZ,
)
def check_generic(ctx: Context) -> Outcome:
    res = run_fuzz(ORDER_FUZZ, max_examples=250)
    frac = sweep_fraction(ctx.rng("sweep"), n=40)
    return decide(
        not res.found,
        predicted="order-dependent for generic systems",
        measured={
            "counterexample_found": res.found,
            "examples": res.examples_tried,
            "fraction_order_dependent_random": frac,
        },
        counterexample=res.shown,
        evidence=f"Hypothesis searched {res.examples_tried} stable systems (d = 1..3, m = 1..2, "
        "k = 2..4, both gain kinds) for a permutation-invariant filter: "
        + (f"found {res.shown}." if res.found else "none found.")
        + f" Fraction of 40 random systems per cell with an order-dependent z_(3|3): {frac}. "
        "Order-dependence does not need d ≥ 2 or time-varying gains: with a constant gain K ≠ 0, "
        "W_{k-1} = F K = K would need an eigenvalue 1 of F = (I − KC)A, impossible when ρ(F) < 1; "
        "in d = 1 the weights are k((1 − kc)a)^(k−t), distinct unless (1 − kc)a = 1.",
        rule="fails iff the search finds a permutation-invariant filter satisfying the premise",
        reading="premise: ρ(A) ≤ 0.95, C ≠ 0, A ≠ I, Q, R ≻ 0, stationary prior; PI = all "
        f"weights W_t equal to relative tolerance {TOL_PI}",
    )


@claim(
    "chasm.prop1.generic-order-dependence.scalar",
    source=SOURCE,
    statement="in the scalar case d = 1 the Kalman estimate is permutation-invariant (the reading "
    "of 'the separation requires d ≥ 2' for Prop 1)",
    kind="property",
    paper="Quote (000 App B.3.2): We derive the condition under which the Kalman filter is "
    "permutation-invariant and show it fails generically when d 2 . — formulas lost in the "
    "text extraction, as we read them (paraphrase): 'The separation and the chasm both "
    "require d ≥ 2'; App B.3.2 'show it fails generically when d ≥ 2'",
    quote="We derive the condition under which the Kalman filter is permutation-invariant and show "
    "it fails generically when d 2 .",
    section=SECTION,
    fuzz=SCALAR_FUZZ,
    finding="scalar-case-not-degenerate",
)
def check_scalar(ctx: Context) -> Outcome:
    res = run_fuzz(SCALAR_FUZZ, max_examples=200)
    ex = paper_example()
    wit = a1_witness()
    Kss = solve_filter_dare(wit.A, wit.C, wit.Q, wit.R).K
    Ww = order_weights(wit.A, wit.C, np.repeat(Kss[None], 3, axis=0))[:, 0, 0]
    return decide(
        not res.found,
        predicted="permutation-invariant for d = 1",
        measured={
            "counterexample_found": res.found,
            "examples": res.examples_tried,
            "paper_example_d1": {k: str(v) for k, v in ex.items()},
        },
        counterexample=res.shown,
        evidence="Hypothesis searched scalar stable systems for an order-dependent filter: "
        + (
            f"the minimal one found is {res.shown}: the weights of x_1..x_k in z_(k|k) differ, so "
            "swapping observations changes the estimate."
            if res.found
            else "none found."
        )
        + " A non-degenerate witness: a = 0.5, c = 1, Q = R = 1 with the constant steady-state "
        "gain "
        f"k = {Kss[0, 0]:.4f} weights x_1, x_2, x_3 in z_(3|3) by {np.round(Ww, 4).tolist()} "
        "(= k((1 − kc)a)^(3−t)). The paper's own counterexample (A = 2, C = 1) is scalar too: "
        f"{ex['z22(0,6)']} vs {ex['z22(6,0)']}.",
        rule="fails iff the search finds an order-dependent scalar filter",
        reading="d = m = 1, ρ(A) ≤ 0.95, Q, R > 0, constant or Riccati gains, k = 2..4",
    )
