"""Confidence intervals for the measured risks: percentile bootstrap, ratio of means,
log-log slope, and the hierarchical bootstrap over training seeds and test units.

:func:`bootstrap_ci` / :func:`ratio_of_means_ci` resample i.i.d. units (test sequences) only:
sampling noise of the test set. :func:`hier_ci`, :func:`paired_ratio_ci` and
:func:`paired_diff_ci` take values (n_seeds, n_units): resample the training seeds, then the
units within each resampled seed, so their intervals include seed-to-seed training variance.
:func:`seeds_ci` / :func:`seeds_ratio_ci` pick between the two by the number of seeds (one seed:
the unit bootstrap; several: the hierarchical one) -- the one rule every experiment uses.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from chasm_theory.errors import ValidationError

__all__ = ["CI", "bootstrap_ci", "ratio_of_means_ci", "loglog_slope", "SlopeFit", "mean_ci",
           "hier_ci", "paired_ratio_ci", "paired_diff_ci", "seeds_ci", "seeds_ratio_ci",
           "seeds_boot_means"]


class CI(NamedTuple):
    """Point estimate and interval [lo, hi] at ``level``."""

    est: float
    lo: float
    hi: float
    level: float

    def as_dict(self) -> dict[str, float]:
        return {"est": self.est, "lo": self.lo, "hi": self.hi, "level": self.level}


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _check(values: np.ndarray, name: str) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or v.size < 2:
        raise ValidationError(name, "must be a 1-d array of at least 2 values", f"shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValidationError(name, "must be finite", f"{int((~np.isfinite(v)).sum())} non-finite")
    return v


def bootstrap_ci(
    values: np.ndarray,
    stat: Callable[[np.ndarray], float] = np.mean,
    n_boot: int = 1000,
    level: float = 0.95,
    rng: np.random.Generator | int | None = 0,
) -> CI:
    """Percentile bootstrap CI of ``stat(values)``; values (n,) i.i.d. units."""
    v = _check(values, "values")
    if not 0 < level < 1:
        raise ValidationError("level", "must lie in (0, 1)", repr(level))
    if n_boot < 10:
        raise ValidationError("n_boot", "must be >= 10", repr(n_boot))
    g = _rng(rng)
    idx = g.integers(0, v.size, size=(n_boot, v.size))
    boots = v[idx].mean(axis=1) if stat is np.mean else np.array([stat(v[i]) for i in idx])
    a = (1 - level) / 2
    lo, hi = np.quantile(boots, [a, 1 - a])
    return CI(float(stat(v)), float(lo), float(hi), level)


def mean_ci(values: np.ndarray, **kw: object) -> CI:
    return bootstrap_ci(values, np.mean, **kw)  # type: ignore[arg-type]


def ratio_of_means_ci(
    num: np.ndarray,
    den: np.ndarray,
    n_boot: int = 1000,
    level: float = 0.95,
    rng: np.random.Generator | int | None = 0,
    paired: bool = True,
) -> CI:
    """CI of mean(num) / mean(den) by percentile bootstrap. ``paired``: num[i] and den[i] come
    from the same unit (resampled together); else resampled independently. A ratio whose
    denominator resamples to ≤ 0 gives +inf for that replicate (so the upper end can be inf)."""
    a, b = _check(num, "num"), _check(den, "den")
    if paired and a.size != b.size:
        raise ValidationError(
            "den", "paired samples must have the length of num", f"{b.size} vs {a.size}"
        )
    g = _rng(rng)
    ia = g.integers(0, a.size, size=(n_boot, a.size))
    ib = ia if paired else g.integers(0, b.size, size=(n_boot, b.size))
    ma, mb = a[ia].mean(axis=1), b[ib].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(mb > 0, ma / np.where(mb > 0, mb, 1.0), np.inf)
    q = (1 - level) / 2
    # inverted_cdf picks order statistics, so +inf replicates give an infinite end, not nan
    lo, hi = np.quantile(r, [q, 1 - q], method="inverted_cdf")
    est = a.mean() / b.mean() if b.mean() > 0 else np.inf
    return CI(float(est), float(lo), float(hi), level)


class SlopeFit(NamedTuple):
    """log y = intercept + slope · log x; slope CI by bootstrap over the points (or over units)."""

    slope: float
    intercept: float
    lo: float
    hi: float
    level: float


def loglog_slope(
    x: np.ndarray,
    y: np.ndarray | list[np.ndarray],
    n_boot: int = 1000,
    level: float = 0.95,
    rng: np.random.Generator | int | None = 0,
) -> SlopeFit:
    """Least-squares slope of log y vs log x.

    ``y`` is either (p,) positive values (bootstrap over the p points, residual-free pairs
    resampling), or a list of p arrays of per-unit values whose means are the y's (bootstrap
    resamples units within each x, the usual case for per-k risks)."""
    lx = np.log(np.asarray(x, dtype=float))
    g = _rng(rng)
    if isinstance(y, list):
        units = [_check(u, "y[i]") for u in y]
        means = np.array([u.mean() for u in units])
        if np.any(means <= 0):
            raise ValidationError("y", "means must be positive for a log-log fit", str(means))
        s, c = np.polyfit(lx, np.log(means), 1)
        boots = []
        for _ in range(n_boot):
            m = np.array([u[g.integers(0, u.size, u.size)].mean() for u in units])
            if np.all(m > 0):
                boots.append(np.polyfit(lx, np.log(m), 1)[0])
    else:
        yy = np.asarray(y, dtype=float)
        if yy.shape != lx.shape or np.any(yy <= 0):
            raise ValidationError("y", "must be positive with the shape of x", str(yy.shape))
        ly = np.log(yy)
        s, c = np.polyfit(lx, ly, 1)
        boots = []
        for _ in range(n_boot):
            i = g.integers(0, lx.size, lx.size)
            if np.unique(lx[i]).size >= 2:
                boots.append(np.polyfit(lx[i], ly[i], 1)[0])
    q = (1 - level) / 2
    lo, hi = np.quantile(np.array(boots), [q, 1 - q])
    return SlopeFit(float(s), float(c), float(lo), float(hi), level)


# ----------------------------------------------------------------------------- over seeds


def _boot_idx(rng: np.random.Generator, n_seeds: int, n_units: int, n_boot: int
              ) -> tuple[np.ndarray, np.ndarray]:
    si = rng.integers(0, n_seeds, size=(n_boot, n_seeds))
    ui = rng.integers(0, n_units, size=(n_boot, n_seeds, n_units))
    return si, ui


def _two_d(v: object, name: str) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] < 1:
        raise ValidationError(name, "must be (n_seeds, n_units)", str(a.shape))
    return a


def hier_ci(per_seed: np.ndarray, n_boot: int = 1000, level: float = 0.95, seed: int = 0
            ) -> dict[str, float]:
    """Mean and hierarchical-bootstrap CI of values (n_seeds, n_units): resample seeds, then
    units within each resampled seed. Non-finite values give an infinite estimate and ends."""
    v = _two_d(per_seed, "per_seed")
    if not np.all(np.isfinite(v)):
        return {"est": float("inf"), "lo": float("inf"), "hi": float("inf"), "level": level}
    si, ui = _boot_idx(np.random.default_rng(seed), *v.shape, n_boot)
    boots = v[si[..., None], ui].mean(axis=(1, 2))
    q = (1 - level) / 2
    lo, hi = np.quantile(boots, [q, 1 - q])
    return {"est": float(v.mean()), "lo": float(lo), "hi": float(hi), "level": level}


def paired_ratio_ci(num: np.ndarray, den: np.ndarray, n_boot: int = 1000, level: float = 0.95,
                    seed: int = 0) -> dict[str, float]:
    """mean(num)/mean(den), both (n_seeds, n_units) on the same seeds and test units (resampled
    together). A replicate whose denominator is <= 0 gives +inf (as in
    :func:`ratio_of_means_ci`)."""
    a, b = _two_d(num, "num"), _two_d(den, "den")
    if a.shape != b.shape:
        raise ValidationError("num/den", "must have the same shape", f"{a.shape} vs {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        est = float("inf") if not np.all(np.isfinite(a)) else 0.0
        return {"est": est, "lo": est, "hi": est, "level": level}
    si, ui = _boot_idx(np.random.default_rng(seed), *a.shape, n_boot)
    ma = a[si[..., None], ui].mean(axis=(1, 2))
    mb = b[si[..., None], ui].mean(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(mb > 0, ma / np.where(mb > 0, mb, 1.0), np.inf)
    q = (1 - level) / 2
    # order statistics when a replicate is infinite (an infinite end, not nan)
    method = "linear" if np.all(np.isfinite(r)) else "inverted_cdf"
    lo, hi = np.quantile(r, [q, 1 - q], method=method)
    est = a.mean() / b.mean() if b.mean() > 0 else np.inf
    return {"est": float(est), "lo": float(lo), "hi": float(hi), "level": level}


def paired_diff_ci(a: np.ndarray, b: np.ndarray, n_boot: int = 1000, level: float = 0.95,
                   seed: int = 0) -> dict[str, float]:
    """mean(a) − mean(b), paired as in :func:`paired_ratio_ci`."""
    return hier_ci(_two_d(a, "a") - _two_d(b, "b"), n_boot, level, seed)


def seeds_ci(per_seed: np.ndarray, seed: int = 0) -> dict[str, float]:
    """CI of the mean of values (n_seeds, n_units): the unit bootstrap for one seed, the
    hierarchical bootstrap for several (the one rule for trained-model intervals)."""
    v = _two_d(per_seed, "per_seed")
    if v.shape[0] == 1:
        return bootstrap_ci(v[0], n_boot=1000, rng=seed).as_dict()
    return hier_ci(v, seed=seed)


def seeds_ratio_ci(num: np.ndarray, den: np.ndarray, seed: int = 0) -> dict[str, float]:
    """CI of mean(num)/mean(den) for paired (n_seeds, n_units) values, as :func:`seeds_ci`."""
    a, b = _two_d(num, "num"), _two_d(den, "den")
    if a.shape[0] == 1:
        return ratio_of_means_ci(a[0], b[0], rng=seed).as_dict()
    return paired_ratio_ci(a, b, seed=seed)


def seeds_boot_means(values: np.ndarray | list[np.ndarray], n_boot: int = 1000, seed: int = 0,
                     chunk: int = 50) -> np.ndarray | list[np.ndarray]:
    """Bootstrap replicates of the mean over (seeds, units) under the rule of :func:`seeds_ci`:
    values (n_seeds, n_units, *rest) -> (n_boot, *rest); seeds are resampled, then units
    within each resampled seed (one seed: units only). The trailing axes (e.g. the context
    lengths k of one test sequence) are resampled together, so they stay paired.

    A list of such arrays (strata: independent test sets evaluated with the same trained
    seeds, e.g. one per test α) shares the seed draws of each replicate and resamples each
    stratum's units on its own; returns one (n_boot, *rest) array per stratum."""
    many = isinstance(values, list)
    arrays = [np.asarray(v, dtype=float) for v in (values if many else [values])]
    n_seeds = arrays[0].shape[0]
    for a in arrays:
        if a.ndim < 2 or a.shape[0] != n_seeds or a.shape[1] < 1:
            raise ValidationError("values", f"must be (n_seeds={n_seeds}, n_units, ...)",
                                  str(a.shape))
    g = np.random.default_rng(seed)
    si = g.integers(0, n_seeds, size=(n_boot, n_seeds))
    outs = []
    for a in arrays:
        reps = np.empty((n_boot, *a.shape[2:]))
        for b0 in range(0, n_boot, chunk):
            b1 = min(n_boot, b0 + chunk)
            ui = g.integers(0, a.shape[1], size=(b1 - b0, n_seeds, a.shape[1]))
            reps[b0:b1] = a[si[b0:b1, :, None], ui].mean(axis=(1, 2))
        outs.append(reps)
    return outs if many else outs[0]
