"""The one rule every parameter-count claim (``chasm.params.*``) is judged by.

:data:`COUNT_RULE` states it in words (every record carries it, the report can print it);
:func:`tolerance_window` reads the tolerance a stated figure implies; :func:`judge_count` turns
the counts of the enumerated readings into the verdict. The architecture-specific readings live
with the claims (``empirics.experiments.chasm.params``); this module knows no model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chasm_theory._record import Outcome, decide
from chasm_theory.errors import ValidationError

__all__ = ["COUNT_RULE", "Window", "tolerance_window", "judge_count", "pe_rows_domain"]

COUNT_RULE = (
    "One rule for every parameter count. Tolerance: a stated figure is read as rounded to its last "
    "written digit and tolerates ± half a unit of that digit (4,760 -> exactly 4,760; 3.2K -> "
    "3,150 "
    "to 3,249; ~25K -> 24,500 to 25,499); '≈', '~', '∼' and 'approximately' mark a rounded figure "
    "and tolerate that rounding, no more. Open choices: a detail the paper states is never varied; "
    "every detail it leaves open is enumerated over a declared domain, the same for the same kind "
    "of choice in every claim (attention q/k/v/o biases yes/no; output projection W_O yes/no; "
    "LayerNorms 0..2L+1, or 1..2L+1 when LayerNorm is stated; an unstated MLP width 2d or 4d when "
    "an "
    "MLP is stated, none, 2d or 4d when not; an unstated model width 16, 32 or 64; a learned PE "
    "table of T_max rows or a power of two in [T_max, 4·T_max], T_max the longest sequence the "
    "paper trains or evaluates that model on; token inputs through an embedding table or a one-hot "
    "linear layer; a token read-out untied or tied; Mamba block internals at the reference "
    "defaults with expand 1 or 2). Verdict: holds iff some reading lands in the window (the record "
    "lists the matching readings, how many readings were enumerated, and the number of matches "
    "expected by chance, N·w/max(span, figure); when that is ≥ 1 the enumeration is large for the "
    "window and a "
    "match is weak evidence); fails iff none does and the enumeration covers every open choice; "
    "inconclusive iff none does but a choice stays open that no finite domain covers (a dimension "
    "lost in the text extraction, an architecture described only by reference)."
)

_APPROX = ("≈", "~", "∼", "approximately", "about")


@dataclass(frozen=True)
class Window:
    """[lo, hi] integer counts a stated figure allows; ``unit``: the last written digit's value."""

    lo: int
    hi: int
    unit: float
    approximate: bool

    def __contains__(self, n: int) -> bool:
        return self.lo <= n <= self.hi

    def describe(self) -> str:
        if self.lo == self.hi:
            return f"exactly {self.lo:,}"
        return f"{self.lo:,} to {self.hi:,}"


