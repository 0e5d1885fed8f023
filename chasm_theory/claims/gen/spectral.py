"""003 (abstract only): the spectral abscissa α(A) = max Re λ(A) of the continuous-time state
matrix governs the discretised recurrence h_{t+1} = exp(ΔA) h_t: ρ(exp(ΔA)) = exp(Δ·α(A)),
so the recurrence is asymptotically stable iff α(A) < 0.

The identity is checked in 60-digit arithmetic on integer matrices (exact eigenvalues from
sympy's root isolation, so defective matrices are handled), and separately in float64 with
scipy, where defective or non-normal A lose accuracy (eigenvalue error ~ ε^{1/k} for a
Jordan block of size k).
"""

from __future__ import annotations

from typing import Any

import mpmath as mp
import numpy as np
import scipy.linalg as sla
import sympy as sp
from hypothesis import strategies as st

from chasm_theory._context import Context
from chasm_theory._fuzz import FuzzSpec, run_fuzz
from chasm_theory._record import Outcome, decide
from chasm_theory._registry import claim

SOURCE = "003 abstract (spectral abscissa of the continuous-time state matrix)"
SECTION = "003: spectral abscissa, stability and length generalisation"
DPS = 60


def exact_abscissa(A: np.ndarray) -> mp.mpf:
    """α(A) for an integer matrix: the exact characteristic polynomial is split into square-free
    factors (sympy, exact), whose simple roots mpmath finds to DPS digits — so repeated
    eigenvalues of defective A lose no accuracy."""
    s = sp.Symbol("s")
    poly = sp.Poly(sp.Matrix(A.astype(int).tolist()).charpoly(s).as_expr(), s)
    _, factors = sp.sqf_list(poly)
    best = None
    with mp.workdps(DPS):
        for f, _mult in factors:
            coeffs = [int(c) for c in sp.Poly(f, s).all_coeffs()]
            if len(coeffs) == 1:
                continue
            roots = (
                mp.polyroots(coeffs, maxsteps=200, extraprec=2 * DPS)
                if len(coeffs) > 2
                else [mp.mpf(-coeffs[1]) / coeffs[0]]
            )
            m = max(mp.re(r) for r in roots)
            best = m if best is None or m > best else best
        return best


def mp_rho_expm(A: np.ndarray, delta: mp.mpf) -> mp.mpf:
    """ρ(exp(ΔA)) in DPS-digit arithmetic (mpmath expm + eig)."""
    with mp.workdps(DPS):
        M = mp.expm(mp.matrix(A.tolist()) * delta)
        ev = mp.eig(M, left=False, right=False)
        if isinstance(ev, tuple):  # mpmath returns (E, ER, EL) for 1×1 matrices
            ev = ev[0]
        return max(abs(e) for e in ev)


def _integer_systems() -> st.SearchStrategy[tuple[np.ndarray, int]]:
    def mat(n):
        return st.lists(st.integers(-3, 3), min_size=n * n, max_size=n * n).map(
            lambda v: np.array(v, dtype=np.int64).reshape(n, n)
        )

    return st.tuples(st.integers(1, 4).flatmap(mat), st.integers(1, 16))


def identity_holds(sys_: tuple[np.ndarray, int]) -> bool:
    """|ρ(exp(ΔA)) − exp(Δα(A))| ≤ 1e-10·exp(Δα(A)) at 60 digits, Δ = k/8."""
    A, k = sys_
    with mp.workdps(DPS):
        delta = mp.mpf(k) / 8
        pred = mp.exp(delta * exact_abscissa(A))
        got = mp_rho_expm(A, delta)
        return bool(abs(got - pred) <= mp.mpf("1e-10") * pred)


def _show_sys(sys_: tuple[np.ndarray, int]) -> dict[str, Any]:
    A, k = sys_
    with mp.workdps(DPS):
        d = mp.mpf(k) / 8
        return {
            "A": A.tolist(),
            "Delta": f"{k}/8",
            "alpha": str(mp.nstr(exact_abscissa(A), 20)),
            "rho_expm": str(mp.nstr(mp_rho_expm(A, d), 20)),
            "exp_delta_alpha": str(mp.nstr(mp.exp(d * exact_abscissa(A)), 20)),
        }


