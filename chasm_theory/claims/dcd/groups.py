"""002's group table (Abelian / Solvable columns) and Theorem 2's depth characterisation:
the minimal length of a series with abelian factors, computed two independent ways (derived
series; search over normal subgroups), and constructive k-layer witnesses run on random words.
"""

from __future__ import annotations

from chasm_theory._context import Context
from chasm_theory._record import Outcome, decide
from chasm_theory._registry import claim
from chasm_theory.oracles.diagonal_ssm import track
from chasm_theory.oracles.group_witnesses import derived_series_cascade
from chasm_theory.oracles.groups import GROUP_NAMES, get_group, min_abelian_series_length

SOURCE = "002 §Key Experimental Results (table); §Method, Key Design 2 (Theorem 2)"
SECTION = "002: groups, solvability and depth"

# The paper's table: (abelian, solvable); C2×C4 appears in the ablation only (as abelian).
PAPER_TABLE: dict[str, tuple[bool, bool]] = {
    "C2": (True, True),
    "C6": (True, True),
    "C24": (True, True),
    "C60": (True, True),
    "S3": (False, True),
    "A4": (False, True),
    "A5": (False, False),
}


def group_table() -> list[dict]:
    """One row per group of :data:`GROUP_NAMES`: order, abelian, solvable, derived-series orders,
    derived length (None: the series stops at a non-trivial perfect group), the searched minimal
    abelian-factor series length."""
    rows = []
    for name in GROUP_NAMES:
        G = get_group(name)
        info = G.derived
        rows.append(
            {
                "group": name,
                "order": G.order,
                "abelian": G.is_abelian,
                "solvable": G.is_solvable,
                "derived_series_orders": list(info.orders),
                "derived_length": info.length,
                "stops_at_perfect_group_of_order": info.stops_at_order,
                "min_abelian_series_length": min_abelian_series_length(G),
            }
        )
    return rows


@claim(
    "dcd.table.groups",
    source=SOURCE,
    statement="The Abelian/Solvable columns of 002's table: C2, C6, C24, C60 abelian; S3, A4 "
    "solvable non-abelian; A5 neither (and C2×C4 abelian)",
    kind="symbolic",
    paper="Quote (002 main results table): | \\(S_3\\) | ✗ | ✓ | ✘ | ✘ | ✘ | ✘ | 1000 | | "
    "\\(A_4\\) | ✗ | ✓ | ✘ | ✘ | ✘ | ✘ | 1000 | | \\(A_5\\) | ✗ | ✗ | ✘ | ✘ | ✘ | ✘ | ✘ | — "
    "formulas lost in the text extraction, as we read them (paraphrase): C2, C6, C24, C60: ✓ "
    "✓; S3, A4: ✗ ✓; A5: ✗ ✗",
    quote="| \\(S_3\\) | ✗ | ✓ | ✘ | ✘ | ✘ | ✘ | 1000 | | \\(A_4\\) | ✗ | ✓ | ✘ | ✘ | ✘ | ✘ | 1000 "
    "| | \\(A_5\\) | ✗ | ✗ | ✘ | ✘ | ✘ | ✘ | ✘ |",
    section=SECTION,
)
def check_table(ctx: Context) -> Outcome:
    rows = {r["group"]: r for r in group_table()}
    mism = {
        g: {"paper": PAPER_TABLE[g], "computed": (rows[g]["abelian"], rows[g]["solvable"])}
        for g in PAPER_TABLE
        if (rows[g]["abelian"], rows[g]["solvable"]) != PAPER_TABLE[g]
    }
    if rows["C2xC4"]["abelian"] is not True:
        mism["C2xC4"] = {"paper": "abelian (ablation)", "computed": rows["C2xC4"]["abelian"]}
    measured = {
        g: f"abelian={r['abelian']}, solvable={r['solvable']}, derived length="
        + (
            str(r["derived_length"])
            if r["derived_length"] is not None
            else f"none (stops at order {r['stops_at_perfect_group_of_order']})"
        )
        for g, r in rows.items()
    }
    return decide(
        not mism,
        predicted={g: f"abelian={a}, solvable={s}" for g, (a, s) in PAPER_TABLE.items()},
        measured=measured,
        counterexample=mism or None,
        evidence="Each group was built as a sympy permutation group (C_n = CyclicGroup(n), "
        "C2×C4 = DirectProduct, S_n, A_n) and its is_abelian / is_solvable computed; the derived "
        "length was read off derived_series() (sympy has none), and for A5 and S5 the series stops "
        "at a non-trivial perfect group of order 60 (A5' = A5), so they have no derived length. "
        + ("All table entries agree." if not mism else f"Mismatches: {mism}."),
        rule="holds iff every (abelian, solvable) pair of the paper's table equals the computed "
        "one",
        reading="S4 and S5 are beyond the paper's table and reported for information",
        details={"rows": list(rows.values())},
    )


