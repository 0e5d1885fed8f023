"""Verdict rules: each helper computes the verdict from the numbers it is given."""
import math

import pytest

from chasm_theory import Outcome, combine, compare_close, decide, decide_interval


def test_decide_carries_the_measurement_as_counterexample_when_failing():
    o = decide(False, predicted=1, measured=2, evidence="e")
    assert o.verdict == "fails" and o.counterexample == 2
    assert decide(True, predicted=1, measured=1, evidence="e").counterexample is None


def test_compare_close_uses_atol_plus_rtol():
    assert compare_close(1.05, 1.0, rtol=0.06, evidence="").verdict == "holds"
    assert compare_close(1.05, 1.0, rtol=0.04, evidence="").verdict == "fails"
    assert compare_close(math.nan, 1.0, atol=1e9, evidence="").verdict == "fails"


@pytest.mark.parametrize(
    ("lo", "hi", "verdict"),
    [(1.0, 2.0, "holds"), (3.5, 4.0, "fails"), (2.5, 3.5, "inconclusive"), (-1.0, -0.5, "fails")],
)
def test_decide_interval(lo, hi, verdict):
    o = decide_interval(lo, hi, target_lo=0.0, target_hi=3.0, predicted="[0,3]", measured=lo, evidence="")
    assert o.verdict == verdict
    assert (o.counterexample is not None) == (verdict == "fails")


def test_combine_is_a_conjunction():
    h = decide(True, predicted=0, measured=0, evidence="")
    f = decide(False, predicted=0, measured=1, evidence="")
    i = Outcome("inconclusive", 0, None, "")
    assert combine({"a": h, "b": h}, predicted="", evidence="").verdict == "holds"
    assert combine({"a": h, "b": i}, predicted="", evidence="").verdict == "inconclusive"
    c = combine({"a": i, "b": f}, predicted="", evidence="")
    assert c.verdict == "fails" and c.counterexample == {"b": 1}


def test_outcome_rejects_unknown_verdicts_and_bare_failures():
    with pytest.raises(ValueError, match="verdict"):
        Outcome("proven", 0, 0, "")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="counterexample"):
        Outcome("fails", 0, 0, "")
