"""Monte Carlo helpers shared by the chasm claim modules: a mean with a normal confidence
interval, and the verdict "an exact value agrees with a Monte Carlo estimate"."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chasm_theory._record import Outcome, decide_interval

Z999 = 3.2905  # two-sided 99.9% normal quantile


def mean_ci(samples: np.ndarray, z: float = Z999) -> tuple[float, float, float]:
    """(mean, lo, hi) of a normal-approximation CI for the mean of i.i.d. ``samples`` (n,)."""
    s = np.asarray(samples, dtype=np.float64).reshape(-1)
    m = float(s.mean())
    se = float(s.std(ddof=1) / math.sqrt(s.size))
    return m, m - z * se, m + z * se


def z_bonferroni(n_tests: int, family_level: float = 1e-3) -> float:
    """Two-sided normal quantile for ``n_tests`` comparisons at family-wise level
    ``family_level`` (Bonferroni)."""
    from scipy.stats import norm

    return float(norm.ppf(1.0 - family_level / (2.0 * max(1, n_tests))))


def exact_in_ci(
    samples: np.ndarray, exact: float, *, what: str, n_tests: int = 1, **kw: Any
) -> Outcome:
    """holds iff the exact value lies inside the CI of the Monte Carlo mean; fails iff outside.

    The CI is two-sided at family-wise level 0.001 over the ``n_tests`` Monte Carlo comparisons
    a claim makes (Bonferroni), with a fixed seed."""
    z = z_bonferroni(n_tests)
    m, lo, hi = mean_ci(samples, z)
    return decide_interval(
        float(exact),
        float(exact),
        target_lo=lo,
        target_hi=hi,
        predicted=float(exact),
        measured={"mc_mean": m, "ci": [lo, hi], "z": z, "n": int(np.size(samples))},
        evidence=f"{what}: exact {exact:.6g}, Monte Carlo {m:.6g} with CI [{lo:.6g}, {hi:.6g}] "
        f"(z = {z:.2f}) from {np.size(samples)} draws.",
        rule=f"exact value inside the CI (z = {z:.2f}: family-wise level 0.001 over {n_tests} "
        "Monte Carlo comparisons) -> holds, outside -> fails",
        **kw,
    )