def tolerance_window(stated: str) -> Window:
    """The window a stated figure implies: '4,760' -> [4760, 4760]; '3.2K' -> [3150, 3249];
    '~25K' -> [24500, 25499]; '370' -> [370, 370]; 'approximately 82K' -> [81500, 82499].

    Rounded to its last written digit: ± half a unit of that digit (half-open upwards, so the
    upper end excludes the value that would round up); an approximation marker adds nothing."""
    s = stated.strip()
    approx = any(s.lower().startswith(m) for m in _APPROX)
    body = s
    for m in _APPROX:
        if body.lower().startswith(m):
            body = body[len(m) :].strip()
    m = re.fullmatch(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*([Kk]?)", body)
    if not m:
        raise ValidationError(
            "stated", "must be a count like '4,760', '370', '3.2K' or '~25K'", repr(stated)
        )
    whole, frac, k = m.group(1).replace(",", ""), m.group(2) or "", m.group(3)
    scale = 1000 if k else 1
    unit = scale / 10 ** len(frac)
    value = (int(whole) + (int(frac) / 10 ** len(frac) if frac else 0.0)) * scale
    if unit <= 1:
        n = round(value)
        return Window(n, n, 1.0, approx)
    lo = int(round(value - unit / 2))
    hi = int(round(value + unit / 2)) - 1
    return Window(lo, hi, unit, approx)


def pe_rows_domain(t_max: int) -> tuple[int, ...]:
    """Rows of a learned PE table whose size the paper does not state: T_max, or a power of two
    in [T_max, 4·T_max] (T_max = the longest sequence the model is trained or evaluated on)."""
    if int(t_max) != t_max or t_max < 1:
        raise ValidationError("t_max", "must be a positive integer", repr(t_max))
    powers = [2**j for j in range(0, 16) if t_max <= 2**j <= 4 * t_max]
    return tuple(sorted({int(t_max), *powers}))


def judge_count(
    stated: str,
    readings: list[tuple[str, int]],
    *,
    ours: int,
    exhaustive: bool,
    open_choices: str,
    gap: str = "",
    note: str = "",
) -> Outcome:
    """The verdict of :data:`COUNT_RULE` for one claim.

    readings: (description, count) for every enumerated reading consistent with the stated
    architecture (our built model's reading among them); ours: the built model's count;
    exhaustive: the enumeration covers every open choice; open_choices: what was enumerated
    (said in the record); gap: when not exhaustive, which choice stays open."""
    if not readings:
        raise ValidationError("readings", "must hold at least one (description, count)", "empty")
    w = tolerance_window(stated)
    hits = [(d, c) for d, c in readings if c in w]
    counts = [c for _, c in readings]
    span = max(counts) - min(counts)
    width = w.hi - w.lo + 1
    mid = (w.lo + w.hi) / 2
    # matches expected if the N counts fell at random over their spread, taken at least as wide
    # as the figure itself (one reading, or readings that agree, are not "spread over nothing")
    chance = len(readings) * width / max(span + width, mid)
    closest = min(readings, key=lambda r: abs(r[1] - mid))
    weak = chance >= 1.0
    summary = (
        f"Paper: {stated} (window {w.describe()}). Our built model: {ours:,}. Enumerated "
        f"{len(readings)} reading(s) of the open choices ({open_choices}); counts span "
        f"{min(counts):,} to {max(counts):,}; matches expected by chance N·w/max(span, figure) = "
        f"{chance:.2g}"
        + (" (large for this window: a match is weak evidence)" if weak else "")
        + ". "
    )
    if hits:
        summary += (
            f"{len(hits)} reading(s) match, e.g. "
            + "; ".join(f"{d} = {c:,}" for d, c in hits[:3])
            + ". "
        )
    else:
        summary += f"No reading matches; the closest is {closest[0]} = {closest[1]:,}. "
    summary += note + " " if note else ""
    measured = {
        "ours": ours,
        "n_readings": len(readings),
        "n_matching": len(hits),
        "matching": [[d, c] for d, c in hits[:5]],
        "window": [w.lo, w.hi],
        "chance_matches": round(chance, 3),
    }
    details = {"readings": [[d, c] for d, c in readings], "rule": COUNT_RULE}
    window = f"= {w.lo:,}" if w.lo == w.hi else f"in [{w.lo:,}, {w.hi:,}]"
    headline = f"{len(hits)}/{len(readings)} readings {window}; " + (
        f"ours {ours:,}" if hits else f"closest {closest[1]:,}"
    )
    if hits or exhaustive:
        return decide(
            bool(hits),
            predicted=stated,
            measured=measured,
            counterexample={
                "closest": list(closest),
                "window": [w.lo, w.hi],
                "range": [min(counts), max(counts)],
                "n_readings": len(readings),
            },
            evidence=summary
            + (
                ""
                if hits
                else "The enumeration covers every open "
                "choice, so the stated architecture cannot have this count."
            ),
            tolerance={"window": [w.lo, w.hi]},
            rule=COUNT_RULE,
            details=details,
            headline=headline,
        )
    return Outcome(
        verdict="inconclusive",
        predicted=stated,
        measured=measured,
        evidence=summary + f"A choice stays open that no finite domain covers: {gap}.",
        to_decide=f"the open choice stated (by the paper or its code): {gap}",
        tolerance={"window": [w.lo, w.hi]},
        rule=COUNT_RULE,
        details=details,
        headline=headline,
    )
