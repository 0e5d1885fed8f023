"""Verdict rules: each helper computes the verdict from the numbers it is given."""
import math

import pytest

from chasm_theory import (
    Outcome,
    combine,
    compare_close,
    decide,
    decide_interval,
    over_values,
    separation,
)


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
    o = decide_interval(lo, hi, target_lo=0.0, target_hi=3.0, predicted="[0,3]", measured=lo,
                        evidence="")
    assert o.verdict == verdict
    assert (o.counterexample is not None) == (verdict == "fails")


def test_combine_is_a_conjunction():
    h = decide(True, predicted=0, measured=0, evidence="")
    f = decide(False, predicted=0, measured=1, evidence="")
    i = Outcome("inconclusive", 0, None, "", to_decide="more data")
    assert combine({"a": h, "b": h}, predicted="", evidence="").verdict == "holds"
    hi = combine({"a": h, "b": i}, predicted="", evidence="")
    assert hi.verdict == "inconclusive" and hi.to_decide == "b: more data"
    c = combine({"a": i, "b": f}, predicted="", evidence="")
    assert c.verdict == "fails" and c.counterexample == {"b": 1}


def test_outcome_rejects_unknown_verdicts_and_bare_failures():
    with pytest.raises(ValueError, match="verdict"):
        Outcome("proven", 0, 0, "")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="counterexample"):
        Outcome("fails", 0, 0, "")
    with pytest.raises(ValueError, match="to_decide"):
        Outcome("inconclusive", 0, 0, "")


def test_separation_sizes_the_data_that_clears_the_edge():
    # estimate 2, CI [1, 4] straddling the edge 1.5 from above: reach 1 towards it, distance
    # 0.5, so (1/0.5)^2 = 4x the data puts a CI of half the reach inside the target
    o = decide_interval(1.0, 4.0, target_lo=1.5, predicted="> 1.5", evidence="",
                        measured={"est": 2.0, "lo": 1.0, "hi": 4.0})
    assert o.verdict == "inconclusive"
    assert "edge 1.5" in o.to_decide and "about 4×" in o.to_decide
    # each edge is read on its own side: the upper edge 3.9 (reach 2, distance 1.9: factor
    # 1.1) binds less than the lower edge 1.5 (factor 4)
    assert "about 4×" in separation(1.0, 4.0, 2.0, target_lo=1.5, target_hi=3.9)
    assert "sits on the target's edge" in separation(-1.0, 1.0, 0.0, target_lo=0.0)
    assert "cannot size" in separation(0.5, math.inf, math.inf, target_lo=1.0)


def test_over_values_names_the_values_on_each_side():
    h = decide(True, predicted=0, measured=0, evidence="")
    f = decide(False, predicted=0, measured=1, evidence="")
    o = over_values({"a": h, "b": f, "c": h}, predicted="", evidence="", per_value_rule="r")
    assert o.verdict == "inconclusive"
    assert "holds for a, c" in o.to_decide and "fails for b" in o.to_decide
    assert over_values({"a": h, "c": h}, predicted="", evidence="",
                       per_value_rule="r").to_decide == ""


def test_combine_lets_an_error_part_block_holds():
    h = decide(True, predicted=0, measured=0, evidence="")
    e = Outcome("error", 0, None, "the check raised")
    assert combine({"a": h, "b": e}, predicted="", evidence="").verdict == "error"


def test_stored_record_has_no_wall_clock_field():
    from chasm_theory import Record

    r = Record(id="x", source="s", statement="t", kind="numeric", verdict="holds", predicted=1,
               measured=1, tolerance=None, evidence="", seconds=1.25, headline="1")
    d = r.to_dict()
    assert "seconds" not in d and d["headline"] == "1" and r.seconds == 1.25


def test_round_sig_is_stable_and_keeps_non_floats():
    import numpy as np

    from chasm_theory._io import round_sig

    doc = {"a": 0.1 + 0.2, "b": [1.0 / 3, np.float32(2.5e-9)], "c": 7, "d": "x", "e": math.inf,
           "f": -0.0, "g": True, "h": np.arange(2, dtype=np.int64)}
    out = round_sig(doc, 6)
    assert out == {"a": 0.3, "b": [0.333333, 2.5e-9], "c": 7, "d": "x", "e": math.inf, "f": 0.0,
                   "g": True, "h": [0, 1]}
    assert round_sig(out, 6) == out  # idempotent: a second write changes nothing


