"""002 Lemmas 2 and 3 (the impossibility side of Theorem 1), symbolically.

Lemma 2: rotating about c1 by λ and then about c2 by λ* (|λ| = 1) is the translation by
(1 − λ*)(c2 − c1), non-zero iff λ ≠ 1 and c1 ≠ c2.
Lemma 3: h ↦ λh + b and h ↦ μh + c commute iff b(1 − μ) = c(1 − λ), i.e. (for λ, μ ≠ 1)
iff they share their fixed point (centre); so one layer whose maps share centres sends the
words (g, h) and (h, g) to the same state, although gh ≠ hg for non-commuting g, h.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp
from hypothesis import strategies as st

from chasm_theory._context import Context
from chasm_theory._fuzz import FuzzSpec, run_fuzz
from chasm_theory._record import Outcome, combine, decide
from chasm_theory._registry import claim
from chasm_theory.oracles.groups import get_group

SOURCE2 = "002 §Method, Key Design 1, Lemma 2"
SOURCE3 = "002 §Method, Key Design 1, Lemma 3"
SECTION = "002: one layer cannot track a non-abelian group (Lemmas 2, 3)"


def rotation_composition() -> dict[str, sp.Expr]:
    """Symbolic composition of f1(h) = λ(h − c1) + c1 then f2(h) = λ*(h − c2) + c2 with
    λ = e^{iθ}. Returns the composite, its residual against h + (1 − λ*)(c2 − c1), and the
    squared modulus of the translation."""
    th = sp.symbols("theta", real=True)
    x1, y1, x2, y2 = sp.symbols("x1 y1 x2 y2", real=True)
    h = sp.symbols("h")
    lam = sp.exp(sp.I * th)
    c1, c2 = x1 + sp.I * y1, x2 + sp.I * y2
    f1 = lam * (h - c1) + c1
    comp = sp.conjugate(lam) * (f1 - c2) + c2
    trans = (1 - sp.conjugate(lam)) * (c2 - c1)
    residual = sp.simplify(sp.expand(comp - h - trans))
    mod2 = sp.simplify(sp.expand(trans * sp.conjugate(trans)).rewrite(sp.cos))
    target = (2 - 2 * sp.cos(th)) * ((x2 - x1) ** 2 + (y2 - y1) ** 2)
    return {
        "composite": sp.simplify(comp),
        "residual": residual,
        "translation": trans,
        "modulus_sq": mod2,
        "modulus_sq_residual": sp.simplify(mod2 - target),
        "slope": sp.simplify(sp.diff(comp, h)),
    }


@claim(
    "dcd.lemma2.rotation-centers",
    source=SOURCE2,
    statement="For |λ| = 1, (h ↦ λ*(h − c2) + c2) ∘ (h ↦ λ(h − c1) + c1) is h ↦ h + (1 − λ*)(c2 − "
    "c1), "
    "a translation that is non-zero iff λ ≠ 1 and c1 ≠ c2 (so its iterates diverge)",
    kind="symbolic",
    paper="Quote (002 Key Design 1): Rotational center consistency (Lemma 2): The composition of a "
    "neutral rotation \\(h \\mapsto \\lambda(h - c_1) + c_1\\) and a conjugate rotation \\(h "
    "\\mapsto \\lambda^*(h - c_2) + c_2\\) (when \\(c_1 \\neq c_2\\)) yields a non-zero "
    "translation — causing the state to diverge.",
    quote="Rotational center consistency (Lemma 2): The composition of a neutral rotation \\(h "
    "\\mapsto \\lambda(h - c_1) + c_1\\) and a conjugate rotation \\(h \\mapsto \\lambda^*(h "
    "- c_2) + c_2\\) (when \\(c_1 \\neq c_2\\)) yields a non-zero translation — causing the "
    "state to diverge.",
    section=SECTION,
)
def check_rotation(ctx: Context) -> Outcome:
    r = rotation_composition()
    ok = r["residual"] == 0 and r["modulus_sq_residual"] == 0 and r["slope"] == 1
    return decide(
        ok,
        predicted="translation by (1 − λ*)(c2 − c1), non-zero iff λ ≠ 1 and c1 ≠ c2",
        measured={
            "composite − h − (1 − λ*)(c2 − c1)": str(r["residual"]),
            "d composite / dh": str(r["slope"]),
            "|translation|²": "(2 − 2 cos θ)·|c2 − c1|²"
            if r["modulus_sq_residual"] == 0
            else str(r["modulus_sq"]),
        },
        evidence="With λ = e^{iθ} (θ real) and c_k = x_k + i y_k, sympy expands the composite to "
        "slope 1 and residual 0 against h + (1 − λ*)(c2 − c1); the translation's squared modulus "
        "simplifies to (2 − 2cos θ)|c2 − c1|², which vanishes iff cos θ = 1 (λ = 1) or c1 = c2. "
        "Applied n times, the pair moves the state by n(1 − λ*)(c2 − c1): unbounded, so a finite-"
        "precision state cannot keep cycling through finitely many values.",
        rule="holds iff the symbolic residuals are exactly 0",
        reading="λ on the unit circle (Lemma 1 has removed contracting/expanding coordinates); "
        "the translation is (1 − λ*)(c2 − c1), the sign/conjugation lost in extraction restored",
    )


# ----------------------------------------------------------------------------- Lemma 3


def affine_commutator() -> dict[str, sp.Expr]:
    """(f∘g − g∘f)(h) for f = λh + b, g = μh + c (complex symbols) and the solution for c
    that makes it vanish."""
    lam, mu, b, c, h = sp.symbols("lambda mu b c h")
    f = lambda z: lam * z + b  # noqa: E731
    g = lambda z: mu * z + c  # noqa: E731
    comm = sp.expand(f(g(h)) - g(f(h)))
    sol = sp.solve(sp.Eq(comm, 0), c)
    centre_f, centre_g = b / (1 - lam), c / (1 - mu)
    return {
        "commutator": comm,
        "c_solution": sol,
        "centre_gap_when_commuting": sp.simplify((centre_g - centre_f).subs(c, sol[0]))
        if sol
        else None,
    }


GaussRat = tuple[Fraction, Fraction]  # exact complex rational (re, im)


def _g_sub(x: GaussRat, y: GaussRat) -> GaussRat:
    return (x[0] - y[0], x[1] - y[1])


def _g_mul(x: GaussRat, y: GaussRat) -> GaussRat:
    return (x[0] * y[0] - x[1] * y[1], x[0] * y[1] + x[1] * y[0])


def _g_div(x: GaussRat, y: GaussRat) -> GaussRat:
    n = y[0] * y[0] + y[1] * y[1]
    return ((x[0] * y[0] + x[1] * y[1]) / n, (x[1] * y[0] - x[0] * y[1]) / n)


ONE: GaussRat = (Fraction(1), Fraction(0))
ZERO: GaussRat = (Fraction(0), Fraction(0))


def _gauss() -> st.SearchStrategy[GaussRat]:
    small = st.builds(Fraction, st.integers(-12, 12), st.sampled_from([1, 2, 4]))
    return st.tuples(small, small)


def _map_pairs() -> st.SearchStrategy[tuple[GaussRat, GaussRat, GaussRat, GaussRat]]:
    """Pairs of affine maps (λ, b), (μ, c) with exact Gaussian-rational coefficients, biased to
    share a centre, to contain translations (λ = 1) and identities."""
    coef = st.one_of(st.just(ONE), _gauss())

    def build(t):
        lam, mu, z, b, c, share = t
        if share:  # same fixed point z: b = z(1 − λ), c = z(1 − μ)
            b, c = _g_mul(z, _g_sub(ONE, lam)), _g_mul(z, _g_sub(ONE, mu))
        return (lam, b, mu, c)

    return st.tuples(coef, coef, _gauss(), _gauss(), _gauss(), st.booleans()).map(build)


def commute_iff_common_centre(maps: tuple[GaussRat, GaussRat, GaussRat, GaussRat]) -> bool:
    """For f = λh + b, g = μh + c (exact): commute ⇔ [both non-translations with equal
    centres b/(1 − λ) = c/(1 − μ)] or [both translations] or [one is the identity]."""
    lam, b, mu, c = maps
    comm = _g_sub(_g_mul(b, _g_sub(ONE, mu)), _g_mul(c, _g_sub(ONE, lam)))
    commute = comm == ZERO
    f_tr, g_tr = lam == ONE, mu == ONE
    if (f_tr and b == ZERO) or (g_tr and c == ZERO) or (f_tr and g_tr):
        predicted = True
    elif f_tr or g_tr:
        predicted = False
    else:
        predicted = _g_div(b, _g_sub(ONE, lam)) == _g_div(c, _g_sub(ONE, mu))
    return commute == predicted


def _show_maps(m: tuple) -> dict[str, str]:
    return {k: f"{v[0]} + {v[1]}i" for k, v in zip(("lambda", "b", "mu", "c"), m)}


COMMON_CENTRE_FUZZ = FuzzSpec(
    strategy=_map_pairs,
    holds=commute_iff_common_centre,
    show=_show_maps,
    description="affine maps λh + b, μh + c with Gaussian-rational coefficients: commute iff "
    "common centre (non-translations), translations commute with translations only",
)


def s3_shared_centre_collisions(group: str = "S3") -> dict[str, object]:
    """Exhaustive over ordered pairs (g, h) with gh ≠ hg (sympy products): with per-element
    symbolic λ_x and one shared centre c, the states after (g, h) and (h, g) from a symbolic
    h0 are identical; with distinct centres c_x they differ. Also the sympy-checked fact
    gh ≠ hg for each such pair."""
    G = get_group(group)
    els = G.elements
    lam = sp.symbols(f"l0:{len(els)}")
    cs = sp.symbols(f"c0:{len(els)}")
    c, h0 = sp.symbols("c h0")

    def run(word, centres):
        h = h0
        for x in word:
            h = lam[x] * (h - centres[x]) + centres[x]
        return h

    shared = [c] * len(els)
    pairs, equal_shared, differ_distinct = 0, 0, 0
    for i, g in enumerate(els):
        for j, k in enumerate(els):
            if g * k == k * g:
                continue
            pairs += 1
            if sp.expand(run([i, j], shared) - run([j, i], shared)) == 0:
                equal_shared += 1
            if sp.expand(run([i, j], cs) - run([j, i], cs)) != 0:
                differ_distinct += 1
    return {
        "group": group,
        "noncommuting_ordered_pairs": pairs,
        "same_state_with_shared_centre": equal_shared,
        "different_state_with_distinct_centres": differ_distinct,
    }


@claim(
    "dcd.lemma3.common-center",
    source=SOURCE3,
    statement="Diagonal affine maps h ↦ λh + b (λ ≠ 1) commute iff they share their centre "
    "b/(1 − λ) (per coordinate); hence a single layer whose maps share centres gives (g, h) and "
    "(h, g) the same state, and cannot track S3 (gh ≠ hg)",
    kind="symbolic",
    paper="Quote (002 Key Design 1): Convergence requirement (Lemma 3): For finite group tracking, "
    "all state coordinates must share the same center of rotation. Combined with the "
    "commutativity of diagonal matrices, the state updates are necessarily commutative, "
    "implying the group must be abelian.",
    quote="Convergence requirement (Lemma 3): For finite group tracking, all state coordinates "
    "must share the same center of rotation. Combined with the commutativity of diagonal "
    "matrices, the state updates are necessarily commutative, implying the group must be "
    "abelian.",
    section=SECTION,
    fuzz=COMMON_CENTRE_FUZZ,
)
def check_common_centre(ctx: Context) -> Outcome:
    r = affine_commutator()
    lam, mu, b = sp.symbols("lambda mu b")
    sym_ok = (
        sp.simplify(r["commutator"] - (b * (1 - mu) - sp.Symbol("c") * (1 - lam))) == 0
        and r["centre_gap_when_commuting"] == 0
    )
    symbolic = decide(
        sym_ok,
        predicted="f∘g − g∘f = b(1 − μ) − c(1 − λ); zero ⇔ equal centres",
        measured={
            "commutator": str(r["commutator"]),
            "centre gap when commuting": str(r["centre_gap_when_commuting"]),
        },
        evidence="sympy",
        rule="exact",
    )
    fz = run_fuzz(COMMON_CENTRE_FUZZ, max_examples=500 if ctx.profile == "quick" else 5000)
    fuzz = decide(
        not fz.found,
        predicted="no counterexample",
        measured={"examples": fz.examples_tried},
        counterexample=fz.shown,
        evidence="hypothesis",
        rule="fails iff a counterexample",
    )
    ex = s3_shared_centre_collisions("S3")
    exhaustive = decide(
        ex["same_state_with_shared_centre"] == ex["noncommuting_ordered_pairs"] > 0,
        predicted="every non-commuting pair collides",
        measured=ex,
        evidence="sympy",
        rule="all pairs",
    )
    return combine(
        {"symbolic": symbolic, "fuzz": fuzz, "s3_exhaustive": exhaustive},
        predicted="commute ⇔ common centre; shared centres ⇒ gh and hg indistinguishable",
        evidence=f"Symbolically, (λh + b)∘(μh + c) − (μh + c)∘(λh + b) = {r['commutator']}, which "
        "vanishes iff c = b(1 − μ)/(1 − λ), i.e. iff the centres b/(1 − λ) and c/(1 − μ) coincide "
        f"(centre gap {r['centre_gap_when_commuting']} on the solution). Hypothesis checked "
        f"{fz.examples_tried} pairs of Gaussian-rational maps (biased to shared centres and "
        "translations) against 'commute ⇔ common centre, or both translations, or one identity'"
        + (f" and found {fz.shown}." if fz.found else " without a counterexample.")
        + f" Exhaustively over the {ex['noncommuting_ordered_pairs']} ordered pairs (g, h) of S3 "
        "with gh ≠ hg (sympy permutation products), a layer with symbolic per-element λ_x and one "
        f"shared centre reaches the same state after (g, h) and (h, g) in "
        f"{ex['same_state_with_shared_centre']} cases, so no decoder can output both gh and hg; "
        "with distinct centres the states differ in "
        f"{ex['different_state_with_distinct_centres']}.",
        reading="centres defined for λ ≠ 1; translations (λ = 1, b ≠ 0) have no centre — they "
        "commute with each other only and are the 'drifting' coordinates Lemma 1 removes",
    )
