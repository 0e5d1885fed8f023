"""The claim registry: the one place that knows each claim's id, source, statement, kind,
check, and report section. pytest (``proofs/``), the CLI and the report all read it.

Claims register themselves with the :func:`claim` decorator in the modules of the claim
packages; :func:`load_all` imports them. The core's own package is ``chasm_theory.claims``; other
layers (the empirical one) plug in through the ``chasm_theory.claims`` packaging entry point
group, so the core never names them.
"""
from __future__ import annotations

import difflib
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from chasm_theory._context import Context
from chasm_theory._fuzz import FuzzSpec
from chasm_theory._plugins import CORE_CLAIM_PACKAGE, claim_packages, load_all
from chasm_theory._record import KINDS, Outcome, Record
from chasm_theory.errors import NotRunError, RunFailed, UnknownClaimError

CheckFn = Callable[[Context], Outcome]


@dataclass(frozen=True)
class Claim:
    """A registered claim.

    id: stable id (``../shared/CLAIMS.md`` ids are the contract; new ids are ours).
    source: paper file and section, e.g. ``"000 §5.2, Thm 3(ii); App B.4"``.
    statement: the claim in the project's own words.
    kind: ``symbolic`` | ``numeric`` | ``property`` | ``empirical``.
    paper: what the paper says, verbatim-ish (value, table cell, or sentence).
    section: report section heading the claim is shown under.
    check: computes an :class:`Outcome`.
    fuzz: for "for all" statements, the property searched by ``chasm-theory fuzz``.
    experiment: name of the experiment whose run the check reads (empirical claims).
    finding: root-cause key shared by every id that one finding touches (e.g. a shared law or a
        shared mis-reading); the report counts findings by this key, not ids.
    quote: the paper's own sentence(s) the claim tests, verbatim from the seed text (a test
        checks each against ``../shared/seeds`` after whitespace normalisation); "" when the
        ``paper`` field is a value or paraphrase (then it says so).
    trained: the verdict depends on how well trained models perform. Below the papers' training
        budget (the quick profile) such a measurement can neither confirm nor refute the paper's
        trained-model numbers, so :func:`run_claim` caps its verdict at ``inconclusive`` and keeps
        the verdict at this budget in ``details``. Defaults to True for empirical claims that read
        an experiment; pass False for untrained models (fixed-gain, hand-set weights, oracles).
    """

    id: str
    source: str
    statement: str
    kind: str
    paper: str
    section: str
    check: CheckFn
    fuzz: FuzzSpec | None = None
    experiment: str | None = None
    trained: bool = False
    finding: str | None = None
    quote: str = ""

    @property
    def check_ref(self) -> str:
        """Where the check lives, ``module:qualname``."""
        return f"{self.check.__module__}:{self.check.__qualname__}"


BUDGET_CAPPED_PROFILES = ("quick",)

_CLAIMS: dict[str, Claim] = {}


