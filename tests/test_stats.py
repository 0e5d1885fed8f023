"""Bootstrap CIs, ratio-of-means CIs and log-log slopes against known answers."""
from __future__ import annotations

import numpy as np
import pytest

from chasm_theory.errors import ValidationError
from chasm_theory.stats import bootstrap_ci, loglog_slope, ratio_of_means_ci


def test_bootstrap_ci_matches_normal_theory():
    rng = np.random.default_rng(0)
    v = rng.normal(2.0, 1.0, 2000)
    ci = bootstrap_ci(v, n_boot=2000, rng=1)
    half = 1.96 / np.sqrt(v.size) * v.std(ddof=1)
    assert ci.lo < v.mean() < ci.hi
    assert abs((ci.hi - ci.lo) / 2 - half) < 0.15 * half


def test_bootstrap_coverage():
    rng = np.random.default_rng(1)
    cover = 0
    for i in range(200):
        ci = bootstrap_ci(rng.exponential(1.0, 100), n_boot=300, rng=i)
        cover += ci.lo <= 1.0 <= ci.hi
    assert 0.88 <= cover / 200 <= 0.99


def test_ratio_of_means():
    rng = np.random.default_rng(2)
    d = rng.exponential(1.0, 4000)
    n = 3.0 * d + rng.normal(0, 0.1, d.size)
    ci = ratio_of_means_ci(n, d, n_boot=2000, rng=0)
    r = n.mean() / d.mean()
    # delta method: se(r) = sd(n - r d) / (sqrt(N) mean(d))
    se = np.std(n - r * d, ddof=1) / (np.sqrt(d.size) * d.mean())
    assert ci.est == pytest.approx(r) and ci.lo < r < ci.hi
    assert abs((ci.hi - ci.lo) / 2 - 1.96 * se) < 0.15 * 1.96 * se
    assert abs(r - 3.0) < 5 * se
    with pytest.raises(ValidationError):
        ratio_of_means_ci(n, d[:10])


def test_loglog_slope_recovers_minus_one():
    rng = np.random.default_rng(3)
    ks = np.array([8, 16, 32, 64, 128, 256])
    units = [rng.exponential(1.0 / k, 500) for k in ks]
    fit = loglog_slope(ks, units, n_boot=300, rng=0)
    assert fit.lo < -1.0 < fit.hi
    exact = loglog_slope(ks, 5.0 / ks ** 0.5, n_boot=50)
    assert exact.slope == pytest.approx(-0.5)


def test_rejects_nonfinite():
    with pytest.raises(ValidationError):
        bootstrap_ci(np.array([1.0, np.nan]))


def test_ratio_ci_with_denominator_near_zero_has_infinite_upper_end():
    rng = np.random.default_rng(4)
    d = rng.normal(0.01, 1.0, 50)
    n = rng.normal(1.0, 1.0, 50)
    ci = ratio_of_means_ci(n, d, rng=0)
    assert not np.isnan(ci.lo) and not np.isnan(ci.hi)
    assert ci.hi == np.inf
