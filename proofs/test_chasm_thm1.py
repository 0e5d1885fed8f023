"""000 Theorem 1 / Lemma 1: the hand-set Kronecker SSM tracks products to rounding precision; the
sign of the second-moment rate decides the raw lower bound per law (the zero predictor refutes it
where the second moment shrinks; bounded predictors cannot escape it where it grows)."""
import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from chasm_theory import Context, run_claim
from chasm_theory.oracles.product_tracking import (
    PREVIOUS_LAW,
    TRAINED_LAW,
    MatrixLaw,
    abs_product_bound,
    gamma,
    handset_kronecker_ssm,
    running_products,
    sample_matrices,
    second_moment_exact,
    second_moment_operator,
)
from empirics.models.kronecker_ssm import KroneckerSSM, handset_


@given(st.integers(0, 2**31 - 1), st.integers(1, 64))
def test_handset_error_within_bound(seed, T):
    M = sample_matrices(MatrixLaw(), 3, T, np.random.default_rng(seed))
    ref = running_products(M.astype(np.longdouble)).astype(np.float64)
    P = handset_kronecker_ssm(M, np.float32).astype(np.float64)[..., [0, 2, 1, 3]]
    P = P.reshape(3, T, 2, 2)
    bound = gamma(5 * np.arange(1, T + 1), 2.0 ** -24)[None, :, None, None] * abs_product_bound(M)
    assert np.all(np.abs(P - ref) <= bound)


def test_bound_can_be_violated():
    M = sample_matrices(MatrixLaw(), 2, 32, np.random.default_rng(0))
    bound = gamma(5 * np.arange(1, 33), 2.0 ** -24)[None, :, None, None] * abs_product_bound(M)
    wrong = running_products(M) * (1 + 1e-4)  # a 1e-4 relative error exceeds float32 rounding
    assert np.any(np.abs(wrong - running_products(M)) > bound)


def test_torch_handset_equals_numpy_handset_in_float64():
    M = sample_matrices(MatrixLaw(), 2, 100, np.random.default_rng(1))
    model = handset_(KroneckerSSM(scan="loop")).double()
    with torch.no_grad():
        y = model(torch.from_numpy(M.reshape(2, 100, 4))).numpy()
    P = handset_kronecker_ssm(M, np.float64)[..., [0, 2, 1, 3]]
    np.testing.assert_array_equal(y, P)


def test_zero_predictor_risk_vanishes_under_the_previous_law():
    M = sample_matrices(PREVIOUS_LAW, 100_000, 1, np.random.default_rng(2))[:, 0]
    G = second_moment_operator(M)
    m = second_moment_exact(G, [64, 512, 4096])
    assert m[0] > m[1] > m[2] and m[2] < 0.01 * m[0]


class _Ctx(Context):
    results: dict = {}

    def experiment(self, name):
        return self.results[name]


def _thm1_run(tmp_path, law):
    import json

    import empirics.experiments.chasm.thm1 as t1
    from chasm_theory._experiments import RunEnv
    from chasm_theory._io import to_json

    cfg = t1._config("quick")  # reduced sizes, same code
    cfg["law"] = law.as_dict()
    cfg["handset"].update(n=4, n_mpmath=1)
    cfg["scale"].update(n_lyap=100, n_G=40_000, n_mc=200)
    cfg["sweep"].update(shears=[0.0, law.shear], n_G=40_000, n_lyap=100, T_lyap=512,
                        n_commute=2000)
    return json.loads(to_json(t1.run(cfg, RunEnv("quick", "cpu", 0, tmp_path))))


def _trained(nmse: float) -> dict:
    """A stand-in exp7/exp8 result: every model at normalised MSE ``nmse`` with a tight CI."""
    from empirics.experiments.chasm.thm1_bound import RELATIVE_MODELS

    ks = ["64", "256", "512"]
    zp = {k: 2.0 for k in ks}
    models = {n: {"mse": {k: {"est": 2 * nmse, "lo": 1.9 * nmse, "hi": 2.1 * nmse} for k in ks},
                  "nmse": {k: nmse for k in ks}} for _, names in RELATIVE_MODELS for n in names}
    return {"zero_predictor": zp, "models": models}