def test_atomic_writes_are_readable_by_others(tmp_path):
    import os
    import stat

    from chasm_theory._io import atomic_write_json, atomic_write_text

    for p in (atomic_write_text(tmp_path / "a.md", "x"),
              atomic_write_json(tmp_path / "b.json", {})):
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o644


def test_match_reported_is_a_factor_band_around_the_papers_value():
    from chasm_theory import REPORTED_FACTOR, REPORTED_RULE, match_reported
    from chasm_theory.errors import ValidationError

    assert REPORTED_FACTOR == 2.0
    inside = match_reported(60.0, 200.0, 106.8, evidence="")  # band [53.4, 213.6]
    assert inside.verdict == "holds" and inside.rule == REPORTED_RULE
    assert inside.predicted == 106.8 and inside.measured == [60.0, 200.0]
    out = match_reported(1.02, 9.46, 106.8, evidence="")
    assert out.verdict == "fails" and out.counterexample == {"ci": [1.02, 9.46],
                                                              "target": [53.4, 213.6]}
    assert match_reported(40.0, 60.0, 106.8, evidence="").verdict == "inconclusive"
    for bad in (0.0, -1.0, math.inf):
        with pytest.raises(ValidationError, match="reported"):
            match_reported(1.0, 2.0, bad, evidence="")


def test_near_oracle_is_a_band_relative_to_the_oracles_own_risk():
    from chasm_theory import NEAR_ORACLE, near_oracle
    from chasm_theory.errors import ValidationError

    assert NEAR_ORACLE == 0.02
    # oracle risk 2.5: the band is ±0.05
    assert near_oracle(-0.01, 0.04, 2.5, evidence="", measured=None).verdict == "holds"
    far = near_oracle(0.06, 0.09, 2.5, evidence="", measured=None)
    assert far.verdict == "fails" and "±0.05" in far.rule
    assert near_oracle(0.03, 0.07, 2.5, evidence="", measured=None).verdict == "inconclusive"
    with pytest.raises(ValidationError, match="oracle_risk"):
        near_oracle(0.0, 0.1, 0.0, evidence="", measured=None)


def test_a_reported_risk_below_our_laws_bayes_risk_is_unattainable():
    from chasm_theory import unattainable
    from chasm_theory.errors import ValidationError

    assert unattainable({"a": 0.355, "b": 0.886, "c": 0.83}, 0.83) == {"a": 0.355}
    assert unattainable({"a": 1.0}, 0.5) == {}
    with pytest.raises(ValidationError, match="bayes_risk"):
        unattainable({"a": 1.0}, float("nan"))


def test_a_model_learned_its_task_when_its_ci_clears_the_baseline_on_the_better_side():
    from chasm_theory import BASELINES, beats_baseline
    from chasm_theory.errors import ValidationError

    acc = dict(model="m", metric="accuracy", higher_is_better=True, kind="next-symbol")
    assert beats_baseline(0.15, 0.16, 0.138, **acc).verdict == "holds"
    assert beats_baseline(0.12, 0.13, 0.138, **acc).verdict == "fails"
    assert beats_baseline(0.13, 0.15, 0.138, **acc).verdict == "inconclusive"
    mse = dict(model="m", metric="MSE", higher_is_better=False, kind="real")
    assert beats_baseline(0.8, 0.9, 1.0, **mse).verdict == "holds"  # below the zero predictor
    assert beats_baseline(1.1, 1.3, 1.0, **mse).verdict == "fails"
    assert set(BASELINES) == {"next-symbol", "class", "real"}
    with pytest.raises(ValidationError, match="kind"):
        beats_baseline(0.1, 0.2, 0.1, model="m", metric="a", higher_is_better=True, kind="text")
    with pytest.raises(ValidationError, match="baseline"):
        beats_baseline(0.1, 0.2, math.nan, **acc)