@claim(
    "dcd.thm2.depth",
    source=SOURCE,
    statement="A k-layer DCD SSM tracks G iff G has a subnormal series of length k with abelian "
    "factors: the minimal such k (by search) equals the derived length for every solvable group "
    "here, is undefined for A5 and S5, and a k-layer witness with k = that length tracks G",
    kind="numeric",
    paper="Quote (002 Key Design 2, Theorem 2): Core Theorem (Theorem 2): A \\(k\\)-layer DCD SSM "
    "with finite precision can track group \\(G\\) if and only if \\(G\\) admits a subnormal "
    "series of length \\(k\\):",
    quote="Core Theorem (Theorem 2): A \\(k\\)-layer DCD SSM with finite precision can track group "
    "\\(G\\) if and only if \\(G\\) admits a subnormal series of length \\(k\\):",
    section=SECTION,
)
def check_depth(ctx: Context) -> Outcome:
    rows = group_table()
    rng = ctx.rng("words")
    T, B = (20_000, 100) if ctx.profile == "quick" else (100_000, 1000)
    witness = {}
    disagree = {}
    for r in rows:
        if r["min_abelian_series_length"] != r["derived_length"]:
            disagree[r["group"]] = (r["min_abelian_series_length"], r["derived_length"])
        if r["derived_length"] is None:
            continue
        G = get_group(r["group"])
        cas = derived_series_cascade(G)
        res = track(cas, G.mult, rng.integers(0, G.order, (B, T)))
        witness[r["group"]] = {
            "layers": cas.depth,
            "words": B,
            "length": T,
            "wrong_steps": res.total_errors,
            "decoder_orders": [l.orders.tolist() for l in cas.layers],
        }
    bad_w = {
        g: w
        for g, w in witness.items()
        if w["wrong_steps"] != 0
        or w["layers"] != dict((r["group"], r["derived_length"]) for r in rows)[g]
    }
    ok = not disagree and not bad_w
    return decide(
        ok,
        headline=f"min series length = derived length ({len(rows) - len(disagree)}/{len(rows)}); "
        f"{sum(w['wrong_steps'] for w in witness.values())} witness errors",
        predicted="minimal abelian-series length = derived length; k-layer witnesses exist",
        measured={
            r["group"]: {
                "min_series_length": r["min_abelian_series_length"],
                "derived_length": r["derived_length"],
                "witness_wrong_steps": witness.get(r["group"], {}).get("wrong_steps"),
            }
            for r in rows
        },
        counterexample={"length_disagreements": disagree, "witness_failures": bad_w}
        if not ok
        else None,
        evidence="For each group the minimal k with a series G = H_0 ⊳ H_1 ⊳ … ⊳ H_k = 1 "
        "(H_i ⊴ H_{i−1}, abelian factors) was found by a search over normal subgroups containing "
        "the commutator subgroup, independently of sympy's derived_series; it equals the derived "
        "length for all 8 solvable groups (1 for the abelian ones, 2 for S3 and A4, 3 for S4) and "
        "no series exists for the perfect-containing A5, S5. For every solvable group a cascade "
        "of exactly that many DCD layers (layer ℓ tracks the prefix product modulo the ℓ-th "
        "derived "
        f"subgroup with characters of the abelian factor) decoded the prefix product of {B} random "
        f"words of length {T} with {sum(w['wrong_steps'] for w in witness.values())} wrong steps "
        "in "
        "total, checked against sympy's Cayley table. This checks the 'if' direction and the "
        "minimality of the length; the 'only if' direction for k = 1 is checked in "
        "dcd.lemma3.common-center.",
        rule="holds iff search length = derived length for every group and every witness makes 0 "
        "errors",
        reading="series taken as normal series in G (derived series), which attain the minimal "
        "length",
        details={"witnesses": witness},
    )
