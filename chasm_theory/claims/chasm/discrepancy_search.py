"""What Theorem 4 (000 §6.1, App B.5) computes: the discrepancy (I − KC)A − (A − KC) and the
commutator [A, KC] in non-commuting symbols, the scalar forms of Part (i), and the Hypothesis
searches for systems with A ≠ I, K ≠ 0, C ≠ 0 yet KC(I − A) = 0 (any matrices; under
Assumption A1 with K a Kalman gain; under A1 with an arbitrary K). The claims are in thm4.py."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from chasm_theory._fuzz import FuzzSpec, run_fuzz


def discrepancy_symbolic() -> sp.Expr:
    """((I − K C) A − (A − K C)) − K C (I − A), expanded, with non-commuting matrix symbols
    of generic sizes d×d, d×m, m×d. Zero iff the identity holds."""
    d, m = sp.symbols("d m", integer=True, positive=True)
    A = sp.MatrixSymbol("A", d, d)
    K = sp.MatrixSymbol("K", d, m)
    C = sp.MatrixSymbol("C", m, d)
    I = sp.Identity(d)
    return sp.expand((I - K * C) * A - (A - K * C) - K * C * (I - A))


def _small_int_matrix(rows: int, cols: int) -> st.SearchStrategy[np.ndarray]:
    return st.lists(st.integers(-2, 2), min_size=rows * cols, max_size=rows * cols).map(
        lambda v: np.array(v, dtype=float).reshape(rows, cols)
    )


def _systems() -> st.SearchStrategy[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    dims = st.tuples(st.integers(1, 4), st.integers(1, 2))
    return dims.flatmap(
        lambda dm: st.tuples(
            _small_int_matrix(dm[0], dm[0]),
            _small_int_matrix(dm[0], dm[1]),
            _small_int_matrix(dm[1], dm[0]),
        )
    )


def nonzero_premise_implies_nonzero(sys: tuple[np.ndarray, np.ndarray, np.ndarray]) -> bool:
    """True when the implication "A ≠ I, K ≠ 0, C ≠ 0 ⇒ K C (I − A) ≠ 0" holds for ``sys``."""
    A, K, C = sys
    d = A.shape[0]
    premise = not np.array_equal(A, np.eye(d)) and K.any() and C.any()
    return (not premise) or bool((K @ C @ (np.eye(d) - A)).any())


def show_system(sys: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[str, list]:
    A, K, C = sys
    d = A.shape[0]
    return {
        "A": A.tolist(),
        "K": K.tolist(),
        "C": C.tolist(),
        "KC(I-A)": (K @ C @ (np.eye(d) - A)).tolist(),
    }


NONZERO_FUZZ = FuzzSpec(
    strategy=_systems,
    holds=nonzero_premise_implies_nonzero,
    show=show_system,
    description="A ≠ I, K ≠ 0, C ≠ 0 ⇒ K C (I − A) ≠ 0, over integer matrices, d = 1..4, m = 1..2",
)

# ----------------------------------------------------------------------------- under Assumption A1
# A1 (000 §2.4): rho(A) < 1. A = N / s with integer N (entries −2..2) and s = 1..4, kept when
# rho(A) < 1 − 1e-9 (the float margin only excludes the boundary rho = 1, which A1 excludes too).
# The theorem's K is a Kalman gain K = P Cᵀ S⁻¹, S = C P Cᵀ + R, P ≻ 0, R ≻ 0; with integer
# P = L Lᵀ + I, R = M Mᵀ + I everything is exact integer arithmetic:
# K C (I − A) = P Cᵀ adj(S) C (s I − N) / (det S · s), and det S > 0, s > 0.

A1_MARGIN = 1e-9


def _spectral_radius_below_one(N: np.ndarray, s: int) -> bool:
    return bool(np.max(np.abs(np.linalg.eigvals(N / s))) < 1.0 - A1_MARGIN)


def _adjugate(S: np.ndarray) -> np.ndarray:
    """adj(S) of an integer 1×1 or 2×2 matrix (m ≤ 2), exact."""
    if S.shape == (1, 1):
        return np.ones((1, 1), dtype=np.int64)
    return np.array([[S[1, 1], -S[0, 1]], [-S[1, 0], S[0, 0]]], dtype=np.int64)


def _a1_systems() -> st.SearchStrategy[tuple]:
    """(N, s, L, C, M): A = N/s with rho(A) < 1, P = L Lᵀ + I, C, R = M Mᵀ + I; d = 1..4,
    m = 1..2."""
    ints = st.integers(-2, 2)

    def mat(r: int, c: int) -> st.SearchStrategy[np.ndarray]:
        return st.lists(ints, min_size=r * c, max_size=r * c).map(
            lambda v: np.array(v, dtype=np.int64).reshape(r, c)
        )

    dims = st.tuples(st.integers(1, 4), st.integers(1, 2))
    return dims.flatmap(
        lambda dm: st.tuples(
            mat(dm[0], dm[0]),
            st.integers(1, 4),
            mat(dm[0], dm[0]),
            mat(dm[1], dm[0]),
            mat(dm[1], dm[1]),
        )
    ).filter(lambda t: _spectral_radius_below_one(t[0], t[1]))


def a1_kalman_parts(sys: tuple) -> dict[str, np.ndarray]:
    """Exact integer pieces of the A1 + Kalman-gain system: A = N/s, P, R, S, and the scaled
    discrepancy D = P Cᵀ adj(S) C (s I − N) = det(S) · s · K C (I − A)."""
    N, s, L, C, M = sys
    d, m = N.shape[0], C.shape[0]
    P = L @ L.T + np.eye(d, dtype=np.int64)
    R = M @ M.T + np.eye(m, dtype=np.int64)
    S = C @ P @ C.T + R
    D = P @ C.T @ _adjugate(S) @ C @ (s * np.eye(d, dtype=np.int64) - N)
    return {"N": N, "s": s, "P": P, "R": R, "C": C, "S": S, "D": D}


def a1_kalman_implies_nonzero(sys: tuple) -> bool:
    """Under A1 with K a Kalman gain (P ≻ 0): C ≠ 0 ⇒ K C (I − A) ≠ 0 (A ≠ I and K ≠ 0 follow)."""
    parts = a1_kalman_parts(sys)
    return (not parts["C"].any()) or bool(parts["D"].any())


def show_a1_system(sys: tuple) -> dict[str, object]:
    p = a1_kalman_parts(sys)
    return {
        "A": (p["N"] / p["s"]).tolist(),
        "P": p["P"].tolist(),
        "R": p["R"].tolist(),
        "C": p["C"].tolist(),
        "det(S)·s·KC(I-A)": p["D"].tolist(),
    }


A1_FUZZ = FuzzSpec(
    strategy=_a1_systems,
    holds=a1_kalman_implies_nonzero,
    show=show_a1_system,
    description="under A1 (rho(A) < 1), K = P Cᵀ(C P Cᵀ + R)⁻¹ with P, R ≻ 0: C ≠ 0 ⇒ K C (I − A) "
    "≠ 0; "
    "exact integer arithmetic, d = 1..4, m = 1..2",
)


def _a1_free_gain_systems() -> st.SearchStrategy[tuple]:
    """(A, K, C) with A = N/s, rho(A) < 1 and an arbitrary integer K (not a Kalman gain)."""
    return _a1_systems().flatmap(
        lambda t: st.lists(
            st.integers(-2, 2),
            min_size=t[0].shape[0] * t[3].shape[0],
            max_size=t[0].shape[0] * t[3].shape[0],
        ).map(
            lambda v: (
                t[0] / t[1],
                np.array(v, dtype=float).reshape(t[0].shape[0], t[3].shape[0]),
                t[3].astype(float),
            )
        )
    )


A1_FREE_GAIN_FUZZ = FuzzSpec(
    strategy=_a1_free_gain_systems,
    holds=nonzero_premise_implies_nonzero,
    show=show_system,
    description="under A1 with an arbitrary K (not a Kalman gain): A ≠ I, K ≠ 0, C ≠ 0 ⇒ KC(I − A) "
    "≠ 0",
)


@lru_cache(maxsize=4)
def _a1_searches(max_examples: int) -> tuple:
    """The two A1 searches (derandomised, so cached per process): Kalman gain, arbitrary gain."""
    return run_fuzz(A1_FUZZ, max_examples=max_examples), run_fuzz(
        A1_FREE_GAIN_FUZZ, max_examples=max_examples
    )


def scalar_forms(a: object, k: object, c: object) -> dict[str, object]:
    """The three scalar quantities Thm 4 talks about, in exact arithmetic when the inputs are
    Fractions/ints: (1 − kc)a (innovations form), a(1 − kc) (correct-then-predict), a − kc
    (the "Transformer" form of Part (ii))."""
    return {
        "(1-kc)a": (1 - k * c) * a,
        "a(1-kc)": a * (1 - k * c),
        "a-kc": a - k * c,
        "discrepancy (1-kc)a-(a-kc)": (1 - k * c) * a - (a - k * c),
        "kc(1-a)": k * c * (1 - a),
    }


def scalar_discrepancy_symbolic() -> sp.Expr:
    """(1 − kc)a − (a − kc) − kc(1 − a), expanded: 0 iff the scalar case of the identity holds."""
    a, k, c = sp.symbols("a k c")
    return sp.expand((1 - k * c) * a - (a - k * c) - k * c * (1 - a))


def commutator_symbolic() -> tuple[sp.Expr, sp.Expr]:
    """((I − KC)A − A(I − KC), and that minus (A K C − K C A)), expanded, non-commuting symbols."""
    d, m = sp.symbols("d m", integer=True, positive=True)
    A = sp.MatrixSymbol("A", d, d)
    K = sp.MatrixSymbol("K", d, m)
    C = sp.MatrixSymbol("C", m, d)
    I = sp.Identity(d)
    comm = sp.expand((I - K * C) * A - A * (I - K * C))
    return comm, sp.expand(comm - (A * K * C - K * C * A))
