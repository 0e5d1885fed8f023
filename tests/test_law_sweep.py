"""The law sweep of Exp VII and VIII: one rule (``over_values``) for every id, the trained law's
outcome beside the swept laws', no verdict without the sweep, and each swept run trained once."""
import numpy as np
import pytest

from chasm_theory import REPORTED_RULE, Context, NotRunError, decide, over_values
from chasm_theory.oracles.product_tracking import TRAINED_LAW, MatrixLaw
from empirics.experiments.chasm import exp8

LAWS = [MatrixLaw(shear=0.5), MatrixLaw(normalize="none")]


def _res(law: MatrixLaw, ratio: float) -> dict:
    """Exp VIII results whose every TF/SSM ratio CI is ratio × [0.9, 1.1], with per-sequence
    errors (2 seeds × 50 sequences) whose TF/SSM ratio is ``ratio`` within ±5 %."""
    ci = {"est": ratio, "lo": 0.9 * ratio, "hi": 1.1 * ratio}
    mse = {"est": 1.0, "lo": 0.9, "hi": 1.1}
    rng = np.random.default_rng(0)
    ssm = rng.uniform(0.5, 1.5, (2, 50))

    def seqs(m):
        return ssm if m == "ssm-kron" else ssm * ratio * rng.uniform(0.95, 1.05, ssm.shape)

    return {"law": law.as_dict(), "zero_predictor": {"64": 1.0, "256": 2.0 * ratio},
            "ratios": {m: {"64": dict(ci), "256": dict(ci)} for m in exp8.TFS},
            "models": {m: {"n_params": 1, "mse": {"64": mse},
                           "per_seq": {"64": seqs(m).tolist(), "256": seqs(m).tolist()}}
                       for m in exp8.MODELS}}


class _Ctx(Context):
    sweep: dict | None = None

    def experiment(self, name):
        assert name == exp8.SWEEP
        if self.sweep is None:
            raise NotRunError("no sweep run")
        return self.sweep


def _ctx(tmp_path, ratios: list[float] | None) -> _Ctx:
    ctx = _Ctx(reports_dir=tmp_path)
    if ratios is not None:
        ctx.sweep = {"rule": "test laws",
                     "laws": {law.name: _res(law, r) for law, r in zip(LAWS, ratios)}}
    return ctx


def _row(ctx, ratio):  # tf1l-none's row: paper 1.77 at k = 64, 2.78 at k = 256
    return exp8.over_laws(ctx, _res(TRAINED_LAW, ratio),
                          lambda r: exp8.row_outcome(r, "tf1l-none"), "row")


def test_the_common_verdict_over_the_laws_stands(tmp_path):
    out = _row(_ctx(tmp_path, [100.0, 100.0]), 100.0)  # outside [paper/2, 2·paper] on every law
    assert out.verdict == "fails"
    assert out.details["fails_on"] == [TRAINED_LAW.name, *(law.name for law in LAWS)]
    assert out.details["primary"] == TRAINED_LAW.name  # the table shows its cells
    assert TRAINED_LAW.name in out.counterexample
    assert set(out.measured) == {TRAINED_LAW.name, *(law.name for law in LAWS)}
    assert "fails on 3 of 3 laws" in out.headline
    # each law's scale (what predicting 0 scores) is beside its verdict
    assert f"{LAWS[0].name} [P̂ ≡ 0: MSE@64 1, MSE@256 200]: fails" in out.evidence
    wins = exp8.over_laws(_ctx(tmp_path, [100.0, 100.0]), _res(TRAINED_LAW, 100.0),
                          exp8.wins_outcome, "wins")
    assert wins.verdict == "holds"  # ratio > 1 on every law: the SSM wins


def test_laws_that_disagree_give_inconclusive_and_name_each_side(tmp_path):
    out = _row(_ctx(tmp_path, [100.0, 2.0]), 100.0)  # the last law sits inside the band
    assert out.verdict == "inconclusive"
    assert out.details["holds_on"] == [LAWS[1].name]
    assert out.details["fails_on"] == [TRAINED_LAW.name, LAWS[0].name]
    assert "law-dependent" in out.rule and REPORTED_RULE in out.rule


