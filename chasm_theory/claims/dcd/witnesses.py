"""002 constructive witnesses, run exactly on long random words: one-layer character
construction for every abelian group (Theorem 1), the paper's two-layer S3 construction, a
two-layer A4 = V4 ⋊ C3 construction, and the Negative-Mamba (eigenvalues ±1) constructions;
float32 vs float64 drift of |h| and of the phase.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chasm_theory._context import Context
from chasm_theory._record import Outcome, combine, decide
from chasm_theory._registry import claim
from chasm_theory.oracles.diagonal_ssm import Cascade, track
from chasm_theory.oracles.group_witnesses import (
    abelian_witness,
    derived_series_cascade,
    is_real_unit,
    one_real_layer_kernel,
    real_series,
    s3_paper_witness,
    series_cascade,
)
from chasm_theory.oracles.groups import FiniteGroup, get_group

SOURCE = "002 §Method (Theorems 1, 2; constructive proof); §Key Design 3 (model table)"
SECTION = "002: constructive witnesses (exact tracking, float32 vs float64)"
ABELIAN = ("C2", "C6", "C24", "C60", "C2xC4")


def budget(profile: str) -> dict[str, int]:
    """Words × length for the float64 exactness run, the float32 run and the long float32 run."""
    if profile == "quick":
        return {"B64": 1000, "T": 100_000, "B32": 100, "B_long": 2, "T_long": 5_000_000}
    return {"B64": 1000, "T": 100_000, "B32": 1000, "B_long": 4, "T_long": 50_000_000}


def verify_witness(
    G: FiniteGroup, cas: Cascade, rng: np.random.Generator, b: dict[str, int]
) -> dict[str, Any]:
    """Run ``cas`` on uniform random words over G in complex128 and complex64 and compare with
    the Cayley-table (sympy) prefix products at every step."""
    w = rng.integers(0, G.order, (b["B64"], b["T"]))
    r64 = track(cas, G.mult, w, dtype=np.complex128)
    r32 = track(cas, G.mult, w[: b["B32"]], dtype=np.complex64)
    wl = rng.integers(0, G.order, (b["B_long"], b["T_long"]))
    rl = track(cas, G.mult, wl, dtype=np.complex64)
    min_gap = min(np.pi / int(o) for l in cas.layers for o in l.orders)
    return {
        "layers": cas.depth,
        "state_dims": [l.d for l in cas.layers],
        "decoder_orders": [l.orders.tolist() for l in cas.layers],
        "real_eigenvalues_pm1": is_real_unit(cas),
        "words": b["B64"],
        "length": b["T"],
        "wrong_steps_f64": r64.total_errors,
        "wrong_steps_f32": r32.total_errors,
        "words_f32": b["B32"],
        "f32_long": {
            "words": b["B_long"],
            "length": b["T_long"],
            "wrong_steps": rl.total_errors,
            "first_wrong_step": rl.earliest_error,
        },
        "decode_phase_margin": min_gap,
        "drift": {
            "t": r64.checkpoints.tolist(),
            "radial_f64": r64.radial.tolist(),
            "phase_f64": r64.phase.tolist(),
            "radial_f32": r32.radial.tolist(),
            "phase_f32": r32.phase.tolist(),
            "t_long": rl.checkpoints.tolist(),
            "phase_f32_long": rl.phase.tolist(),
            "radial_f32_long": rl.radial.tolist(),
        },
    }


def _drift_figure(ctx: Context, results: dict[str, dict], name: str, title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for i, (g, r) in enumerate(results.items()):
        d = r["drift"]
        col = f"C{i}"
        for ax, key in zip(axes, ("phase", "radial")):
            ax.loglog(
                d["t_long"],
                np.maximum(d[f"{key}_f32_long"], 1e-18),
                color=col,
                label=f"{g} float32",
            )
            ax.loglog(
                d["t"], np.maximum(d[f"{key}_f64"], 1e-18), color=col, ls="--", label=f"{g} float64"
            )
        axes[0].axhline(r["decode_phase_margin"], color=col, lw=0.6, ls=":")
    axes[0].set(
        xlabel="step t",
        ylabel="max phase error (rad) up to t",
        title="phase error (dotted: π/m, decoding fails above)",
    )
    axes[1].set(xlabel="step t", ylabel="max ||h|² − 1| up to t", title="radial drift")
    axes[0].legend(fontsize=7, ncol=2)
    fig.suptitle(title)
    return ctx.savefig(fig, name)


def _summary(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "layers": r["layers"],
        "wrong_steps_f64": r["wrong_steps_f64"],
        "wrong_steps_f32": r["wrong_steps_f32"],
        "f32_first_wrong_step": r["f32_long"]["first_wrong_step"],
        "max_phase_err_f32": r["drift"]["phase_f32_long"][-1],
        "max_phase_err_f64": r["drift"]["phase_f64"][-1],
    }


@claim(
    "dcd.thm1.abelian-construction",
    source=SOURCE,
    statement="One complex-diagonal layer (characters of G: a(x)_j = χ_j(x), b = 0, h0 = 1, "
    "phase decoder) tracks every finite abelian group exactly: C2, C6, C24, C60, C2×C4",
    kind="numeric",
    paper="Quote (002 Key Design 1, Theorem 1): Core Theorem (Theorem 1): A single-layer DCD SSM "
    "with finite precision can track group \\(G\\) if and only if \\(G\\) is abelian.",
    quote="Core Theorem (Theorem 1): A single-layer DCD SSM with finite precision can track group "
    "\\(G\\) if and only if \\(G\\) is abelian.",
    section=SECTION,
)
def check_abelian(ctx: Context) -> Outcome:
    b = budget(ctx.profile)
    res = {
        g: verify_witness(get_group(g), abelian_witness(get_group(g)), ctx.rng(g), b)
        for g in ABELIAN
    }
    fig = _drift_figure(ctx, res, "dcd_abelian_drift", "one-layer character witnesses: drift vs t")
    parts = {
        g: decide(
            r["wrong_steps_f64"] == 0 and r["layers"] == 1,
            predicted=0,
            measured=r["wrong_steps_f64"],
            evidence="",
            rule="0 wrong steps in float64",
        )
        for g, r in res.items()
    }
    f32 = {g: r["f32_long"]["first_wrong_step"] for g, r in res.items()}
    end_phase = {g: float(f"{r['drift']['phase_f32_long'][-1]:.2g}") for g, r in res.items()}
    return combine(
        parts,
        predicted="exact tracking by one layer for every abelian group",
        evidence=f"For each group a one-layer witness was built from a cyclic decomposition "
        f"found by search (C_n: one coordinate of order n; C2×C4: orders 4 and 2), and run on "
        f"{b['B64']} uniform random words of length {b['T']} in complex128: the decoded element "
        f"was compared with the prefix product from sympy's Cayley table at every step — wrong "
        f"steps: {[r['wrong_steps_f64'] for r in res.values()]}. In complex64 ({b['B32']} words) "
        f"wrong steps: {[r['wrong_steps_f32'] for r in res.values()]}; on {b['B_long']} words of "
        f"length {b['T_long']:,} the first float32 decoding failure is {f32} (None: none); the "
        f"float32 phase error at the end is {end_phase} rad "
        "against the decoding margins π/m.",
        reading="finite abelian groups as products of cyclic groups; decoder = nearest root of "
        "unity per coordinate",
        figures=[fig],
        details={g: _summary(r) for g, r in res.items()} | {"full": res},
    )


@claim(
    "dcd.s3.two-layer",
    source=SOURCE,
    statement="The paper's two-layer S3 construction (layer 1 parity, angles 0/π; layer 2 angle "
    "±(2π/3)β with the sign from layer 1) tracks S3 exactly",
    kind="numeric",
    paper="Quote (002 Key Design 2): - First-layer AUSSM: \\(\\Lambda((0,\\beta)) = 0\\), "
    "\\(\\Lambda((1,\\beta)) = \\pi\\) - Second-layer AUSSM: "
    "\\(\\Lambda^{(2)}((1,\\alpha,\\beta)) = \\frac{2\\pi}{3}\\beta\\), "
    "\\(\\Lambda^{(2)}((-1,\\alpha,\\beta)) = -\\frac{2\\pi}{3}\\beta\\)",
    quote="- First-layer AUSSM: \\(\\Lambda((0,\\beta)) = 0\\), \\(\\Lambda((1,\\beta)) = \\pi\\) "
    "- Second-layer AUSSM: \\(\\Lambda^{(2)}((1,\\alpha,\\beta)) = "
    "\\frac{2\\pi}{3}\\beta\\), \\(\\Lambda^{(2)}((-1,\\alpha,\\beta)) = "
    "-\\frac{2\\pi}{3}\\beta\\)",
    section=SECTION,
)
def check_s3(ctx: Context) -> Outcome:
    b = budget(ctx.profile)
    G = get_group("S3")
    main = verify_witness(G, s3_paper_witness("sigma-rho", "inclusive"), ctx.rng("main"), b)
    readings = {}
    rng = ctx.rng("readings")
    for enc in ("sigma-rho", "rho-sigma"):
        for sign in ("inclusive", "exclusive"):
            r = track(s3_paper_witness(enc, sign), G.mult, rng.integers(0, 6, (200, 2000)))
            readings[
                f"x = {'σ^α ρ^β' if enc == 'sigma-rho' else 'ρ^β σ^α'}, sign from "
                f"{'S_t' if sign == 'inclusive' else 'S_(t-1)'}"
            ] = r.total_errors
    fig = _drift_figure(
        ctx, {"S3 (paper)": main}, "dcd_s3_drift", "paper's two-layer S3 witness: drift vs t"
    )
    consistent = [k for k, v in readings.items() if v == 0]
    return decide(
        main["wrong_steps_f64"] == 0 and len(consistent) == 2,
        predicted="exact tracking",
        measured={
            "wrong_steps_f64": main["wrong_steps_f64"],
            "wrong_steps_f32": main["wrong_steps_f32"],
            "f32_first_wrong_step": main["f32_long"]["first_wrong_step"],
            "readings_wrong_steps": readings,
        },
        evidence="Reading x = (α, β) as the element σ^α ρ^β of S3 = C3 ⋊ C2 (σ = (1 2), ρ = (0 1 "
        "2)), "
        "the prefix product is ρ^R σ^S with S_t = S_{t−1} + α_t and R_t = R_{t−1} + (−1)^{S_t} β_t "
        "(from σ^k ρ^β = ρ^{(−1)^k β} σ^k). Layer 1 rotates by π·α (tracks S), layer 2 reads "
        "(ε, α, β) with ε = (−1)^{S_t} and rotates by ε(2π/3)β (tracks R); the decoder outputs "
        f"ρ^R σ^S. Over {b['B64']} words of length {b['T']} in complex128 it made "
        f"{main['wrong_steps_f64']} wrong steps against sympy's products; complex64: "
        f"{main['wrong_steps_f32']} ({b['B32']} words), first float32 failure on {b['B_long']} "
        f"words of length {b['T_long']:,}: {main['f32_long']['first_wrong_step']}. The four "
        "readings "
        f"of the extracted formula give wrong-step counts {readings}: exactly the two consistent "
        "pairings (σ^α ρ^β with the current parity, ρ^β σ^α with the previous one) track.",
        reading="(1, α, β): first entry = layer-1 output ±1 (parity of the prefix including x_t), "
        "(α, β) = the input x_t = σ^α ρ^β",
        figures=[fig],
        rule="holds iff the main reading makes 0 errors and exactly the two algebraically "
        "consistent readings do",
        details={"main": main, "readings": readings},
    )


@claim(
    "dcd.a4.two-layer",
    source=SOURCE,
    statement="A4 = V4 ⋊ C3 is tracked by two DCD layers: layer 1 tracks the C3 quotient (cube "
    "roots of unity), layer 2 tracks V4 with inputs w_t = τ(c_{t−1}) x_t τ(c_t)^{−1} — the "
    "conjugation twist goes into the input map, so layer 2 stays diagonal (eigenvalues ±1)",
    kind="numeric",
    paper="Quote (002 Key Findings): Non-abelian groups: Two-layer AUSSM can theoretically track "
    "\\(S_3\\) and \\(A_4\\), but standard training never succeeds in practice — expressive "
    "capacity does not imply learnability.",
    quote="Non-abelian groups: Two-layer AUSSM can theoretically track \\(S_3\\) and \\(A_4\\), "
    "but standard training never succeeds in practice — expressive capacity does not imply "
    "learnability.",
    section=SECTION,
)
def check_a4(ctx: Context) -> Outcome:
    b = budget(ctx.profile)
    G = get_group("A4")
    cas = derived_series_cascade(G)
    r = verify_witness(G, cas, ctx.rng("a4"), b)
    l2_real = bool(np.all(cas.layers[1].a.imag == 0) and np.all(np.abs(cas.layers[1].a.real) == 1))
    fig = _drift_figure(ctx, {"A4": r}, "dcd_a4_drift", "two-layer A4 witness: drift vs t")
    return decide(
        r["wrong_steps_f64"] == 0 and r["layers"] == 2,
        predicted="exact tracking with 2 layers",
        measured={
            **_summary(r),
            "layer2_eigenvalues_real_pm1": l2_real,
            "decoder_orders": r["decoder_orders"],
        },
        evidence="Write P_t = n_t τ(c_t) with c_t the coset of P_t mod V4 (tracked by layer 1, "
        "one coordinate rotating by 2πk/3) and τ a fixed transversal. Then n_t = n_{t−1} w_t with "
        "w_t = τ(c_{t−1}) x_t τ(c_t)^{−1} ∈ V4 — the conjugation action of C3 on V4 (which "
        "permutes "
        "V4's non-trivial characters) only changes *which* element w_t enters, and w_t is a "
        "function of (x_t, layer-1 output). Layer 2 therefore tracks the abelian V4 with two ±1 "
        f"coordinates (real eigenvalues: {l2_real}). Over {b['B64']} words of length {b['T']} "
        f"(complex128) wrong steps: {r['wrong_steps_f64']}; complex64: {r['wrong_steps_f32']}; "
        f"first float32 failure on {b['B_long']} words of length {b['T_long']:,}: "
        f"{r['f32_long']['first_wrong_step']}.",
        reading="layer 2 reads (x_t, layer-1 decoded output at t), as in the paper's S3 "
        "construction",
        figures=[fig],
        details={"full": r},
    )


def minus_one_threshold(dtype: type) -> float:
    """Smallest u > 0 (by bisection on the float grid) with fl(2·exp(−u) − 1) == −1 in
    ``dtype``: Negative Mamba's eigenvalue 2exp(ΔΛ) − 1 (ΔΛ = −u) rounds to exactly −1."""
    lo, hi = 0.0, 200.0
    f = lambda u: dtype(2) * np.exp(dtype(-u)) - dtype(1) == dtype(-1)  # noqa: E731
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if f(mid):
            hi = mid
        else:
            lo = mid
    return hi


