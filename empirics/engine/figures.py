"""What the experiment checks need around :mod:`chasm_theory._figures`: the verdict a figure
shows (the budget rule applied, as the record will show it) and drawing a figure that several
claims list once. A figure's PNG is written by :meth:`chasm_theory._context.Context.savefig`."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from chasm_theory import _codec
from chasm_theory._context import Context
from chasm_theory._figures import verdict_label, verdict_title
from chasm_theory._registry import cap_rule

__all__ = ["shown", "label", "title_with_verdict", "once", "where"]


def shown(ctx: Context, verdict: str, trained: bool = True) -> tuple[str, str | None]:
    """``(verdict, at_budget)`` as the record will carry them: a trained-model ``holds`` or
    ``fails`` below the papers' budget, or read from fewer training seeds than planned, is
    capped at ``inconclusive`` by the registry's budget or seed rule, with the lean kept
    (``at_budget``; :func:`chasm_theory._registry.cap_rule`)."""
    if trained and cap_rule(ctx) and verdict in ("holds", "fails"):
        return "inconclusive", verdict
    return verdict, None


def where(ctx: Context) -> str:
    """What caps a lean, in a figure's words: ``"at this budget"`` or ``"on these seeds"``."""
    return "on these seeds" if cap_rule(ctx) == "seeds" else "at this budget"


def label(ctx: Context, verdict: str, trained: bool = True) -> str:
    """The verdict as text, e.g. ``"inconclusive (at this budget: fails)"``."""
    return verdict_label(*shown(ctx, verdict, trained), where(ctx))


def title_with_verdict(ctx: Context, target: Any, title: str, verdict: str,
                       trained: bool = True) -> None:
    """:func:`chasm_theory._figures.verdict_title` with the verdict the record will show."""
    v, at = shown(ctx, verdict, trained)
    verdict_title(target, title, v, at, where=where(ctx))


_DRAWN: dict[tuple[str, str, str, str], str] = {}


def once(ctx: Context, name: str, data: Any, draw: Callable[[], str]) -> str:
    """A figure that several claims list is drawn once per (report folder, profile, figure
    name, content of ``data``): ``draw()`` runs the first time (or when the file is gone), later
    calls return its path. ``data`` must hold everything the drawing depends on (the results)."""
    digest = hashlib.sha256(_codec.dumps(data, indent=None).encode()).hexdigest()
    key = (name, str(ctx.figures_dir), ctx.profile, digest)
    path = _DRAWN.get(key)
    if path is None or not (ctx.out_dir / path).exists():
        path = _DRAWN[key] = draw()
    return path