def test_claims_computed_on_the_trained_and_the_previous_law(tmp_path):
    ctx = _Ctx(reports_dir=tmp_path)
    ctx.results = {"thm1": _thm1_run(tmp_path, TRAINED_LAW), "exp7": _trained(0.5),
                   "exp8": _trained(0.5)}
    assert run_claim("chasm.thm1.chasm.handset-ssm", ctx).verdict == "holds"
    assert run_claim("chasm.thm1.noncommuting", ctx).verdict == "holds"
    raw = run_claim("chasm.thm1.chasm.raw-risk", ctx)
    # App C.6 as written: capped laws shrink (fails), uncapped ones grow (holds): law-dependent
    assert raw.verdict == "inconclusive"
    assert "none/rescale/shear=0" in raw.details["fails_on"]
    assert "none/none/shear=0" in raw.details["holds_on"]
    step3 = run_claim("chasm.thm1.proof-step3", ctx)
    assert step3.verdict == "fails" and step3.counterexample["law"]["shear"] == 0.0
    assert step3.counterexample["law"]["cap"] == "rescale"
    ek = step3.counterexample["E_k = E‖P_k‖²"]
    assert ek["64"] > ek["256"] > ek["512"]
    # the theorem-level id: SSM part holds, raw bound holds on the (growing) trained law, the
    # trained part can only support: inconclusive, never carrying the shrinking laws' failure
    top = run_claim("chasm.thm1.chasm", ctx)
    assert top.verdict == "inconclusive"
    parts = top.details["parts"]
    assert parts["handset-ssm"]["verdict"] == "holds"
    assert parts[f"raw-risk@{TRAINED_LAW.name}"]["verdict"] == "holds"
    assert parts["relative-risk (trained)"]["verdict"] == "inconclusive"
    # on a shrinking law the same check fails: the zero predictor is the counterexample
    ctx.results["thm1"] = _thm1_run(tmp_path, PREVIOUS_LAW)
    assert run_claim("chasm.thm1.chasm", ctx).verdict == "fails"


def test_trained_law_rule_picks_the_default_law():
    from chasm_theory.oracles.product_tracking import choose_law, law_scale

    rng = np.random.default_rng(11)
    rows = [law_scale(MatrixLaw(shear=sh, cap=cap, normalize=nz), rng, n_G=100_000, n_lyap=200,
                      T_lyap=1024)
            for nz in ("none", "det") for cap in ("rescale", "reject")
            for sh in (0.1, 0.2, 0.3, 0.5)]
    assert choose_law(rows)["law"] == TRAINED_LAW.as_dict() == MatrixLaw().as_dict()


def test_bounded_predictor_lower_bound_on_a_growing_law():
    """Minkowski: any predictor with ‖P̂‖_F ≤ B has E‖P̂ − P‖² ≥ (sqrt(E‖P‖²) − B)²; the best
    such predictor (P projected on the ball) attains E(‖P‖ − B)₊², growing with k here."""
    M = sample_matrices(TRAINED_LAW, 4000, 512, np.random.default_rng(12))
    P = running_products(M)
    n = np.sqrt((P ** 2).sum((-2, -1)))  # (n, T)
    B = 3.0
    best = (np.maximum(n - B, 0) ** 2).mean(0)
    lower = np.maximum(np.sqrt((n ** 2).mean(0)) - B, 0) ** 2
    assert np.all(best >= lower - 1e-9)
    assert best[511] > best[255] > best[63]


def test_quotes_are_verbatim_in_the_seed_text():
    import re
    from pathlib import Path

    from chasm_theory._registry import all_claims, get_claim

    # the vendored copy (tests/test_quotes.py keeps it equal to ../shared/seeds where present)
    seeds = Path(__file__).resolve().parents[1] / "chasm_theory" / "contract" / "seeds"
    seed = next(seeds.glob("000_*.txt"))
    text = re.sub(r"\s+", " ", seed.read_text())
    ids = [i for i in all_claims() if i.startswith("chasm.thm1.")]
    assert len(ids) >= 6
    for i in ids:
        q = get_claim(i).quote
        assert q and re.sub(r"\s+", " ", q) in text, i


def _row(lo, hi, name):
    return {"name": name, "law": MatrixLaw().as_dict(),
            "second_moment_rate": {"est": (lo + hi) / 2, "se": (hi - lo) / 3.92, "lo": lo,
                                   "hi": hi},
            "lyapunov_top": {"est": 0.0, "se": 1e-4}, "zero_mse_last": {"512": 1.0}}


def test_per_law_rule_and_one_verdict_over_the_laws():
    from empirics.experiments.chasm.thm1_bound import law_outcome, over_laws

    shrink, grow, edge = _row(-0.02, -0.01, "a"), _row(0.01, 0.02, "b"), _row(-0.01, 0.01, "c")
    assert [law_outcome(r).verdict for r in (shrink, grow, edge)] == ["fails", "holds",
                                                                      "inconclusive"]
    kw = {"predicted": "", "evidence": ""}
    all_fail = over_laws({"a": law_outcome(shrink), "a2": law_outcome(shrink)}, **kw)
    assert all_fail.verdict == "fails" and "a" in all_fail.counterexample
    assert over_laws({"b": law_outcome(grow)}, **kw).verdict == "holds"
    mixed = over_laws({"a": law_outcome(shrink), "b": law_outcome(grow)}, **kw)
    assert mixed.verdict == "inconclusive" and mixed.details["fails_on"] == ["a"]