@claim(
    "dcd.models.neg-mamba",
    source=SOURCE,
    statement="With real eigenvalues in (−1, 1] (Negative Mamba; −1 reached in finite precision) "
    "one layer tracks C2 and two layers track C2×C4, exactly",
    kind="numeric",
    paper="Quote (002 Key Design 3 (model table)): | Negative Mamba | \\(2\\exp(\\Delta(x) \\odot "
    "\\Lambda) - I\\) | \\((-1, 1]\\) | \\(C_2\\) only (single layer) |",
    quote="| Negative Mamba | \\(2\\exp(\\Delta(x) \\odot \\Lambda) - I\\) | \\((-1, 1]\\) | "
    "\\(C_2\\) only (single layer) |",
    section=SECTION,
)
def check_neg_mamba(ctx: Context) -> Outcome:
    b = budget(ctx.profile)
    c2, g8 = get_group("C2"), get_group("C2xC4")
    w_c2 = series_cascade(c2, real_series(c2))
    w_g8 = series_cascade(g8, real_series(g8))
    r_c2 = verify_witness(c2, w_c2, ctx.rng("c2"), b)
    r_g8 = verify_witness(g8, w_g8, ctx.rng("c2xc4"), b)
    u32, u64 = minus_one_threshold(np.float32), minus_one_threshold(np.float64)
    ok = (
        r_c2["wrong_steps_f64"] == 0
        and r_c2["wrong_steps_f32"] == 0
        and r_c2["layers"] == 1
        and r_g8["wrong_steps_f64"] == 0
        and r_g8["wrong_steps_f32"] == 0
        and r_g8["layers"] == 2
        and is_real_unit(w_c2)
        and is_real_unit(w_g8)
    )
    return decide(
        ok,
        predicted="C2: 1 layer; C2×C4: 2 layers",
        measured={"C2": _summary(r_c2), "C2xC4": _summary(r_g8), "u_f32": u32, "u_f64": u64},
        evidence="All eigenvalues of both witnesses are exactly ±1. C2: one coordinate, a = −1 on "
        "the generator. C2×C4: layer 1 tracks the quotient by the squares {(0,0), (0,2)} ≅ C2 "
        "(two ±1 coordinates: the C2 part and the low bit of the C4 part), layer 2 the carry into "
        "the high bit, a function of (x_t, layer-1 output) (series G ⊳ G² ⊳ 1 with elementary "
        f"abelian factors). Over {b['B64']} words of length {b['T']}: wrong steps C2 "
        f"{r_c2['wrong_steps_f64']} / {r_c2['wrong_steps_f32']} (float64 / float32), C2×C4 "
        f"{r_g8['wrong_steps_f64']} / {r_g8['wrong_steps_f32']}; ±1 is exact in every format, so "
        "float32 has no drift at all. −1 itself is not in (−1, 1], but 2exp(ΔΛ) − 1 rounds to "
        f"exactly −1 once ΔΛ ≤ −{u32:.4g} in float32 (−{u64:.4g} in float64).",
        reading="(−1, 1] read as its finite-precision closure: eigenvalue −1 reached by rounding",
        rule="holds iff both witnesses make 0 errors in float64 and float32 with ±1 eigenvalues "
        "only",
        details={"C2": r_c2, "C2xC4": r_g8},
    )