SPECTRAL_FUZZ = FuzzSpec(
    strategy=_integer_systems,
    holds=identity_holds,
    show=_show_sys,
    description="integer A (n = 1..4, entries −3..3, defective ones included), Δ = 1/8..2",
)


def stable_iff_negative(sys_: tuple[np.ndarray, int]) -> bool:
    """‖exp(ΔA)^(2^40)‖ < 1e-6 iff α(A) < 0 (60 digits; 40 squarings)."""
    A, k = sys_
    with mp.workdps(DPS):
        M = mp.expm(mp.matrix(A.tolist()) * (mp.mpf(k) / 8))
        for _ in range(40):
            M = M * M
        nrm = mp.mnorm(M, 1)
        alpha = exact_abscissa(A)
        return bool((nrm < mp.mpf("1e-6")) == (alpha < 0))


STABILITY_FUZZ = FuzzSpec(
    strategy=_integer_systems,
    holds=stable_iff_negative,
    show=_show_sys,
    description="stability of exp(ΔA)^n (n = 2^40) iff α(A) < 0",
)


def float64_errors(rng: np.random.Generator, n_random: int = 300) -> dict[str, Any]:
    """Relative error of scipy's ρ(expm(ΔA)) vs exp(Δ·α) with α from numpy eigvals, for
    Gaussian A (n = 2..8) and for A = V J V^{-1} with a Jordan block J of size k = 2..5."""

    def rel(A: np.ndarray, d: float) -> float:
        pred = np.exp(d * np.linalg.eigvals(A).real.max())
        got = np.abs(np.linalg.eigvals(sla.expm(d * A))).max()
        return float(abs(got - pred) / pred)

    gauss = []
    for _ in range(n_random):
        n = int(rng.integers(2, 9))
        gauss.append(rel(rng.standard_normal((n, n)), float(rng.uniform(0.05, 2))))
    jordan = {}
    for k in range(2, 6):
        errs = []
        for _ in range(20):
            J = np.diag(np.full(k, -0.5)) + np.diag(np.ones(k - 1), 1)
            V = rng.standard_normal((k, k))
            errs.append(rel(V @ J @ np.linalg.inv(V), 1.0))
        jordan[k] = float(np.max(errs))
    return {
        "gaussian_max_rel_err": float(np.max(gauss)),
        "gaussian_median_rel_err": float(np.median(gauss)),
        "jordan_max_rel_err_by_size": jordan,
    }


