"""The DARE sweep near the observability boundary of 000 Corollary 1 (App B.6): the augmented
colored-noise model A = diag(a, rho), C = [1 1], Q = diag(q, 1 - rho^2), R = 0 (a = 0.9, q = 1
as in App C.7.2) at rho = a -/+ delta, its fitted log-log exponents and its figure; the claims
are in :mod:`chasm_theory.claims.chasm.cor1`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp

from chasm_theory._context import Context
from chasm_theory.oracles.dare import solve_filter_dare
from chasm_theory.oracles.kalman import riccati_gains
from chasm_theory.oracles.lgssm import LGSSMParams, make_lgssm
from chasm_theory.oracles.tasks import colored_noise_lgssm

A_PAPER = 0.9
DELTAS = tuple(float(x) for x in np.geomspace(1e-4, 8e-2, 13))
EPS_TRANSIENT = 1e-6

a_s, r_s = sp.symbols("a rho", real=True)


def observability_symbolic() -> dict[str, sp.Expr]:
    O = sp.Matrix([[1, 1], [a_s, r_s]])
    G = O.T * O
    lam = G.eigenvals()
    lam_min = min(lam, key=lambda e: e.subs({a_s: sp.Rational(9, 10), r_s: sp.Rational(95, 100)}))
    return {
        "O": O,
        "det": sp.factor(O.det()),
        "gram": G,
        "gram_det": sp.factor(G.det()),
        "lam_min": lam_min,
    }


def _steps_to_steady(p: LGSSMParams, K: np.ndarray, T: int) -> int:
    """Riccati steps of model ``p`` (from its prior P0) until ‖K_t − K‖ ≤ EPS_TRANSIENT ‖K‖
    (-1 if not within ``T`` steps)."""
    err = np.linalg.norm(riccati_gains(p, T).K - K[None], axis=(1, 2))
    below = np.nonzero(err <= EPS_TRANSIENT * np.linalg.norm(K))[0]
    return int(below[0]) + 1 if below.size else -1


@lru_cache(maxsize=4)
def sweep(
    a: float = A_PAPER, deltas: tuple[float, ...] = DELTAS, T: int = 4000
) -> dict[str, np.ndarray]:
    """For rho = a -/+ delta: ||K||_2 of the DARE gain, 1 - rho(F), cond_2(O), lambda_min(O^T O),
    and the Riccati steps from the stationary prior until ||K_t - K|| <= EPS_TRANSIENT ||K||."""
    out: dict[str, list] = {
        k: []
        for k in (
            "side",
            "delta",
            "rho",
            "K",
            "gap",
            "cond",
            "lam_min",
            "steps",
            "steps_identity_prior",
            "method",
        )
    }
    for side in (-1, 1):
        for dl in deltas:
            rho = a + side * dl
            p = colored_noise_lgssm(a, rho)
            sol = solve_filter_dare(p.A, p.C, p.Q, p.R)
            O = np.vstack([p.C, p.C @ p.A])
            out["side"].append(side)
            out["delta"].append(dl)
            out["rho"].append(rho)
            out["K"].append(float(np.linalg.norm(sol.K, 2)))
            out["gap"].append(1.0 - float(sol.spectral_radius))
            out["cond"].append(float(np.linalg.cond(O)))
            out["lam_min"].append(float(np.linalg.eigvalsh(O.T @ O)[0]))
            out["steps"].append(_steps_to_steady(p, sol.K, T))
            out["method"].append(sol.method)
            pI = make_lgssm(p.A, p.C, p.Q, p.R, P0=np.eye(2))
            out["steps_identity_prior"].append(_steps_to_steady(pI, sol.K, T))
    return {k: np.array(v) for k, v in out.items()}


def fit_exponent(
    x: np.ndarray, y: np.ndarray, n_small: int = 6, near: np.ndarray | None = None
) -> float:
    """Slope of log y vs log x over the ``n_small`` points of smallest ``near`` (default x;
    the rho -> a end)."""
    idx = np.argsort(x if near is None else near)[:n_small]
    return float(np.polyfit(np.log(x[idx]), np.log(y[idx]), 1)[0])


def side_exponents(key: str, xkey: str = "delta", near: str | None = None) -> dict[str, float]:
    """The fitted exponent of ``key`` vs ``xkey`` on each side of rho = a (points nearest
    rho = a by ``near``, default ``xkey``)."""
    s = sweep()
    out = {}
    for side, name in ((-1, "below"), (1, "above")):
        m = s["side"] == side
        out[name] = fit_exponent(s[xkey][m], s[key][m], near=None if near is None else s[near][m])
    return out


def sweep_figure(ctx: Context) -> str:
    import matplotlib.pyplot as plt

    s = sweep()
    fig, axes = plt.subplots(1, 5, figsize=(18, 3.6))
    for ax, key, lab in zip(
        axes,
        ("K", "gap", "cond", "lam_min", "steps"),
        ("‖K‖₂", "1 − ρ(F)", "cond(O)", "λ_min(OᵀO)", f"steps to ε={EPS_TRANSIENT:g}"),
    ):
        for side, name, mk in ((-1, "ρ < a", "v"), (1, "ρ > a", "^")):
            m = s["side"] == side
            ax.loglog(s["delta"][m], s[key][m], mk + "-", ms=4, label=name)
        ax.set_xlabel("|ρ − a|")
        ax.set_title(lab)
    axes[2].loglog(s["delta"][:6], 2 / s["delta"][:6], "k:", lw=0.8, label="∝ 1/|ρ−a|")
    axes[3].loglog(s["delta"][:6], s["delta"][:6] ** 2 / 3.6, "k:", lw=0.8, label="∝ |ρ−a|²")
    axes[0].legend(fontsize=8)
    axes[2].legend(fontsize=8)
    fig.suptitle(
        f"Corollary 1 sweep, a = {A_PAPER}, colored noise (R = 0): DARE quantities near ρ = a"
    )
    return ctx.savefig(fig, "chasm_cor1_sweep")
