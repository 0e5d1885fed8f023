"""Hypothesis strategies for random stable, observable LG-SSMs (shared by the filter tests)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from chasm_theory.oracles.lgssm import LGSSMParams, make_lgssm, spectral_radius


def build_system(d: int, m: int, seed: int, r_zero: bool, prior: str = "stationary",
                 rho: float | None = None) -> LGSSMParams:
    """A random stable system: rho(A) in [0.1, 0.95], Q PD, C full row rank (m <= d when
    R = 0, so that S = C P C^T stays PD), R PD or 0; prior stationary, random PSD, or zero."""
    rng = np.random.default_rng(seed)
    if r_zero:
        m = min(m, d)
    A = rng.standard_normal((d, d))
    target = rho if rho is not None else rng.uniform(0.1, 0.95)
    A *= target / max(spectral_radius(A), 1e-3)
    C = rng.standard_normal((m, d))
    Lq = rng.standard_normal((d, d))
    Q = Lq @ Lq.T / d + 0.1 * np.eye(d)
    if r_zero:
        R = np.zeros((m, m))
    else:
        Lr = rng.standard_normal((m, m))
        R = Lr @ Lr.T / m + 0.05 * np.eye(m)
    m0 = rng.standard_normal(d)
    if prior == "stationary":
        P0 = None
    elif prior == "random":
        Lp = rng.standard_normal((d, d))
        P0 = Lp @ Lp.T
    else:
        P0 = np.zeros((d, d))
    return make_lgssm(A, C, Q, R, m0, P0)


systems = st.builds(
    build_system,
    d=st.integers(1, 4),
    m=st.integers(1, 2),
    seed=st.integers(0, 2**32 - 1),
    r_zero=st.booleans(),
    prior=st.sampled_from(["stationary", "random", "zero"]),
)


def observations(params: LGSSMParams, B: int, T: int, seed: int) -> np.ndarray:
    from chasm_theory.oracles.tasks import sample_lgssm

    return sample_lgssm(params, B, T, np.random.default_rng(seed)).x