def claim(
    id: str,
    *,
    source: str,
    statement: str,
    kind: str,
    paper: str = "",
    section: str = "",
    fuzz: FuzzSpec | None = None,
    experiment: str | None = None,
    trained: bool | None = None,
    finding: str | None = None,
    quote: str = "",
) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated ``check(ctx) -> Outcome`` as claim ``id``."""
    if kind not in KINDS:
        raise ValueError(f"claim {id}: kind must be one of {KINDS}, got {kind!r}")

    def deco(fn: CheckFn) -> CheckFn:
        if id in _CLAIMS and _CLAIMS[id].check.__qualname__ != fn.__qualname__:
            raise ValueError(f"claim id {id!r} registered twice")
        is_trained = (
            trained if trained is not None else (kind == "empirical" and experiment is not None)
        )
        _CLAIMS[id] = Claim(id, source, statement, kind, paper, section or id.rsplit(".", 1)[0],
                            fn, fuzz, experiment, is_trained, finding, quote)
        return fn

    return deco


def all_claims() -> dict[str, Claim]:
    load_all()
    return dict(sorted(_CLAIMS.items()))


def get_claim(claim_id: str) -> Claim:
    claims = all_claims()
    if claim_id not in claims:
        raise UnknownClaimError(claim_id, difflib.get_close_matches(claim_id, list(claims), n=3))
    return claims[claim_id]


def select(pattern: str) -> list[Claim]:
    """Claims whose id equals ``pattern`` or starts with ``pattern + '.'`` (e.g. ``chasm.thm3``)."""
    claims = all_claims()
    hits = [c for i, c in claims.items() if i == pattern or i.startswith(pattern + ".")]
    if not hits:
        raise UnknownClaimError(pattern, difflib.get_close_matches(pattern, list(claims), n=3))
    return hits


def run_claim(claim_or_id: Claim | str, ctx: Context | None = None) -> Record:
    """Run one claim's check and build its record.

    A check that needs a run this profile does not allow gives ``not-run``; a check that
    raises gives ``error`` (no verdict: counted apart from ``inconclusive``) with the error in
    the evidence and the traceback in details, so a broken check can never produce ``holds``.
    """
    c = get_claim(claim_or_id) if isinstance(claim_or_id, str) else claim_or_id
    ctx = ctx or Context()
    ctx.claim_id = c.id
    ctx.runs_read = []
    t0 = time.perf_counter()
    try:
        out = c.check(ctx)
        if not isinstance(out, Outcome):
            raise TypeError(f"check of {c.id} returned {type(out).__name__}, not Outcome")
    except NotRunError as err:
        out = Outcome(verdict="not-run", predicted=c.paper, measured=None, evidence=str(err),
                      rule="needs a run this profile does not allow")
    except Exception as err:  # noqa: BLE001
        reason = "the run failed" if isinstance(err, RunFailed) else "the check raised"
        out = Outcome(
            verdict="error",
            predicted=c.paper,
            measured=None,
            evidence=f"{reason}: {type(err).__name__}: {err}",
            rule="no verdict without a completed check",
            details={"traceback": traceback.format_exc(limit=8)},
        )
    if c.trained:
        out = cap_trained(out, ctx)
    return Record(
        id=c.id,
        source=c.source,
        statement=c.statement,
        kind=c.kind,  # type: ignore[arg-type]
        verdict=out.verdict,
        predicted=out.predicted,
        measured=out.measured,
        tolerance=out.tolerance,
        evidence=out.evidence,
        counterexample=out.counterexample,
        reading=out.reading,
        rule=out.rule,
        paper=c.paper,
        section=c.section,
        figures=list(out.figures),
        details=out.details,
        profile=ctx.profile,
        seed=ctx.seed,
        seconds=round(time.perf_counter() - t0, 3),
        finding=c.finding,
        quote=c.quote,
        check=c.check_ref,
        runs=list(ctx.runs_read),
        headline=out.headline,
        to_decide=out.to_decide,
    )


def _seed_short_runs(ctx: Context) -> list[dict[str, Any]]:
    """The runs this check read that were evaluated on fewer training seeds than planned."""
    return [r for r in ctx.runs_read if r.get("seeds_used", 0) < r.get("seeds_planned", 0)]


def cap_rule(ctx: Context) -> str | None:
    """Which rule withholds a trained-model verdict under ``ctx``: ``"budget"`` (a profile far
    below the papers' training budget), ``"seeds"`` (a run read on fewer training seeds than
    planned) or None. Records (:func:`run_claim`) and figures apply this one rule."""
    if ctx.profile in BUDGET_CAPPED_PROFILES:
        return "budget"
    return "seeds" if _seed_short_runs(ctx) else None


def cap_trained(out: Outcome, ctx: Context) -> Outcome:
    """A trained-model outcome as the budget and seed rules let it stand (:func:`cap_rule`);
    also for the trained part of a claim that is not itself a trained-model claim."""
    if out.verdict == "inconclusive":
        return _undecided_first(out, ctx)
    rule = cap_rule(ctx) if out.verdict in ("holds", "fails") else None
    if rule == "budget":
        return cap_below_budget(out, ctx.profile)
    if rule == "seeds":
        return cap_below_seeds(out, _seed_short_runs(ctx))
    return out


def _undecided_first(out: Outcome, ctx: Context) -> Outcome:
    """An undecided trained-model outcome whose numbers a cap rule would not let stand anyway:
    what decides it starts with the runs that lift the cap (the full profile, or the remaining
    replicates), then the separation at hand (kept alone in ``details.to_decide_at_hand`` with
    the short name of the runs, ``details.to_decide_first``, for the report's table)."""
    rule = cap_rule(ctx)
    if rule is None:
        return out
    short, runs = _lifting_runs(rule, _seed_short_runs(ctx))
    where = "at this budget" if rule == "budget" else "on these seeds"
    return replace(out, to_decide=f"{runs}, first; {where}: {out.to_decide}",
                   details={**out.details, "to_decide_first": short,
                            "to_decide_at_hand": out.to_decide})


def _lifting_runs(rule: str, short: list[dict[str, Any]]) -> tuple[str, str]:
    """The runs that lift cap ``rule`` ("budget" or "seeds"; ``short``: the seed-short runs
    read): a short name and the full sentence, for both capped and undecided records."""
    if rule == "budget":
        return "the full profile first", ("the full profile at the papers' budget "
                                          "(`chasm-theory train --profile full`, then "
                                          "`chasm-theory report --profile full`)")
    left = "; ".join(f"{r['experiment']}: {r['seeds_planned'] - r['seeds_used']} more seed(s), "
                     f"{r['seeds_planned']} planned" for r in short)
    return "the remaining seeds first", (f"the remaining training replicates ({left}), then "
                                         "this check rerun (`chasm-theory report --pending` in "
                                         "this profile)")


def _withheld(out: Outcome, note: str, why: str, where: str, to_decide: str,
              **details: Any) -> Outcome:
    """``out`` capped at inconclusive: the numbers, the rule and the verdict they give (the
    lean, ``details.verdict_at_this_budget``) are kept; the verdict itself is withheld, and
    ``to_decide`` names the runs that would lift the cap."""
    return replace(
        out, verdict="inconclusive", counterexample=None, to_decide=to_decide,
        evidence=f"{out.evidence} [{note}]",
        rule=f"{out.rule} — capped at inconclusive {why} (verdict {where}: {out.verdict})",
        details={**out.details, "verdict_at_this_budget": out.verdict,
                 "counterexample_at_this_budget": out.counterexample, **details})


def cap_below_budget(out: Outcome, profile: str) -> Outcome:
    """The budget rule: a trained-model measurement below the papers' budget is inconclusive.

    The measured values, the rule and the verdict the numbers give at this budget are kept, so a
    reader sees the trend; only the verdict, which would speak for the paper's trained models,
    is withheld until the full profile runs.
    """
    return _withheld(
        out,
        f"Budget rule: the {profile} profile trains far below the papers' budget, so this "
        f"measurement cannot decide a claim about the papers' trained models; at this budget "
        f"the numbers say '{out.verdict}'. The full profile (papers' scale) decides.",
        "below the papers' training budget", "at this budget",
        _lifting_runs("budget", [])[1])


def cap_below_seeds(out: Outcome, short: list[dict[str, Any]]) -> Outcome:
    """The seed rule: a trained-model measurement read from fewer training replicates than the
    profile plans (the later replicates are still training) is inconclusive. As with the budget
    rule, the numbers and the verdict they give on the replicates at hand (the lean) are kept."""
    used = ", ".join(f"{r['experiment']}: {r['seeds_used']} of {r['seeds_planned']}"
                     for r in short)
    return _withheld(
        out,
        f"Seed rule: measured on fewer training seeds than planned ({used}); the seed "
        f"variation is not yet in the interval, so the verdict is withheld. On these seeds the "
        f"numbers say '{out.verdict}'; the remaining replicates decide.",
        "on fewer training seeds than planned", "on these seeds",
        _lifting_runs("seeds", short)[1], capped_by="seeds")


def registered_ids() -> list[str]:
    return list(all_claims())


__all__ = ["Claim", "claim", "load_all", "claim_packages", "CORE_CLAIM_PACKAGE", "all_claims",
           "get_claim", "select", "run_claim", "registered_ids", "Any"]
