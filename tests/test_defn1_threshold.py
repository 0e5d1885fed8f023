"""chasm.defn1 thresholds: the float32 rounding bound they are derived from."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from empirics.experiments.chasm.defn1 import U32, _config, chain_length, rounding_threshold


@given(n=st.integers(2, 2000), seed=st.integers(0, 10_000))
def test_reordering_a_float32_sum_stays_within_n_u_sum_abs(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n).astype(np.float32)
    fwd = np.float32(0)
    for v in x:
        fwd = np.float32(fwd + v)
    bwd = np.float32(0)
    for v in x[rng.permutation(n)]:
        bwd = np.float32(bwd + v)
    assert abs(float(fwd) - float(bwd)) <= 2 * n * U32 * float(np.abs(x).sum())


@given(n=st.integers(2, 500), seed=st.integers(0, 10_000))
def test_samuelson_max_deviation_is_at_most_sqrt_n_minus_1_sd(n, seed):
    x = np.random.default_rng(seed).standard_normal(n) ** 3
    assert np.max(np.abs(x - x.mean())) <= np.sqrt(n - 1) * x.std(ddof=1) * (1 + 1e-12)


def test_threshold_is_the_formula():
    cfg = _config("quick")
    th = rounding_threshold(cfg)
    assert th["N"] == max(th["chains"].values())
    assert th["tau"] == th["N"] * 2.0**-24 * np.sqrt(cfg["n"] - 1)
    assert chain_length({"kind": "tf", "d_model": 32}, 64) == 2 * 64 + 4 * 32
    assert th["float64_floor"] < 1e-8 * th["tau"]