@claim(
    "gen.spectral-abscissa",
    source=SOURCE,
    statement="ρ(exp(ΔA)) = exp(Δ·α(A)) for every real A and Δ > 0 (α = spectral abscissa)",
    kind="property",
    paper="Quote (003 abstract): Using this result, we analyze how the spectral abscissa of the "
    "continuous-time state matrix influences the model’s stability during training and its "
    "ability to generalize across sequence lengths. — formulas lost in the text extraction, "
    "as we read them (paraphrase): stability of the discretised recurrence is governed by "
    "the spectral abscissa of the continuous-time state matrix",
    quote="Using this result, we analyze how the spectral abscissa of the continuous-time state "
    "matrix influences the model’s stability during training and its ability to generalize "
    "across sequence lengths.",
    section=SECTION,
    fuzz=SPECTRAL_FUZZ,
)
def check_identity(ctx: Context) -> Outcome:
    fz = run_fuzz(SPECTRAL_FUZZ, max_examples=80 if ctx.profile == "quick" else 1000)
    defective = (np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]]), 8)
    pinned = identity_holds(defective) and identity_holds((np.array([[-1, 5], [0, -1]]), 3))
    f64 = float64_errors(ctx.rng("f64"))
    return decide(
        not fz.found and pinned,
        predicted="ρ(exp(ΔA)) = exp(Δα(A))",
        measured={"examples": fz.examples_tried, "pinned_defective_cases": pinned, "float64": f64},
        counterexample=fz.shown,
        tolerance={"rtol": 1e-10, "digits": DPS},
        evidence=f"Hypothesis drew {fz.examples_tried} integer matrices (n ≤ 4, entries −3..3, "
        "including defective and nilpotent ones) and Δ = k/8 ∈ (0, 2]; α(A) came from the exact "
        "square-free "
        "factorisation of det(sI − A) (sympy) and mpmath roots, ρ(exp(ΔA)) from mpmath expm + eig "
        "at 60 digits; "
        + (
            "no case exceeded relative error 1e-10"
            if not fz.found
            else f"counterexample {fz.shown}"
        )
        + f"; the 3×3 nilpotent Jordan block and a non-normal 2×2 block are pinned (ok: {pinned}). "
        "The identity is exact (eigenvalues of exp(ΔA) are exp(Δλ_i), |exp(Δλ)| = exp(Δ Re λ)). "
        f"In float64 with scipy the same comparison has max relative error "
        f"{f64['gaussian_max_rel_err']:.2g} on Gaussian A, but "
        f"{ {k: float(f'{v:.2g}') for k, v in f64['jordan_max_rel_err_by_size'].items()} } for "
        "hidden Jordan blocks of size 2..5 — the numerics, not the identity, degrade (≈ ε^{1/k}).",
        rule="holds iff no 60-digit counterexample at rtol 1e-10 and the pinned defective cases "
        "pass",
        reading="α(A) = max Re λ(A); ρ = spectral radius; identity checked in high precision",
        details={"float64": f64},
    )


@claim(
    "gen.spectral-abscissa.stability",
    source=SOURCE,
    statement="The discretised recurrence h ← exp(ΔA) h is asymptotically stable (exp(ΔA)^n → 0) "
    "iff α(A) < 0",
    kind="property",
    paper="Quote (003 abstract): Using this result, we analyze how the spectral abscissa of the "
    "continuous-time state matrix influences the model’s stability during training and its "
    "ability to generalize across sequence lengths. — formulas lost in the text extraction, "
    "as we read them (paraphrase): stability of the discretised recurrence is governed by "
    "the spectral abscissa",
    quote="Using this result, we analyze how the spectral abscissa of the continuous-time state "
    "matrix influences the model’s stability during training and its ability to generalize "
    "across sequence lengths.",
    section=SECTION,
    fuzz=STABILITY_FUZZ,
)
def check_stability(ctx: Context) -> Outcome:
    fz = run_fuzz(STABILITY_FUZZ, max_examples=60 if ctx.profile == "quick" else 600)
    # boundary: α = 0 defective (grows) and α = 0 rotation (bounded, not → 0)
    edge = {
        "nilpotent Jordan (α=0)": stable_iff_negative((np.array([[0, 1], [0, 0]]), 8)),
        "rotation (α=0)": stable_iff_negative((np.array([[0, -1], [1, 0]]), 8)),
        "non-normal stable (α=−1)": stable_iff_negative((np.array([[-1, 3], [0, -1]]), 1)),
    }
    return decide(
        not fz.found and all(edge.values()),
        predicted="stable ⇔ α(A) < 0",
        measured={"examples": fz.examples_tried, "edge_cases_ok": edge},
        counterexample=fz.shown if fz.found else edge,
        evidence=f"For {fz.examples_tried} hypothesis-drawn integer matrices and Δ = k/8, "
        "exp(ΔA)^(2^40) (40 squarings at 60 digits) has 1-norm < 1e-6 exactly when the exactly "
        "computed α(A) < 0"
        + (f"; counterexample {fz.shown}" if fz.found else "")
        + f". Edge cases (α = 0 defective: linear growth; α = 0 rotation: bounded; α = −1 with "
        f"transient growth): {edge}.",
        rule="holds iff no counterexample and the edge cases agree",
        reading="asymptotic stability (powers → 0); α = 0 is marginal (bounded or polynomial "
        "growth), not stable",
    )
