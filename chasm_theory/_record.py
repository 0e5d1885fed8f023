"""Claim records and the verdicts computed from measurements.

A check returns an :class:`Outcome`; the registry adds the claim's static metadata and turns it
into a :class:`Record` (the fields of ``../shared/CLAIMS.md``). Verdicts are produced only by the
helper constructors below, each of which states the rule that decided it.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["holds", "fails", "vacuous", "inconclusive", "not-run", "error"]
#: ``error`` is not a judgement of the claim: the check raised (or the run it read failed), so
#: nothing was measured. It is counted apart from ``inconclusive`` (like ``not-run``) and is
#: never produced by the verdict helpers below, only by the registry when a check raises.
VERDICTS: tuple[str, ...] = ("holds", "fails", "vacuous", "inconclusive", "not-run", "error")
Kind = Literal["symbolic", "numeric", "property", "empirical"]
KINDS: tuple[str, ...] = ("symbolic", "numeric", "property", "empirical")


@dataclass
class Outcome:
    """What a check measured and the verdict computed from it.

    ``predicted`` is what the paper states (value, bound, or sentence), ``measured`` what we got.
    ``rule`` states in words how the verdict follows from the numbers. ``headline`` is the one
    number (with unit or CI) a reader should see in a table, e.g. ``"ARE 0.077 [-0.15, 0.33]"``;
    when empty the report picks the main number from ``measured``. ``to_decide``: for an
    ``inconclusive`` outcome (required there), what would separate it — how much more data at
    the measured estimate, which unstated parameter, which runs.
    """

    verdict: Verdict
    predicted: Any
    measured: Any
    evidence: str
    tolerance: Any = None
    rule: str = ""
    counterexample: Any = None
    reading: str = ""
    figures: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    headline: str = ""
    to_decide: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if self.verdict == "fails" and self.counterexample is None:
            raise ValueError("a 'fails' outcome must carry a counterexample or measurement")
        if self.verdict == "inconclusive" and not self.to_decide.strip():
            raise ValueError("an 'inconclusive' outcome must say what would decide it "
                             "(to_decide)")


@dataclass
class Record:
    """One claim's computed record, as written to ``reports/claims.json``.

    ``seconds`` (the check's wall time) is kept on the object for the CLI but never written:
    ``claims.json`` holds no wall-clock value, so the same commit and seed give the same file.
    """

    id: str
    source: str
    statement: str
    kind: Kind
    verdict: Verdict
    predicted: Any
    measured: Any
    tolerance: Any
    evidence: str
    counterexample: Any = None
    reading: str = ""
    rule: str = ""
    paper: str = ""
    section: str = ""
    figures: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    profile: str = "quick"
    seed: int = 0
    seconds: float = 0.0
    finding: str | None = None
    quote: str = ""
    check: str = ""
    runs: list[dict[str, str]] = field(default_factory=list)
    headline: str = ""
    to_decide: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The record as stored: every field but the wall-clock ``seconds``."""
        d = asdict(self)
        d.pop("seconds", None)
        return d


# --------------------------------------------------------------------------- verdict helpers


def decide(
    ok: bool,
    *,
    predicted: Any,
    measured: Any,
    evidence: str,
    counterexample: Any = None,
    tolerance: Any = None,
    rule: str = "",
    **kw: Any,
) -> Outcome:
    """``holds`` if ``ok`` else ``fails`` (with the counterexample, or the measurement)."""
    return Outcome(
        verdict="holds" if ok else "fails",
        predicted=predicted,
        measured=measured,
        evidence=evidence,
        tolerance=tolerance,
        rule=rule,
        counterexample=None if ok else (counterexample if counterexample is not None else measured),
        **kw,
    )


def compare_close(
    measured: float,
    predicted: float,
    *,
    rtol: float = 0.0,
    atol: float = 0.0,
    evidence: str,
    **kw: Any,
) -> Outcome:
    """``holds`` iff ``|measured - predicted| <= atol + rtol*|predicted|``."""
    err = abs(float(measured) - float(predicted))
    bound = atol + rtol * abs(float(predicted))
    ok = bool(math.isfinite(err) and err <= bound)
    rule = kw.pop("rule", f"|measured - predicted| = {err:.3g} vs tolerance {bound:.3g}")
    return decide(
        ok,
        predicted=predicted,
        measured=measured,
        evidence=evidence,
        tolerance={"rtol": rtol, "atol": atol},
        rule=rule,
        **kw,
    )


def decide_interval(
    lo: float,
    hi: float,
    *,
    target_lo: float = -math.inf,
    target_hi: float = math.inf,
    predicted: Any,
    measured: Any,
    evidence: str,
    est: float | None = None,
    **kw: Any,
) -> Outcome:
    """Decide a statement "the quantity lies in [target_lo, target_hi]" from a confidence
    interval [lo, hi] of the quantity.

    holds: CI inside the target set; fails: CI disjoint from it; inconclusive: they overlap,
    and ``to_decide`` says how much more data would separate them at the point estimate
    (``est``; default ``measured["est"]`` when ``measured`` is a CI dict, else the midpoint).
    """
    if est is None:
        est = (measured["est"] if isinstance(measured, dict) and "est" in measured
               else 0.5 * (lo + hi))
    if not (math.isfinite(lo) or math.isfinite(hi)):
        verdict: Verdict = "inconclusive"
    elif lo >= target_lo and hi <= target_hi:
        verdict = "holds"
    elif hi < target_lo or lo > target_hi:
        verdict = "fails"
    else:
        verdict = "inconclusive"
    rule = kw.pop(
        "rule",
        f"CI [{lo:.4g}, {hi:.4g}] vs. target [{target_lo:.4g}, {target_hi:.4g}]: "
        "inside -> holds, disjoint -> fails, overlapping -> inconclusive",
    )
    to_decide = kw.pop("to_decide", "") or (
        separation(lo, hi, float(est), target_lo, target_hi) if verdict == "inconclusive" else "")
    cx = kw.pop("counterexample", None)
    if verdict == "fails" and cx is None:
        cx = {"ci": [lo, hi], "target": [target_lo, target_hi]}
    return Outcome(
        verdict=verdict,
        predicted=predicted,
        measured=measured,
        evidence=evidence,
        tolerance={"ci": [lo, hi]},
        rule=rule,
        counterexample=cx if verdict == "fails" else None,
        to_decide=to_decide,
        **kw,
    )


def separation(lo: float, hi: float, est: float, target_lo: float = -math.inf,
               target_hi: float = math.inf) -> str:
    """What would separate a CI [lo, hi] from the edges of the target [target_lo, target_hi]
    that it straddles: the CI must clear each edge inside it; at the estimate ``est`` that takes
    about (reach / distance)² times the data behind the interval (a CI's width shrinks as
    1/√n), where reach is how far the CI extends from ``est`` towards the edge."""
    edges = [b for b in (target_lo, target_hi) if math.isfinite(b) and lo <= b <= hi]
    if not edges:
        return "an interval that meets none of the target's edges (none lies inside this CI)"
    if not (math.isfinite(lo) and math.isfinite(hi) and math.isfinite(est)):
        return (f"the interval [{lo:.4g}, {hi:.4g}] must clear the target's edge "
                + " and ".join(f"{b:.4g}" for b in edges)
                + " (a one-sided or unbounded interval: its width cannot size the data needed)")
    est = min(max(est, lo), hi)  # an estimate outside its own interval is read at the nearer end
    worst, text = 0.0, ""
    for b in edges:
        d = abs(est - b)
        reach = (est - lo) if b <= est else (hi - est)
        if d == 0.0 or reach <= 0.0:
            return (f"nothing at this estimate: the estimate {est:.4g} sits on the target's edge "
                    f"{b:.4g}, so no amount of data separates it unless the estimate moves")
        f = (reach / d) ** 2
        if f >= worst:
            worst = f
            text = (f"about {f:.3g}× the samples behind the interval, at this estimate (a CI "
                    f"narrows as 1/√n): the CI must clear the target's edge {b:.4g}, from which "
                    f"the estimate {est:.4g} lies {d:.3g} while the CI reaches {reach:.3g} "
                    f"towards it")
    return text


def _inconclusive_parts(parts: dict[str, Outcome]) -> str:
    """The parts' own ``to_decide`` lines, for the inconclusive ones."""
    return "; ".join(f"{k}: {o.to_decide}" for k, o in parts.items()
                     if o.verdict == "inconclusive" and o.to_decide)


def combine(parts: dict[str, Outcome], *, predicted: Any, evidence: str, **kw: Any) -> Outcome:
    """Conjunction of sub-outcomes: fails if any fails; else error/not-run/inconclusive/vacuous
    if any is; else holds. The first failing part's counterexample is carried."""
    verdicts = {k: o.verdict for k, o in parts.items()}
    order = ["fails", "error", "not-run", "inconclusive", "vacuous"]
    verdict: Verdict = "holds"
    for v in order:
        if v in verdicts.values():
            verdict = v  # type: ignore[assignment]
            break
    cx = None
    if verdict == "fails":
        first = next(k for k, o in parts.items() if o.verdict == "fails")
        cx = {first: parts[first].counterexample}
    if verdict == "inconclusive":
        kw.setdefault("to_decide", _inconclusive_parts(parts))
    return Outcome(
        verdict=verdict,
        predicted=predicted,
        measured={k: o.measured for k, o in parts.items()},
        evidence=evidence,
        rule=kw.pop("rule", "conjunction of parts: "
                    + ", ".join(f"{k}={v}" for k, v in verdicts.items())),
        counterexample=cx,
        details={**kw.pop("details", {}), "parts": {k: asdict(o) for k, o in parts.items()}},
        **kw,
    )


def over_values(parts: dict[str, Outcome], *, predicted: Any, evidence: str,
                per_value_rule: str, unit: str = "law", primary: str | None = None,
                **kw: Any) -> Outcome:
    """One verdict over an enumerated unstated parameter (``parts``: one outcome per value): the
    common verdict when every value gives the same one, otherwise ``inconclusive``
    (``unit``-dependent); ``not-run`` while some value has no run yet. The record lists the values
    on which it holds and fails; ``measured`` defaults to the per-value verdicts; the first
    failing value's counterexample is carried when the verdict is ``fails``. ``primary``: the value
    a table shows cell by cell (``details.primary`` and ``details.unit``; its outcome is
    ``details.parts[primary]``)."""
    verdicts = {k: o.verdict for k, o in parts.items()}
    common = set(verdicts.values())
    verdict: Verdict = common.pop() if len(common) == 1 else "inconclusive"  # type: ignore[assignment]
    if "not-run" in verdicts.values():  # a value not measured yet: no verdict over the values
        verdict = "not-run"
    fails = [k for k, v in verdicts.items() if v == "fails"]
    holds = sum(v == "holds" for v in verdicts.values())
    if verdict == "inconclusive":
        by = {v: [k for k, w in verdicts.items() if w == v]
              for v in dict.fromkeys(verdicts.values())}
        own = _inconclusive_parts(parts)
        kw.setdefault("to_decide", (
            f"the {unit}, which the paper leaves unstated: "
            + "; ".join(f"{v} for {', '.join(ks)}" for v, ks in by.items())
            + (f" (on the undecided {unit}s: {own})" if own else "")
            + (f"; a stated {unit} decides it wherever that {unit}'s own verdict is holds or "
               f"fails" if len(by) > 1 else "")))
    kw.setdefault("headline", f"holds on {holds}, fails on {len(fails)} of {len(verdicts)} "
                              f"{unit}s")
    return Outcome(
        verdict=verdict,
        predicted=predicted, measured=kw.pop("measured", verdicts), evidence=evidence,
        counterexample=({k: parts[k].counterexample for k in fails[:1]}
                        if verdict == "fails" else None),
        rule=(f"one verdict over the enumerated {unit}s: the common verdict if all agree, else "
              f"inconclusive ({unit}-dependent)"
              + (f"; not-run until every {unit} is run" if verdict == "not-run" else "")
              + f". Per {unit}: {per_value_rule}"),
        details={**kw.pop("details", {}), **({"primary": primary, "unit": unit} if primary else {}),
                 "fails_on": fails,
                 "holds_on": [k for k, v in verdicts.items() if v == "holds"]},
        **kw)


def not_run(reason: str, *, predicted: Any = None) -> Outcome:
    return Outcome(verdict="not-run", predicted=predicted, measured=None, evidence=reason,
                   rule=reason)
