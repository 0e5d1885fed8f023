"""Exact risks and the Bayes-grid excess on 000 Theorem 2's colored-noise task x_t = z_t + v_t,
z_t = a z_{t-1} + w_t (w ~ N(0, q)), v_t = alpha v_{t-1} + sqrt(1 - alpha^2) eps_t (a = 0.9,
q = 1, App C.7.2): the best linear, best permutation-invariant and sample-mean risks against k
from the autocovariance alone, the rule that reads an excess as Theta(1/k), and the squared
differences between the grid-Bayes predictor (alpha unknown) and the known-alpha Kalman
predictor. The claims are in :mod:`chasm_theory.claims.chasm.thm2`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.bayes_grid import bayes_grid_predict, uniform_grid
from chasm_theory.oracles.kalman import kalman_filter_per_sequence, riccati_gains
from chasm_theory.oracles.risks import (
    best_linear_risks_all,
    colored_autocovariance,
    process_covariance_colored,
)
from chasm_theory.oracles.tasks import colored_noise_lgssm, sample_colored_noise

A_SIG = 0.9
K_MAX = 4096


@lru_cache(maxsize=8)
def exact_risks(alpha: float, kmax: int = K_MAX, a: float = A_SIG) -> dict[str, np.ndarray]:
    """Risks of predicting x_(k+1) from x_1..x_k, k = 1..kmax (arrays (kmax,)): best linear
    (= Kalman from the stationary prior; one Cholesky), best linear permutation-invariant
    c·sum x_i (optimal c per k), best linear prefix-invariant w·x_k + c·sum_{i<k} x_i (what a
    causal no-PE attention read-out can express linearly), and the sample mean; from the
    autocovariance alone."""
    g = colored_autocovariance(a, alpha, np.arange(kmax + 1))
    k = np.arange(1, kmax + 1)
    # Var(S_k) = k g0 + 2 sum_{h=1}^{k-1} (k - h) g(h);  Cov(x_{k+1}, S_k) = sum_{h=1}^k g(h)
    cg = np.cumsum(g[1:])  # cg[k-1] = sum_{h=1}^k g(h)
    chg = np.cumsum(np.arange(1, kmax + 1) * g[1:])
    s1 = np.concatenate([[0.0], cg[:-1]])  # sum_{h=1}^{k-1} g(h)
    s2 = np.concatenate([[0.0], chg[:-1]])  # sum_{h=1}^{k-1} h g(h)
    var_s = k * g[0] + 2.0 * (k * s1 - s2)
    cov_ys = cg
    pi = g[0] - cov_ys**2 / var_s
    mean = g[0] - 2.0 * cov_ys / k + var_s / k**2
    # prefix class: features (x_k, S_{k-1}); Var(S_{k-1}) = var_s at k - 1 (0 at k = 1),
    # Cov(x_k, S_{k-1}) = sum_{h=1}^{k-1} g(h), Cov(x_{k+1}, S_{k-1}) = sum_{h=2}^k g(h)
    v_p = np.concatenate([[0.0], var_s[:-1]])
    c_xp, c_yp = s1, cg - g[1]
    det = g[0] * v_p - c_xp**2
    safe = np.where(k > 1, det, 1.0)
    quad = (v_p * g[1] ** 2 - 2.0 * c_xp * g[1] * c_yp + g[0] * c_yp**2) / safe
    prefix = np.where(k > 1, g[0] - quad, g[0] - g[1] ** 2 / g[0])
    best = best_linear_risks_all(process_covariance_colored(a, alpha, kmax))[1:]
    return {
        "k": k,
        "kalman": best,
        "pi": pi,
        "mean": mean,
        "prefix": prefix,
        "pi_excess": pi - best,
        "mean_excess": mean - best,
        "prefix_excess": prefix - best,
    }


def kalman_innovation_check(alpha: float, kmax: int = 256) -> float:
    """Max |Cholesky risk − Kalman innovation variance S_(k+1)| for k = 1..kmax (core Riccati)."""
    S = riccati_gains(colored_noise_lgssm(A_SIG, alpha), kmax + 1).S[:, 0, 0]
    return float(np.max(np.abs(exact_risks(alpha)["kalman"][:kmax] - S[1 : kmax + 1])))


def fit_slope(k: np.ndarray, y: np.ndarray, lo: int = 512, hi: int = K_MAX) -> float:
    m = (k >= lo) & (k <= hi)
    return float(np.polyfit(np.log(k[m]), np.log(y[m]), 1)[0])


SLOPE_TOL = 0.1  # how far a log-log slope may be from −1 and still read as Θ(1/k)


def pi_excess_slope(alpha: float) -> float:
    """Log-log slope of the best PI predictor's excess over the Kalman risk, k = 512..K_MAX."""
    r = exact_risks(alpha)
    return fit_slope(r["k"], r["pi_excess"])


