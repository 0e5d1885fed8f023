"""000 Theorem 1 / Lemma 1: the hand-set Kronecker SSM tracks products to rounding precision; the
task's second moment decays, so the zero predictor's excess risk vanishes with k."""
import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from chasm_theory import Context, run_claim
from chasm_theory.oracles.product_tracking import (
    PREVIOUS_LAW,
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
    P = handset_kronecker_ssm(M, np.float32).astype(np.float64)[..., [0, 2, 1, 3]].reshape(3, T, 2, 2)
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


def test_zero_predictor_risk_vanishes_under_the_law():
    G = second_moment_operator(sample_matrices(PREVIOUS_LAW, 100_000, 1, np.random.default_rng(2))[:, 0])
    m = second_moment_exact(G, [64, 512, 4096])
    assert m[0] > m[1] > m[2] and m[2] < 0.01 * m[0]


class _Ctx(Context):
    def experiment(self, name):
        return _RES


_RES: dict = {}


def test_claims_computed(tmp_path):
    import json

    import empirics.experiments.chasm.thm1 as t1
    from chasm_theory._experiments import RunEnv
    from chasm_theory._io import to_json

    cfg = t1._config("quick")  # reduced sizes, same code
    cfg["law"] = PREVIOUS_LAW.as_dict()
    cfg["handset"].update(n=4, n_mpmath=1)
    cfg["scale"].update(n_lyap=100, n_G=40_000, n_mc=200)
    cfg["sensitivity"].update(shears=[0.2], n=20_000)
    _RES.update(json.loads(to_json(t1.run(cfg, RunEnv("quick", "cpu", 0, tmp_path)))))
    ctx = _Ctx(reports_dir=tmp_path)
    assert run_claim("chasm.thm1.chasm.handset-ssm", ctx).verdict == "holds"
    assert run_claim("chasm.thm1.noncommuting", ctx).verdict == "holds"
    rec = run_claim("chasm.thm1.chasm.raw-risk", ctx)
    assert rec.verdict == "fails"
    ex = rec.counterexample["excess_risk_at_k"]
    assert ex["64"] > ex["512"] > ex["4096"]
