"""000 Theorem 4 (non-commutativity as root cause): the discrepancy between the Kalman
innovations form (I − K C) A and the "Transformer" form A − K C.

Template for claim modules: each claim is a ``check(ctx) -> Outcome`` registered with
``@claim``; the math lives in plain functions that ``proofs/`` tests directly.
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from .._fuzz import FuzzSpec, run_fuzz
from .._record import Outcome, decide
from .._registry import claim
from .._context import Context

SOURCE = "000 §6.1 Thm 4; App B.5"
SECTION = "Theorem 4: non-commutativity as the root cause"


def discrepancy_symbolic() -> sp.Expr:
    """((I − K C) A − (A − K C)) − K C (I − A), expanded, with non-commuting matrix symbols
    of generic sizes d×d, d×m, m×d. Zero iff the identity holds."""
    d, m = sp.symbols("d m", integer=True, positive=True)
    A = sp.MatrixSymbol("A", d, d)
    K = sp.MatrixSymbol("K", d, m)
    C = sp.MatrixSymbol("C", m, d)
    I = sp.Identity(d)
    return sp.expand((I - K * C) * A - (A - K * C) - K * C * (I - A))


@claim(
    "chasm.thm4.discrepancy-identity",
    source=SOURCE,
    statement="(I − K C) A − (A − K C) = K C (I − A) for all conformable matrices",
    kind="symbolic",
    paper="(I_d − KC)A − (A − KC) = KC(I_d − A)",
    section=SECTION,
)
def check_identity(ctx: Context) -> Outcome:
    residual = discrepancy_symbolic()
    ok = residual == sp.ZeroMatrix(*residual.shape) or residual == 0
    return decide(
        ok,
        predicted="identity",
        measured=f"expand(lhs − rhs) = {residual}",
        evidence="Expanded (I − KC)A − (A − KC) − KC(I − A) with sympy MatrixSymbols A (d×d), "
        "K (d×m), C (m×d), which do not commute; the expansion cancels term by term to "
        f"{residual}.",
        rule="holds iff the symbolic residual expands to the zero matrix",
        reading="non-commuting symbols of symbolic sizes d, m",
    )


# ----------------------------------------------------------------------------- "nonzero whenever"

def _small_int_matrix(rows: int, cols: int) -> st.SearchStrategy[np.ndarray]:
    return st.lists(st.integers(-2, 2), min_size=rows * cols, max_size=rows * cols).map(
        lambda v: np.array(v, dtype=float).reshape(rows, cols)
    )


def _systems() -> st.SearchStrategy[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    dims = st.tuples(st.integers(1, 4), st.integers(1, 2))
    return dims.flatmap(
        lambda dm: st.tuples(
            _small_int_matrix(dm[0], dm[0]), _small_int_matrix(dm[0], dm[1]),
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
    return {"A": A.tolist(), "K": K.tolist(), "C": C.tolist(),
            "KC(I-A)": (K @ C @ (np.eye(d) - A)).tolist()}


NONZERO_FUZZ = FuzzSpec(
    strategy=_systems,
    holds=nonzero_premise_implies_nonzero,
    show=show_system,
    description="A ≠ I, K ≠ 0, C ≠ 0 ⇒ K C (I − A) ≠ 0, over integer matrices, d = 1..4, m = 1..2",
)


@claim(
    "chasm.thm4.discrepancy-nonzero",
    source=SOURCE,
    statement="K C (I − A) ≠ 0 whenever A ≠ I, K ≠ 0 and C ≠ 0",
    kind="property",
    paper="the discrepancy KC(I_d − A) is nonzero whenever A ≠ I_d, K ≠ 0, and C ≠ 0",
    section=SECTION,
    fuzz=NONZERO_FUZZ,
)
def check_nonzero(ctx: Context) -> Outcome:
    res = run_fuzz(NONZERO_FUZZ, max_examples=2000)
    return decide(
        not res.found,
        predicted="no (A, K, C) with A ≠ I, K ≠ 0, C ≠ 0 and KC(I − A) = 0",
        measured={"counterexample_found": res.found, "examples": res.examples_tried},
        counterexample=res.shown,
        evidence=(
            "Hypothesis searched integer matrices (entries −2..2, d = 1..4, m = 1..2). "
            + (
                f"It found {res.shown}: A ≠ I, K ≠ 0, C ≠ 0, yet KC(I − A) = 0, because the "
                "rows of I − A (or the product KC) can vanish without A = I, K = 0 or C = 0. The "
                "correct condition is KC(I − A) ≠ 0 itself; e.g. with m ≥ 2, KC can be 0 for "
                "nonzero K and C."
                if res.found
                else f"No counterexample in {res.examples_tried} examples."
            )
        ),
        rule="fails iff a counterexample is found",
    )
