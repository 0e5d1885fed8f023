"""The project's fixed judgement rules, one per kind of judgement, each applied to every id
alike: agreement with a value a paper reports from its own trained models, and "≈ the oracle"
said of a trained model. Each returns an :class:`~chasm_theory.Outcome` through
:func:`~chasm_theory.decide_interval`, so an undecided one says what would separate it."""
from __future__ import annotations

import math
from typing import Any

from chasm_theory._record import Outcome, decide_interval
from chasm_theory.errors import ValidationError

__all__ = ["REPORTED_FACTOR", "REPORTED_RULE", "match_reported", "NEAR_ORACLE", "near_oracle",
           "ATTAINABLE_RULE", "unattainable"]

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
