"""Errors that name the parameter and the rule it broke.

Every error the toolkit raises on bad input derives from :class:`ChasmError`; the CLI prints
its message on one line and exits non-zero.
"""
from __future__ import annotations


class ChasmError(Exception):
    """Base class of the toolkit's own errors (printed as one line by the CLI)."""


class ValidationError(ChasmError, ValueError):
    """A parameter broke a stated rule.

    >>> str(ValidationError("Q", "must be symmetric", "max |Q - Q^T| = 0.5"))
    "parameter 'Q': must be symmetric (max |Q - Q^T| = 0.5)"
    """

    def __init__(self, param: str, rule: str, detail: str | None = None) -> None:
        self.param = param
        self.rule = rule
        self.detail = detail
        msg = f"parameter '{param}': {rule}"
        if detail:
            msg += f" ({detail})"
        super().__init__(msg)


class UnknownClaimError(ChasmError, KeyError):
    """No claim with this id is registered."""

    def __init__(self, claim_id: str, suggestions: list[str] | None = None) -> None:
        self.claim_id = claim_id
        msg = f"unknown claim id '{claim_id}'"
        if suggestions:
            msg += f"; did you mean {', '.join(suggestions)}?"
        else:
            msg += "; `chasm-theory list` shows the ids"
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class UnknownExperimentError(ChasmError, KeyError):
    """No experiment with this name is registered."""

    def __init__(self, name: str, known: list[str]) -> None:
        msg = f"unknown experiment '{name}'; known: {', '.join(sorted(known)) or 'none'}"
        super().__init__(msg)

    def __str__(self) -> str:
        return self.args[0]


class NotRunError(ChasmError):
    """A check needs work that this profile does not allow (e.g. a full GPU run absent)."""


class NumericalError(ChasmError, ArithmeticError):
    """A numerical routine met a condition it must not continue past (non-PD innovation
    covariance, DARE residual too large, divergence)."""


class RunFailed(ChasmError):
    """An experiment run stopped with a failed status (NaN, divergence); its record is kept."""