def is_theta_one_over_k(slopes: list[float]) -> bool:
    """Definition 2's premise, one rule for every id: every slope within SLOPE_TOL of −1."""
    return all(abs(s + 1) <= SLOPE_TOL for s in slopes)


def prefix_class_note(alphas: tuple[float, ...], k: int, a: float = A_SIG
                      ) -> tuple[str, dict[str, dict[str, float]]]:
    """Why a causal model without positional encoding is not held to Thm 2's PI bound, in
    numbers: the excess over the Kalman risk at context length ``k`` of the best linear
    prefix-invariant predictor (w·x_k + c·Σ_{i<k} x_i: what such a read-out expresses
    linearly, its query being x_k) beside the best permutation-invariant one (c·Σ x_i), per α,
    signal pole ``a``; exact, from the process covariance.
    Returns (a sentence, α -> {"prefix", "pi"})."""
    if not 1 <= k <= K_MAX:
        raise ValidationError("k", f"must be in [1, {K_MAX}]", repr(k))
    vals = {}
    for al in alphas:
        r = exact_risks(float(al), K_MAX, float(a))
        vals[f"{al:g}"] = {"prefix": float(r["prefix_excess"][k - 1]),
                           "pi": float(r["pi_excess"][k - 1])}

    def shown(e: float) -> str:  # below 1e-12: float64 rounding of a zero excess
        return f"{e:.2g}" if e > 1e-12 else "0"

    cells = "; ".join(f"α = {al}: {shown(v['prefix'])} vs {v['pi']:.3g}"
                      for al, v in vals.items())
    text = (f"A causal model without positional encoding reads the context through its query "
            f"x_k, so it need only ignore the order of x_1..x_{{k−1}} "
            f"(chasm.defn1.prefix-invariance), and that class is not held to the PI bound: the "
            f"best linear predictor of that form, w·x_k + c·Σ_{{i<k}} x_i, has an excess over the "
            f"Kalman risk at k = {k} of (against the best permutation-invariant c·Σ x_i) {cells} "
            f"(exact, from the process covariance, a = {a:g}; at α = a the process is AR(1) "
            f"and a·x_k is optimal).")
    return text, vals


KS_BAYES = (16, 32, 64, 128, 256, 512, 1024)
K_TAIL = 128  # the slope is read off k >= K_TAIL (the asymptotic end)


def bayes_excess_samples(
    rng: np.random.Generator, B: int, T: int, G: int = 200, a: float = A_SIG
) -> dict[str, np.ndarray]:
    """alpha_b ~ U(0.5, 0.99) per sequence, x ~ colored-noise(a, alpha_b). Returns the squared
    differences (B, T) between the grid-Bayes posterior predictive and the known-alpha Kalman
    predictor of x_(t+1) (their mean is the excess risk, the cross term having mean 0)."""
    alphas_true = rng.uniform(0.5, 0.99, B)
    x = np.empty((B, T))
    for i, al in enumerate(alphas_true):
        x[i] = sample_colored_noise(a, float(al), 1, T, rng).x[0]
    grid, lp = uniform_grid(0.5, 0.99, G)
    bayes = bayes_grid_predict(x, a, grid, lp).pred
    oracle = kalman_filter_per_sequence(
        [colored_noise_lgssm(a, float(al)) for al in alphas_true], x, full=False
    ).one_step[:, :, 0]
    snapped = grid[np.argmin(np.abs(grid[None, :] - alphas_true[:, None]), axis=1)]
    snap = kalman_filter_per_sequence(
        [colored_noise_lgssm(a, float(al)) for al in snapped], x, full=False
    ).one_step[:, :, 0]
    return {"d2": (bayes - oracle) ** 2, "alphas": alphas_true, "grid_floor": (snap - oracle) ** 2}


def slope_with_ci(
    d2: np.ndarray, ks: tuple[int, ...], rng: np.random.Generator, n_boot: int = 300
) -> tuple[float, float, float, np.ndarray]:
    """Log-log slope of mean excess vs k, with a 95% percentile bootstrap CI over sequences."""
    cols = np.array(ks) - 1
    M = d2[:, cols]
    lk = np.log(np.array(ks, dtype=float))
    slope = float(np.polyfit(lk, np.log(M.mean(0)), 1)[0])
    boots = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, M.shape[0], M.shape[0])
        boots[b] = np.polyfit(lk, np.log(M[idx].mean(0)), 1)[0]
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return slope, float(lo), float(hi), M.mean(0)
