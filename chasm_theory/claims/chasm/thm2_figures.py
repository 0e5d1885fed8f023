"""The figures of the 000 Theorem 2 checks (:mod:`chasm_theory.claims.chasm.thm2`): exact
risks against k on the colored-noise task, and the Bayes-grid excess over the known-alpha
Kalman predictor with its fitted tail slope."""

from __future__ import annotations

import numpy as np

from chasm_theory._context import Context
from chasm_theory.claims.chasm.colored_risks import A_SIG, K_TAIL, exact_risks


def exact_risks_figure(ctx: Context, alphas: tuple[float, ...]) -> str:
    """Kalman, best permutation-invariant and sample-mean risks (left) and the PI excess
    (right) against k, one colour per alpha; written as ``chasm_thm2_exact_risks``."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for al, c in zip(alphas, ("C0", "C1", "C2", "C3", "C7", "C8")):
        r = exact_risks(al)
        axes[0].loglog(r["k"], r["kalman"], "-", color=c, lw=1, label=f"α={al}: Kalman")
        axes[0].loglog(r["k"], r["pi"], "--", color=c, lw=1, label="best PI c·Σx")
        axes[0].loglog(r["k"], r["mean"], ":", color=c, lw=1, label="sample mean")
        axes[1].loglog(r["k"], r["pi_excess"], "-", color=c, label=f"α={al}")
    axes[1].loglog(r["k"], 1.0 / r["k"], "k:", lw=0.8, label="1/k")
    axes[0].set_xlabel("k")
    axes[0].set_ylabel("risk of predicting x_(k+1)")
    axes[0].legend(fontsize=6, ncol=3)
    axes[1].set_xlabel("k")
    axes[1].set_ylabel("excess risk of best PI predictor")
    axes[1].legend(fontsize=7)
    fig.suptitle(f"Exact risks on the colored-noise task (a = {A_SIG}, q = 1)")
    return ctx.savefig(fig, "chasm_thm2_exact_risks")


def bayes_rate_figure(ctx: Context, KS: tuple[int, ...], means: np.ndarray, se: np.ndarray,
                      tail: tuple[int, ...], slope: float, lo: float, hi: float, B: int) -> str:
    """The Bayes-grid excess at ``KS`` (95% bars), the fitted slope over ``tail`` and 1/k;
    written as ``chasm_thm2_bayes_oracle_rate``."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ks = np.array(KS)
    ax.errorbar(ks, means, yerr=1.96 * se, fmt="o-", ms=4, label="Bayes-grid excess (95% CI)")
    kt = np.array(tail)
    mt = means[np.searchsorted(ks, kt)]
    ax.loglog(
        kt,
        mt[0] * (kt / kt[0]) ** slope,
        "k--",
        lw=0.8,
        label=f"fit k ≥ {K_TAIL}: slope {slope:.2f} [{lo:.2f}, {hi:.2f}]",
    )
    ax.loglog(ks, means[0] * ks[0] / ks, "C3:", lw=0.8, label="∝ 1/k")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("k")
    ax.set_ylabel("excess over known-α Kalman")
    ax.set_title(
        f"Bayes grid (G = 200) vs known-α Kalman, α ~ U(0.5, 0.99), a = {A_SIG}, B = {B}",
        fontsize=9,
    )
    ax.legend(fontsize=8)
    return ctx.savefig(fig, "chasm_thm2_bayes_oracle_rate")
