"""Counterexample search with hypothesis, shared by ``chasm-theory fuzz``, checks and proofs."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample


@dataclass(frozen=True)
class FuzzSpec:
    """A "for all x in S: P(x)" statement, searchable for counterexamples.

    ``strategy`` builds the hypothesis strategy for S; ``holds(x)`` returns True when P(x) holds;
    ``show(x)`` renders an example for a reader (defaults to ``repr``).
    """

    strategy: Callable[[], st.SearchStrategy[Any]]
    holds: Callable[[Any], bool]
    show: Callable[[Any], Any] = repr
    description: str = ""


@dataclass
class FuzzResult:
    counterexample: Any | None
    shown: Any | None
    examples_tried: int
    max_examples: int

    @property
    def found(self) -> bool:
        return self.counterexample is not None


def run_fuzz(spec: FuzzSpec, max_examples: int = 500, derandomize: bool = True) -> FuzzResult:
    """Search for x with not P(x); return the minimal one hypothesis shrinks to, or None.

    With ``derandomize`` (the default for checks and CI) the search is reproducible.
    """
    calls = {"n": 0}

    def violates(x: Any) -> bool:
        calls["n"] += 1
        return not spec.holds(x)

    s = settings(
        max_examples=max_examples,
        derandomize=derandomize,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    try:
        cx = find(spec.strategy(), violates, settings=s)
    except NoSuchExample:
        return FuzzResult(None, None, calls["n"], max_examples)
    return FuzzResult(cx, spec.show(cx), calls["n"], max_examples)