def test_without_the_sweep_the_trained_law_alone_decides_nothing(tmp_path):
    out = _row(_ctx(tmp_path, None), 100.0)
    assert out.verdict == "not-run"  # so `report --pending` reruns it once the sweep lands
    assert "not-run until every law is run" in out.rule
    assert out.details["parts"]["the other laws"]["verdict"] == "not-run"
    assert out.details["fails_on"] == [TRAINED_LAW.name]


@pytest.mark.parametrize(("verdicts", "expected"), [
    (["holds", "holds"], "holds"), (["fails", "fails"], "fails"),
    (["holds", "fails"], "inconclusive"), (["holds", "inconclusive"], "inconclusive"),
    (["fails", "not-run"], "not-run")])
def test_over_values_is_the_common_verdict_or_inconclusive(verdicts, expected):
    from chasm_theory import not_run

    parts = {f"v{i}": decide(v == "holds", predicted=1, measured=i, evidence="")
             if v in ("holds", "fails") else not_run("no run") if v == "not-run" else
             over_values({"a": decide(True, predicted=1, measured=0, evidence=""),
                          "b": decide(False, predicted=1, measured=0, evidence="")},
                         predicted=1, evidence="", per_value_rule="r")
             for i, v in enumerate(verdicts)}
    out = over_values(parts, predicted=1, evidence="", per_value_rule="per value: r",
                      unit="width", measured={"x": 1})
    assert out.verdict == expected
    assert out.measured == {"x": 1}
    assert "over the enumerated widths" in out.rule and "(width-dependent)" in out.rule
    assert (out.counterexample is not None) == (expected == "fails")


def test_the_sweeps_train_each_model_once_per_law_and_share_exp7_and_exp8_runs():
    from chasm_theory._experiments import get_experiment
    from chasm_theory.oracles.product_tracking import TRAINED_LAW
    from empirics.engine.product import SWEEP_LAWS
    from empirics.experiments.chasm import exp7

    e7, e8 = get_experiment("exp7_laws"), get_experiment("exp8_laws")
    c7, c8 = e7.config("full"), e8.config("full")
    r7, r8 = e7.training_runs(c7, 0), e8.training_runs(c8, 0)
    n_laws, n_seeds = len(SWEEP_LAWS), len(c7["seeds"])
    assert len({r.key for r in r7}) == len(exp7.MODELS) * n_laws * n_seeds
    assert len({r.key for r in r8}) == len(exp8.MODELS) * n_laws * n_seeds
    shared = {r.key for r in r7} & {r.key for r in r8}  # the SSM and TF-2L + RoPE, every law
    assert len(shared) == 2 * n_laws * n_seeds
    assert {r.task["law"]["shear"] for r in r7} == {law.shear for law in SWEEP_LAWS}
    assert TRAINED_LAW.as_dict() not in [r.task["law"] for r in r7 + r8]
    # the trained-law runs are not retrained by the sweeps
    base = {r.key for r in get_experiment("exp7").training_runs(exp7.exp7_config("full"), 0)}
    assert not base & {r.key for r in r7}


def test_ratio_growth_is_the_ratio_at_k1_over_the_ratio_at_k0_paired():
    from empirics.engine.evaluate import ratio_growth

    rng = np.random.default_rng(1)
    den = {k: rng.uniform(0.5, 1.5, (3, 40)) for k in (64, 256)}
    num = {64: 2.0 * den[64], 256: 6.0 * den[256]}  # ratio 2 at 64, 6 at 256: growth exactly 3
    res = {"models": {"a": {"per_seq": {str(k): v.tolist() for k, v in num.items()}},
                      "b": {"per_seq": {str(k): v.tolist() for k, v in den.items()}}}}
    g = ratio_growth(res, "a", "b", 64, 256)
    assert g["est"] == pytest.approx(3.0) and g["lo"] == pytest.approx(3.0)
    assert g["hi"] == pytest.approx(3.0)  # paired resampling: no spread when the ratio is exact
    flat = ratio_growth({"models": {"a": res["models"]["b"], "b": res["models"]["b"]}},
                        "a", "b", 64, 256)
    assert flat["est"] == pytest.approx(1.0)
