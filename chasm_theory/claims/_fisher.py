"""The Fisher information of 000 App B.2.2 / 001 App A.3 in its two readings: the one
implementation the claims of both papers call (``chasm.thm2.fisher-ratio.*`` in
:mod:`chasm_theory.claims.chasm.fisher`, ``bayes.a3.fisher.*`` in
:mod:`chasm_theory.claims.bayes.fisher`).

* innovation: S (steady-state innovation variance of the augmented Kalman filter) against
  V = Var(x_t); I_mis/I_true = S/V (:func:`innovation_information`).
* static level: a constant level observed under AR(1) noise, exact in rationals
  (:func:`fisher_exact`), by a dense solve (:func:`fisher_true_by_inverse`) and as k → ∞ limits
  (:func:`fisher_limits`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from chasm_theory.claims.chasm.colored_risks import A_SIG, exact_risks
from chasm_theory.oracles.dare import solve_filter_dare
from chasm_theory.oracles.tasks import colored_noise_lgssm

__all__ = [
    "FINDING",
    "innovation_information",
    "innovation_table",
    "fisher_exact",
    "fisher_true_by_inverse",
    "i_true_closed",
    "one_sigma_one_closed",
    "fisher_limits",
]

FINDING = "fisher-factor-1-minus-alpha2"  # the root cause every Fisher id of both papers shares


def innovation_information(
    alpha: float, a: float = A_SIG, q: float = 1.0, cross_check: bool = True
) -> dict[str, float]:
    """S (steady-state innovation variance, DARE; with ``cross_check`` also the Cholesky risk at
    k = 4096), V = Var(x_t), the ratio I_mis/I_true = S/V and the paper's factor 1 − α²."""
    S = float(solve_filter_dare(*colored_noise_lgssm(a, alpha, q)[:4]).S[0, 0])
    V = q / (1.0 - a * a) + 1.0
    S_chol = (
        float(exact_risks(alpha, a=a)["kalman"][-1]) if q == 1.0 and cross_check else float("nan")
    )
    return {
        "S": S,
        "V": V,
        "I_mis/I_true": S / V,
        "I_true/I_mis": V / S,
        "1-alpha^2": 1.0 - alpha * alpha,
        "1/(1-alpha^2)": 1.0 / (1.0 - alpha * alpha),
        "S_cholesky_k4096": S_chol,
    }


def innovation_table(alphas: tuple[float, ...]) -> dict[str, dict[str, float]]:
    return {str(al): innovation_information(al) for al in alphas}


def fisher_exact(alpha: Fraction, k: int) -> dict[str, Fraction]:
    """Static level mu, x_i = mu + v_i, v AR(1) with Corr = alpha^|i-j| (variance 1):
    I_true = 1ᵀΣ⁻¹1 (GLS), I_mis = k²/1ᵀΣ1 = 1/Var(x̄) (sandwich of the i.i.d. MLE), I_naive = k."""
    one_S_one = k + 2 * sum((k - h) * alpha**h for h in range(1, k))
    assert one_S_one == one_sigma_one_closed(alpha, k)  # exact: the closed form used for limits
    i_true = i_true_closed(alpha, k) if k > 1 else Fraction(1)
    return {"I_true": i_true, "I_mis": Fraction(k * k) / one_S_one, "I_naive": Fraction(k)}


def fisher_true_by_inverse(alpha: float, k: int) -> float:
    """1ᵀΣ⁻¹1 by a dense solve (independent of the tridiagonal closed form)."""
    idx = np.arange(k)
    S = alpha ** np.abs(idx[:, None] - idx[None, :])
    return float(np.ones(k) @ np.linalg.solve(S, np.ones(k)))


def i_true_closed(al: Any, k: Any) -> Any:
    """1ᵀΣ⁻¹1 = (k(1−α)² + 2α(1−α))/(1−α²) for k > 1 (tridiagonal inverse of the AR(1)
    correlation matrix); exact for Fractions, symbolic for sympy expressions."""
    return (k * (1 - al) ** 2 + 2 * al * (1 - al)) / (1 - al**2)


def one_sigma_one_closed(al: sp.Expr, k: sp.Expr) -> sp.Expr:
    """1ᵀΣ1 = k + 2 sum_{h=1}^{k-1} (k-h) α^h = k(1+α)/(1−α) − 2α(1 − α^k)/(1−α)²."""
    return k * (1 + al) / (1 - al) - 2 * al * (1 - al**k) / (1 - al) ** 2


def fisher_limits() -> dict[str, sp.Expr]:
    """k -> oo limits; α^k -> 0 for 0 < α < 1 is applied by substituting a symbol r = α^k -> 0
    (sympy's limit cannot do α^k with symbolic α); also checked by sympy.limit at α = 9/10."""
    al, r = sp.symbols("alpha r", positive=True)
    k = sp.symbols("k", positive=True)
    i_true = i_true_closed(al, k)
    oso = (k * (1 + al) / (1 - al) - 2 * al * (1 - r) / (1 - al) ** 2).subs(r, 0)
    i_mis = k**2 / oso
    out = {
        "I_true/k": sp.simplify(sp.limit(i_true / k, k, sp.oo)),
        "I_mis/k": sp.simplify(sp.limit(i_mis / k, k, sp.oo)),
        "I_mis/I_true": sp.simplify(sp.limit(i_mis / i_true, k, sp.oo)),
        "I_naive/I_true": sp.simplify(sp.limit(k / i_true, k, sp.oo)),
    }
    kk = sp.symbols("kk", integer=True, positive=True)
    a9 = sp.Rational(9, 10)
    it9 = i_true_closed(a9, kk)
    out["I_mis/I_true at alpha=9/10 (sympy.limit)"] = sp.limit(
        kk**2 / one_sigma_one_closed(a9, kk) / it9, kk, sp.oo
    )
    return out