@claim(
    "dcd.models.neg-mamba.one-real-layer",
    source=SOURCE,
    statement="One real-diagonal layer (eigenvalues in (−1, 1], finite precision) cannot track C4 "
    "or C2×C4 but can track C2: its useful coordinates are ±1 reflections about a common centre, "
    "i.e. homomorphisms G → {±1}, whose common kernel must be trivial",
    kind="symbolic",
    paper="Quote (002 ablation table): | \\(C_2 \\times C_4\\) | Neg Mamba | ✘ | 360 | Two layers "
    "capable |",
    quote="| \\(C_2 \\times C_4\\) | Neg Mamba | ✘ | 360 | Two layers capable |",
    section=SECTION,
)
def check_one_real_layer(ctx: Context) -> Outcome:
    res = {}
    for name in ("C2", "C4", "C6", "C2xC4"):
        G = get_group(name)
        K = one_real_layer_kernel(G)
        res[name] = {
            "common_kernel_size": len(K),
            "trackable_by_one_real_layer": len(K) == 1,
            "kernel": [str(G.elements[k].cyclic_form) for k in sorted(K)],
        }
    expected = {"C2": True, "C4": False, "C6": False, "C2xC4": False}
    ok = all(res[g]["trackable_by_one_real_layer"] == v for g, v in expected.items())
    return decide(
        ok,
        predicted=expected,
        measured={g: r["common_kernel_size"] for g, r in res.items()},
        counterexample=res if not ok else None,
        evidence="After Lemma 1 a finite-precision real coordinate that is neither contracting, "
        "expanding nor drifting has a(x) ∈ {±1} with all reflections about one centre (Lemmas "
        "2–3), "
        "so the layer's state is a function of (χ_j(P_t))_j for homomorphisms χ_j: G → {±1}. "
        "Enumerating every ±1 assignment on sympy's generators and keeping the consistent ones, "
        f"the common kernel has size {[res[g]['common_kernel_size'] for g in res]} for "
        f"{list(res)}: trivial only for C2. For C4 and C2×C4 the element of order 2 in the C4 "
        "factor (the square of the generator) lies in every such kernel, so one real layer "
        "cannot tell it from the identity; two layers can (dcd.models.neg-mamba). Without the "
        "finite-precision premise the statement is false: the counter a = 1, b = 1 tracks C4 via "
        "h mod 4 (see dcd.models.mamba-parity.exact-margin).",
        reading="finite precision, after Lemma 1's elimination of drifting/contracting coordinates",
        details=res,
    )
