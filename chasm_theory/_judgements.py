"""The project's fixed judgement rules, one per kind of judgement, each applied to every id
alike: agreement with a value a paper reports from its own trained models, "≈ the oracle"
said of a trained model, the attainability of a table on a completed law, and whether a trained
model has learned its task at all before it is compared with another. Each returns an
:class:`~chasm_theory.Outcome` through :func:`~chasm_theory.decide_interval`, so an undecided
one says what would separate it."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from chasm_theory._record import Outcome, decide_interval, separation
from chasm_theory.errors import ValidationError

__all__ = ["REPORTED_FACTOR", "REPORTED_RULE", "match_reported", "NEAR_ORACLE", "near_oracle",
           "ATTAINABLE_RULE", "unattainable", "LEARNED_RULE", "BASELINES", "beats_baseline",
           "require_learned", "OPEN_RATIO_RULE", "excess_ratio"]

#: The one rule for a cell the paper reports from its own trained models (Tables 1–4 and A1 of
#: 000, the Exp V excesses): our CI within a factor REPORTED_FACTOR of the paper's value.
REPORTED_FACTOR = 2.0
REPORTED_RULE = (f"a value the paper reports from its own trained models: our CI inside "
                 f"[value/{REPORTED_FACTOR:g}, {REPORTED_FACTOR:g}·value] holds, disjoint "
                 f"fails, overlapping inconclusive (one rule for every reported cell)")


def match_reported(lo: float, hi: float, reported: float, *, evidence: str,
                   measured: Any = None, predicted: Any = None, **kw: Any) -> Outcome:
    """Our CI [lo, hi] of a quantity against the value ``reported`` (> 0) in a paper's table,
    by :data:`REPORTED_RULE` (``predicted`` defaults to the value, ``measured`` to the CI)."""
    r = float(reported)
    if not (math.isfinite(r) and r > 0.0):
        raise ValidationError("reported", "must be a positive finite value", repr(reported))
    return decide_interval(lo, hi, target_lo=r / REPORTED_FACTOR, target_hi=r * REPORTED_FACTOR,
                           predicted=reported if predicted is None else predicted,
                           measured=[lo, hi] if measured is None else measured,
                           evidence=evidence, rule=kw.pop("rule", REPORTED_RULE), **kw)


#: The one rule for "≈ the oracle" / "excess ≈ 0" said of a trained model (000 Exp IV case (a),
#: 001's consistency with the Bayes predictor): the excess within ±NEAR_ORACLE × the oracle's
#: own risk on the same test sequences.
NEAR_ORACLE = 0.02


def near_oracle(lo: float, hi: float, oracle_risk: float, *, evidence: str, measured: Any,
                oracle: str = "oracle", **kw: Any) -> Outcome:
    """Our CI [lo, hi] of a model's excess over an oracle against ±NEAR_ORACLE × the oracle's
    risk ``oracle_risk`` (> 0): inside holds, disjoint fails, overlapping inconclusive."""
    r = float(oracle_risk)
    if not (math.isfinite(r) and r > 0.0):
        raise ValidationError("oracle_risk", "must be a positive finite risk", repr(oracle_risk))
    tol = NEAR_ORACLE * r
    return decide_interval(
        lo, hi, target_lo=-tol, target_hi=tol, measured=measured, evidence=evidence,
        predicted=kw.pop("predicted", f"≈ 0 (±{NEAR_ORACLE:.0%} of the {oracle}'s risk)"),
        rule=kw.pop("rule", f"excess CI inside ±{NEAR_ORACLE:.0%} of the {oracle}'s risk "
                            f"(±{tol:.3g}) holds, disjoint fails, overlapping inconclusive "
                            "(one rule for every near-oracle judgement)"), **kw)


#: The one rule for a table of reported values measured on a task whose law the paper leaves
#: partly unstated (so ours is a completion): a reported risk below the Bayes risk of our
#: completed law cannot be reached under it, which shows that the paper's law has another
#: scale; the table's value cells are then not comparable with ours, in either direction.
ATTAINABLE_RULE = ("a table of reported values is compared cell by cell only if every reported "
                   "risk is attainable under our completion of the paper's law (not below its "
                   "Bayes risk); otherwise the paper's law has another scale and each row is "
                   "inconclusive, its verdict on our law kept beside it")


def unattainable(reported: dict[str, float], bayes_risk: float) -> dict[str, float]:
    """The reported risks (name -> value) below ``bayes_risk``, the Bayes risk of our completed
    law (:data:`ATTAINABLE_RULE`); empty when the whole table is attainable."""
    r = float(bayes_risk)
    if not (math.isfinite(r) and r >= 0.0):
        raise ValidationError("bayes_risk", "must be a finite risk >= 0", repr(bayes_risk))
    return {k: float(v) for k, v in reported.items() if float(v) < r}


#: The one rule for a claim that compares trained models ("A beats B", "A's advantage grows",
#: "B is worst"): such a claim speaks of what an architecture can learn, so it is decided only
#: by models that learned the task. The models the claim favours must beat the task's baseline
#: (:data:`BASELINES`); when one of them does not (its CI does not clear the baseline), the
#: comparison is inconclusive, its lean kept: a failure to learn never refutes (as in 002's
#: length table), and a comparison between models that did not learn confirms nothing.
LEARNED_RULE = ("a comparison of trained models is decided only when every model the claim "
                "favours has learned the task, i.e. its 95% CI beats the baseline of the task's "
                "kind (next-symbol prediction: the in-context unigram; classification: the "
                "best constant guess; real-valued targets: the zero predictor); otherwise "
                "inconclusive with the lean kept (a failure to learn never refutes; one rule "
                "for every trained-model comparison)")

#: The baseline of each kind of task: the first thing a learner of that kind of task learns, so
#: the least a model that learned the task must beat. Next-symbol prediction: in-context
#: learners pass through the unigram stage first (the in-context unigram uses the context only
#: through symbol counts). Classification of a sequence (majority, group products): the most
#: probable class under the task's prior, ignoring the input. Real-valued targets: every such
#: task here is zero-mean, so the zero predictor is the prediction from the target's prior.
BASELINES = {"next-symbol": "the in-context unigram (top-1: the most frequent symbol so far)",
             "class": "the best constant guess (the most probable class under the prior)",
             "real": "the zero predictor (MSE = the target's mean square)"}


def beats_baseline(lo: float, hi: float, baseline: float, *, model: str, metric: str,
                   higher_is_better: bool, kind: str, est: float | None = None) -> Outcome:
    """Has ``model`` learned its task? Its CI [lo, hi] of ``metric`` against the baseline value
    of the task's kind (``kind`` in :data:`BASELINES`): clear of it on the better side holds,
    clear on the worse side fails, overlapping inconclusive (``est``: the point estimate)."""
    if kind not in BASELINES:
        raise ValidationError("kind", f"must be one of {sorted(BASELINES)}", repr(kind))
    b = float(baseline)
    if not math.isfinite(b):
        raise ValidationError("baseline", "must be finite", repr(baseline))
    side = "above" if higher_is_better else "below"
    return decide_interval(
        lo, hi, **({"target_lo": b} if higher_is_better else {"target_hi": b}),
        predicted=f"{metric} {side} {BASELINES[kind]}: {b:.4g}",
        measured={"ci": [lo, hi], "baseline": b},
        est=0.5 * (lo + hi) if est is None else float(est),
        evidence=f"{model}: {metric} [{lo:.4g}, {hi:.4g}] vs {BASELINES[kind]} {b:.4g}",
        rule=f"CI {side} the baseline holds (learned), on the other side fails, overlapping "
             "inconclusive")


def require_learned(out: Outcome, learned: dict[str, Outcome]) -> Outcome:
    """``out`` (a comparison of trained models) under :data:`LEARNED_RULE`: ``learned`` holds
    each favoured model's :func:`beats_baseline` outcome (name -> outcome). Unchanged when every
    favoured model learned, or when ``out`` is not decided; otherwise inconclusive, the verdict
    the numbers give kept as ``details.verdict_if_learned``. Either way the record carries the
    baseline checks (``details.learned``)."""
    if not learned:
        raise ValidationError("learned", "must name at least one favoured model", "{}")
    checks = {k: {"verdict": o.verdict, **o.measured} for k, o in learned.items()}
    details = {**out.details, "learned": checks}
    missing = {k: o for k, o in learned.items() if o.verdict != "holds"}
    if not missing or out.verdict not in ("holds", "fails"):
        return replace(out, details=details)
    words = "; ".join(o.evidence for o in missing.values())
    to_decide = "; ".join(
        f"{k} must beat its baseline ("
        + ("it is on the wrong side: a model of it that learns the task, e.g. another "
           "training seed, length or the paper's unstated hyper-parameters"
           if o.verdict == "fails" else o.to_decide) + ")"
        for k, o in missing.items())
    return replace(
        out, verdict="inconclusive", counterexample=None, to_decide=to_decide,
        evidence=f"{out.evidence} [Learned rule: not every favoured model beat its task's "
                 f"baseline ({words}); at these numbers the comparison says '{out.verdict}', "
                 "which a model that did not learn the task can neither confirm nor refute.]",
        rule=f"{out.rule} — capped at inconclusive by the learned rule: {LEARNED_RULE}",
        details={**details, "verdict_if_learned": out.verdict,
                 "counterexample_if_learned": out.counterexample})


#: The one rule for an excess ratio (an ARE: a model's excess over the oracle divided by a
#: reference model's excess on the same test sequences) whose denominator is not separated from
#: 0. Both excesses are >= 0 in population (the oracle is the optimal predictor), so the ratio's
#: CI is [lo, ∞]: its lower end still bounds the ratio, and the cell's own rule is applied to
#: that interval, where only the lower end can decide.
OPEN_RATIO_RULE = ("an excess ratio whose denominator's CI reaches 0 is judged on [lo, ∞] by "
                   "the cell's own rule (both excesses are ≥ 0 in population, so the lower end "
                   "still bounds the ratio and only it can decide; one rule for every ratio "
                   "cell)")


def excess_ratio(lo: float, hi: float, den: Mapping[str, float],
                 decide: Callable[[float, float], Outcome], *, edge: float,
                 den_name: str) -> Outcome:
    """An excess ratio's CI [lo, hi] judged by the cell's own rule ``decide(lo, hi)``.

    ``den`` is the CI {"est", "lo", "hi"} of the ratio's denominator, ``den_name``'s excess over
    the oracle. While ``den["lo"] <= 0`` the ratio is unbounded above and ``decide`` runs on
    [lo, ∞] (:data:`OPEN_RATIO_RULE`); ``edge`` is the largest finite edge of the cell's target,
    the one the lower end must clear to decide. An undecided cell's ``to_decide`` then says
    so, and whether any number of test sequences can separate the denominator from 0 (none at
    an estimate <= 0: an excess at the oracle)."""
    if not math.isfinite(edge):
        raise ValidationError("edge", "must be the finite edge the lower end must clear",
                              repr(edge))
    if den["lo"] > 0:
        return decide(lo, hi)
    out = decide(lo, math.inf)
    note = (f" {den_name}'s excess CI [{den['lo']:.3g}, {den['hi']:.3g}] reaches 0, so the "
            f"ratio is unbounded above and only its lower end {lo:.4g} can decide "
            f"(the rule: {OPEN_RATIO_RULE}).")
    out = replace(out, evidence=out.evidence + note, rule=f"{out.rule}; {OPEN_RATIO_RULE}")
    if out.verdict != "inconclusive":
        return out
    cleared = f"the lower end {lo:.4g} clearing {edge:.4g}"
    if den["est"] <= 0:
        why = (f"{den_name}'s excess estimate {den['est']:.3g} is ≤ 0, at the oracle, so at "
               f"this estimate no number of test sequences separates it from 0 and the upper "
               f"end stays ∞")
        return replace(out, to_decide=f"{cleared} ({why})")
    return replace(out, to_decide=(
        f"{cleared}, or {den_name}'s excess separated from 0 (the upper end then finite): "
        + separation(den["lo"], den["hi"], den["est"], target_lo=0.0)))
