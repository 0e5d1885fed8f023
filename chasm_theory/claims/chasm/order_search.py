"""The search behind 000 Proposition 1's generic claims: the weights W_t of x_1..x_k in the
Kalman estimate z_{k|k} (time-varying Riccati or constant steady-state gains), how far they are
from all equal (order-dependence), random stable LG-SSMs as hypothesis strategies and as a
Gaussian sweep. The claims are in :mod:`chasm_theory.claims.chasm.prop1`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from chasm_theory.errors import ChasmError
from chasm_theory.oracles.dare import solve_filter_dare
from chasm_theory.oracles.kalman import riccati_gains
from chasm_theory.oracles.lgssm import make_lgssm, spectral_radius


def order_weights(A: np.ndarray, C: np.ndarray, K: np.ndarray) -> np.ndarray:
    """W_t = Phi_k ... Phi_{t+1} K_t (t = 1..k) for gains K: (k, d, m); returns (k, d, m)."""
    k, d, _ = K.shape
    W = np.empty_like(K)
    M = np.eye(d)
    for t in range(k - 1, -1, -1):
        W[t] = M @ K[t]
        M = M @ (np.eye(d) - K[t] @ C) @ A
    return W


def order_dependence(W: np.ndarray) -> float:
    """max_t ||W_t - W_k|| / max_t ||W_t||: 0 iff z_{k|k} is permutation-invariant."""
    scale = max(float(np.max(np.abs(W))), 1e-300)
    return float(np.max(np.abs(W - W[-1][None]))) / scale


def system_strategy(dims: tuple[int, ...], modes: tuple[str, ...]) -> st.SearchStrategy[dict]:
    fl = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)

    def build(dm: tuple[int, int, str]) -> st.SearchStrategy[dict]:
        d, m, mode = dm
        return st.fixed_dictionaries(
            {
                "d": st.just(d),
                "m": st.just(m),
                "mode": st.just(mode),
                "A": st.lists(fl, min_size=d * d, max_size=d * d),
                "C": st.lists(fl, min_size=m * d, max_size=m * d),
                "G": st.lists(fl, min_size=d * d, max_size=d * d),
                "H": st.lists(fl, min_size=m * m, max_size=m * m),
                "k": st.integers(2, 4),
            }
        )

    return st.tuples(
        st.sampled_from(dims), st.sampled_from((1, 2)), st.sampled_from(modes)
    ).flatmap(build)


def build_system(s: dict) -> tuple[Any, np.ndarray] | None:
    """LG-SSM and gains (k, d, m) for a drawn system; None if the premise (C ≠ 0, A ≠ I) fails.
    A is rescaled to spectral radius <= 0.95 (Assumption A1); Q = G G^T + 0.05 I,
    R = H H^T + 0.05 I; P0 = stationary covariance."""
    d, m = s["d"], s["m"]
    A = np.array(s["A"]).reshape(d, d)
    C = np.array(s["C"]).reshape(m, d)
    rho = spectral_radius(A)
    if rho > 0.95:
        A = A * (0.95 / rho)
    if not np.any(np.abs(C) > 1e-12) or np.allclose(A, np.eye(d)):
        return None
    G = np.array(s["G"]).reshape(d, d)
    H = np.array(s["H"]).reshape(m, m)
    params = make_lgssm(A, C, G @ G.T + 0.05 * np.eye(d), H @ H.T + 0.05 * np.eye(m))
    k = s["k"]
    if s["mode"] == "riccati":
        K = riccati_gains(params, k).K
    else:
        K = np.repeat(solve_filter_dare(params.A, params.C, params.Q, params.R).K[None], k, axis=0)
    return params, K


TOL_PI = 1e-9


def order_status(s: dict) -> float | None:
    """Order-dependence of z_{k|k} for a drawn system, or None when the system is outside the
    statement (invalid, C = 0, A = I, or all weights 0)."""
    try:
        built = build_system(s)
    except ChasmError:
        return None
    if built is None:
        return None
    params, K = built
    W = order_weights(params.A, params.C, K)
    if not np.any(np.abs(W) > 1e-12):
        return None
    return order_dependence(W)


def is_order_dependent(s: dict) -> bool:
    """True when the premise fails or the filter's z_{k|k} is order-dependent."""
    v = order_status(s)
    return v is None or v > TOL_PI


def is_permutation_invariant(s: dict) -> bool:
    """True when the premise fails or the filter's z_{k|k} is permutation-invariant."""
    v = order_status(s)
    return v is None or v <= TOL_PI


def show_system(s: dict) -> dict:
    built = build_system(s)
    if built is None:
        return {"system": s, "premise": False}
    params, K = built
    W = order_weights(params.A, params.C, K)
    return {
        "d": s["d"],
        "m": s["m"],
        "k": s["k"],
        "gains": s["mode"],
        "A": np.round(params.A, 4).tolist(),
        "C": np.round(params.C, 4).tolist(),
        "Q": np.round(params.Q, 4).tolist(),
        "R": np.round(params.R, 4).tolist(),
        "weights_W_t": np.round(W, 6).tolist(),
        "order_dependence": order_dependence(W),
    }


def sweep_fraction(rng: np.random.Generator, n: int = 100) -> dict[str, float]:
    """Fraction of Gaussian-random systems whose filter is order-dependent, per (d, gains)."""
    out = {}
    for d in (1, 2, 3):
        for mode in ("riccati", "steady"):
            hits = 0
            for _ in range(n):
                s = {
                    "d": d,
                    "m": 1,
                    "mode": mode,
                    "k": 3,
                    "A": rng.uniform(-1, 1, d * d).tolist(),
                    "C": rng.uniform(-1, 1, d).tolist(),
                    "G": rng.uniform(-1, 1, d * d).tolist(),
                    "H": rng.uniform(-1, 1, 1).tolist(),
                }
                hits += is_order_dependent(s)
            out[f"d={d},{mode}"] = hits / n
    return out
