"""The law sweep of Exp VII and VIII: one rule (``over_values``) for every id, the trained law's
outcome beside the swept laws', no verdict without the sweep, and each swept run trained once."""
import numpy as np
import pytest

from chasm_theory import REPORTED_RULE, Context, NotRunError, decide, over_values
from chasm_theory.oracles.product_tracking import TRAINED_LAW, MatrixLaw
from empirics.experiments.chasm import exp8

LAWS = [MatrixLaw(shear=0.5), MatrixLaw(normalize="none")]


def _ci(v: float) -> dict:
    return {"est": v, "lo": 0.9 * v, "hi": 1.1 * v}


def _res(law: MatrixLaw, ratio: float, ssm_mse: float = 0.5) -> dict:
    """Exp VIII results whose every TF/SSM ratio CI is ratio × [0.9, 1.1], with per-sequence
    errors (2 seeds × 50 sequences) whose TF/SSM ratio is ``ratio`` within ±5 %; every MSE@k CI
    is 0.5 × [0.9, 1.1] (the SSM's: ``ssm_mse`` × [0.9, 1.1]) against P̂ ≡ 0's MSE@64 1 and
    MSE@256 2·ratio."""
    rng = np.random.default_rng(0)
    ssm = rng.uniform(0.5, 1.5, (2, 50))

    def seqs(m):
        return ssm if m == "ssm-kron" else ssm * ratio * rng.uniform(0.95, 1.05, ssm.shape)

    def mse(m):
        return _ci(ssm_mse if m == "ssm-kron" else 0.5)

    return {"law": law.as_dict(), "zero_predictor": {"64": 1.0, "256": 2.0 * ratio},
            "ratios": {m: {"64": _ci(ratio), "256": _ci(ratio)} for m in exp8.TFS},
            "models": {m: {"n_params": 1, "mse": {"64": mse(m), "256": mse(m)},
                           "per_seq": {"64": seqs(m).tolist(), "256": seqs(m).tolist()}}
                       for m in exp8.MODELS}}


class _Ctx(Context):
    sweep: dict | None = None

    def experiment(self, name):
        assert name == exp8.SWEEP
        if self.sweep is None:
            raise NotRunError("no sweep run")
        return self.sweep


def _ctx(tmp_path, ratios: list[float] | None, ssm_mse: float = 0.5) -> _Ctx:
    ctx = _Ctx(reports_dir=tmp_path)
    if ratios is not None:
        ctx.sweep = {"rule": "test laws",
                     "laws": {law.name: _res(law, r, ssm_mse) for law, r in zip(LAWS, ratios)}}
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


@pytest.mark.parametrize(("ratio", "lean"), [(100.0, "holds"), (0.5, "fails")])
def test_a_comparison_whose_favoured_ssm_did_not_learn_is_inconclusive_lean_kept(
        tmp_path, ratio, lean):
    """The learned rule on every law before the verdict over the laws: an SSM whose MSE@k CI is
    above P̂ ≡ 0's (500 × [0.9, 1.1] vs 1 and 2·ratio) has not learned the task, so neither a win
    nor a loss of it decides the comparison; the lean and every law's checks are kept."""
    laws = [TRAINED_LAW.name, *(law.name for law in LAWS)]
    learned = exp8.over_laws(_ctx(tmp_path, [ratio] * 2), _res(TRAINED_LAW, ratio),
                             exp8.wins_outcome, "wins")
    assert learned.verdict == lean and "verdict_if_learned" not in learned.details
    assert learned.details["learned"][TRAINED_LAW.name]["ssm-kron@256"]["verdict"] == "holds"
    out = exp8.over_laws(_ctx(tmp_path, [ratio] * 2, ssm_mse=500.0),
                         _res(TRAINED_LAW, ratio, ssm_mse=500.0), exp8.wins_outcome, "wins")
    assert out.verdict == "inconclusive" and out.counterexample is None
    assert out.details["verdict_if_learned"] == lean
    assert (out.details["counterexample_if_learned"] is None) == (lean == "holds")
    assert set(out.details["learned"]) == set(laws)  # each law carries its own checks
    for law in laws:
        checks = out.details["learned"][law]
        assert {c: v["verdict"] for c, v in checks.items()} == {
            "ssm-kron@64": "fails", "ssm-kron@256": "fails"}
        part = out.details["parts"][law]
        assert part["verdict"] == "inconclusive"
        assert part["details"]["verdict_if_learned"] == lean
    assert "the learned rule" in out.rule
    assert f"did not beat P̂ ≡ 0; lean {lean}" in out.evidence
    # the growth of the ratio is the SSM's advantage too: the same checks on every law
    grows = exp8.over_laws(_ctx(tmp_path, [ratio] * 2, ssm_mse=500.0),
                           _res(TRAINED_LAW, ratio, ssm_mse=500.0), exp8.grows_outcome, "grows")
    assert set(grows.details["learned"]) == set(laws)


def test_the_crossover_checks_each_length_against_its_own_winner(tmp_path):
    """TF-2L + RoPE is favoured at k = 64, the SSM at k = 256: a loss of a TF-2L that learned
    (ratio@64 > 1) refutes even when the SSM did not learn; a win of that SSM at 256 decides
    nothing."""
    out = exp8.over_laws(_ctx(tmp_path, [100.0] * 2, ssm_mse=500.0),
                         _res(TRAINED_LAW, 100.0, ssm_mse=500.0), exp8.cross_outcome, "cross")
    assert out.verdict == "fails"
    trained = out.details["parts"][TRAINED_LAW.name]["details"]["parts"]
    assert trained["k=64"]["verdict"] == "fails"
    assert trained["k=256"]["verdict"] == "inconclusive"
    assert trained["k=256"]["details"]["verdict_if_learned"] == "holds"
    checks = out.details["learned"][TRAINED_LAW.name]
    assert checks["k=64"]["tf2l-rope@64"]["verdict"] == "holds"
    assert checks["k=256"]["ssm-kron@256"]["verdict"] == "fails"


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


def test_each_exp7_comparison_checks_the_models_it_favours():
    """Which (model, k) each Exp VII comparison must see learned: TF-4L + RoPE at the training
    length, the SSM where it is said to win (256, 512) or where its advantage is said to grow."""
    from empirics.experiments.chasm import exp7

    rng = np.random.default_rng(0)
    seqs = {k: rng.uniform(0.5, 1.5, (2, 20)).tolist() for k in ("64", "256", "512")}
    res = {"zero_predictor": {"64": 1.0, "256": 1.0, "512": 1.0},
           "models": {m: {"mse": {k: _ci(0.5) for k in seqs}, "per_seq": seqs,
                          "nmse": {k: 0.5 for k in seqs}}
                      for m in exp7.MODELS}}
    for fn, favoured in ((exp7.tf4l_best_outcome, {"tf4l-rope@64"}),
                         (exp7.ssm_beats_tf4l_outcome, {"ssm-kron@256", "ssm-kron@512"}),
                         (exp7.ssm_beats_all_outcome, {"ssm-kron@256", "ssm-kron@512"}),
                         (exp7.hybrid_outcome, {"ssm-kron@256", "ssm-kron@512"}),
                         (exp7.grows_outcome, {"ssm-kron@64", "ssm-kron@256"})):
        out = fn(res)
        assert set(out.details["learned"]) == favoured, fn.__name__
        assert "favours" in out.reading
    assert "learned" not in exp7.lintf_outcome(res).details  # not a comparison