def test_a_comparison_is_decided_only_when_every_favoured_model_learned():
    from chasm_theory import LEARNED_RULE, beats_baseline, require_learned
    from chasm_theory.errors import ValidationError

    acc = dict(metric="accuracy", higher_is_better=True, kind="next-symbol")
    lost = decide_interval(-0.014, -0.004, target_lo=0.0, predicted="> 0", measured="gap",
                           evidence="A − B")
    learned = {"A": beats_baseline(0.15, 0.16, 0.138, model="A", **acc)}
    not_learned = {"A": beats_baseline(0.12, 0.13, 0.138, model="A", **acc)}
    # a favoured model that learned: the verdict stands, the baseline check is on record
    kept = require_learned(lost, learned)
    assert kept.verdict == "fails" and kept.details["learned"]["A"]["verdict"] == "holds"
    # one that did not: a failure to learn never refutes; the lean is kept
    capped = require_learned(lost, not_learned)
    assert capped.verdict == "inconclusive" and capped.counterexample is None
    assert capped.details["verdict_if_learned"] == "fails"
    assert LEARNED_RULE in capped.rule and "A must beat its baseline" in capped.to_decide
    # nor does a comparison of models that did not learn confirm anything
    won = decide_interval(0.004, 0.014, target_lo=0.0, predicted="> 0", measured="gap",
                          evidence="A − B")
    assert require_learned(won, not_learned).verdict == "inconclusive"
    assert require_learned(won, {**learned, "C": not_learned["A"]}).verdict == "inconclusive"
    # an undecided comparison stays as it is
    open_ = decide_interval(-0.01, 0.01, target_lo=0.0, predicted="> 0", measured="gap",
                            evidence="")
    assert require_learned(open_, not_learned).to_decide == open_.to_decide
    with pytest.raises(ValidationError, match="learned"):
        require_learned(won, {})


def test_an_excess_ratio_with_its_denominator_at_0_is_judged_by_its_lower_end():
    from chasm_theory import (
        OPEN_RATIO_RULE,
        REPORTED_FACTOR,
        ValidationError,
        excess_ratio,
        match_reported,
    )

    paper = 100.0  # band [50, 200]
    edge = REPORTED_FACTOR * paper

    def decide(lo, hi):
        return match_reported(lo, hi, paper, evidence="")

    separated = {"est": 0.01, "lo": 0.005, "hi": 0.015}
    at_oracle = {"est": -1e-5, "lo": -0.005, "hi": 0.005}
    reaching = {"est": 0.005, "lo": -0.002, "hi": 0.012}
    # a denominator separated from 0: the cell's own rule on its own interval
    assert excess_ratio(60.0, 150.0, separated, decide, edge=edge,
                        den_name="the SSM").verdict == "holds"
    # denominator reaching 0: the interval is [lo, inf], so a match can never hold ...
    open_ = excess_ratio(60.0, 150.0, reaching, decide, edge=edge, den_name="the SSM")
    assert open_.verdict == "inconclusive" and OPEN_RATIO_RULE in open_.rule
    assert "clearing 200" in open_.to_decide and "samples" in open_.to_decide
    # ... but a lower end above the band refutes it
    high = excess_ratio(250.0, math.inf, at_oracle, decide, edge=edge, den_name="the SSM")
    assert high.verdict == "fails" and "unbounded above" in high.evidence
    # at the oracle no sample size separates the denominator: only the lower end can decide
    stuck = excess_ratio(37.0, math.inf, at_oracle, decide, edge=edge, den_name="the SSM")
    assert stuck.verdict == "inconclusive"
    assert "no number of test sequences" in stuck.to_decide and "samples" not in stuck.to_decide
    # a one-sided bound ("ARE ≥ b") holds from the lower end alone

    def at_least(lo, hi):
        return decide_interval(lo, hi, target_lo=10.0, predicted="ARE ≥ 10", measured=None,
                               evidence="")

    assert excess_ratio(12.0, math.inf, at_oracle, at_least, edge=10.0,
                        den_name="the SSM").verdict == "holds"
    with pytest.raises(ValidationError, match="edge"):
        excess_ratio(1.0, 2.0, at_oracle, at_least, edge=math.inf, den_name="the SSM")
