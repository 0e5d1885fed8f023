"""Convergence at the training budget, read from a trained model's summary (held-out curve).

**The rule** (one rule for every trained-model claim). Every run logs, each ``log_every``
steps, the loss on one fixed held-out batch (:func:`empirics.engine.training.train`). A run
has *settled* at its budget when that held-out loss changed by less than :data:`TOL` = 1 %
(relative) over the last quarter of training::

    change = (L_last − L_q) / |L_q|,   L_q = first logged held-out loss at a step ≥ ¾·steps,
                                       L_last = the last logged one;

``|change| < 1 %``: settled; ``change ≤ −1 %``: still improving (not converged at the
budget); ``change ≥ +1 %``: rising (not converged either). Fewer than two logged points in the
last quarter, or a non-finite loss: unknown. With the cosine schedule the learning rate in the
last quarter is at most 15 % of its peak, so a settled curve is necessary for convergence, not
proof of it; a run that is still improving would have gained from more steps at the papers'
budget. The flag is evidence only: it does not change a verdict (the budget rule of the
registry caps trained-model verdicts below the papers' budget; at the papers' budget the
papers' own models had the same number of steps).

:func:`assess` applies the rule to every replicate of every model of an experiment,
:func:`note` writes the sentence every trained-model claim's evidence carries, :func:`attach`
adds it (and the curves figure) to an outcome, :func:`curves_figure` draws one PNG per
experiment: training and held-out loss per model and seed; :func:`attach_curves` does both for
a check (the figure drawn once per results).
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from chasm_theory._context import Context
from chasm_theory._record import Outcome
from empirics.engine.figures import once

__all__ = ["TOL", "RULE", "heldout_change", "status", "assess", "not_converged", "note",
           "attach", "curves_figure", "attach_curves"]

TOL = 0.01
RULE = ("converged at the budget = held-out loss (fixed held-out batch) changed by less than "
        "1 % (relative) over the last quarter of training; ≤ −1 %: still improving, ≥ +1 %: "
        "rising (both: not converged)")

Summaries = Mapping[str, Sequence[Mapping[str, Any]]]  # model name -> one summary per seed


def heldout_change(heldout_curve: Sequence[Sequence[float]], steps: int) -> float | None:
    """Relative change of the held-out loss over the last quarter of ``steps``: (L_last − L_q)
    / |L_q| with L_q the first logged value at a step ≥ ¾·steps; None when fewer than two
    points fall in the last quarter or L_q is 0."""
    tail = [float(v) for s, v in heldout_curve if s >= 0.75 * steps]
    if len(tail) < 2 or not tail[0]:
        return None
    return (tail[-1] - tail[0]) / abs(tail[0])


def status(summary: Mapping[str, Any]) -> tuple[str, float | None]:
    """``(status, change)`` of one run: status is 'settled', 'still improving', 'rising' or
    'unknown' under the rule of this module."""
    ch = summary.get("heldout_rel_change_last_quarter")
    if ch is None and summary.get("heldout_curve"):
        ch = heldout_change(summary["heldout_curve"], int(summary["steps"]))
    if ch is None or not math.isfinite(float(ch)):
        return "unknown", None
    ch = float(ch)
    if abs(ch) < TOL:
        return "settled", ch
    return ("still improving" if ch < 0 else "rising"), ch


def assess(summaries: Summaries) -> dict[str, list[dict[str, Any]]]:
    """name -> per seed ``{"seed": replicate index, "status", "change"}`` (change rounded to
    4 significant digits: the record stays stable across platforms)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, runs in summaries.items():
        out[name] = []
        for r, s in enumerate(runs):
            st, ch = status(s)
            out[name].append({"seed": r, "status": st,
                              "change": None if ch is None else float(f"{ch:.4g}")})
    return out


def not_converged(summaries: Summaries) -> list[str]:
    """The models with at least one replicate that did not settle (or is unknown)."""
    return [n for n, rows in assess(summaries).items()
            if any(r["status"] != "settled" for r in rows)]


def _pct(c: float | None) -> str:
    return "n/a" if c is None else f"{100 * c:+.1f} %"


def note(summaries: Summaries, profile: str) -> str:
    """The sentence a trained-model claim's evidence carries: which models (and seeds) had not
    converged at the budget, under :data:`RULE`."""
    a = assess(summaries)
    budget = "the papers' budget" if profile == "full" else f"this ({profile}-profile) budget"
    n_runs = sum(len(v) for v in a.values())
    bad = []
    for name, rows in a.items():
        for st in ("still improving", "rising", "unknown"):
            hit = [r for r in rows if r["status"] == st]
            if hit:
                bad.append(f"{name} seed{'s' if len(hit) > 1 else ''} "
                           f"{', '.join(str(r['seed']) for r in hit)} ({st}: "
                           f"{', '.join(_pct(r['change']) for r in hit)})")
    head = f"Convergence ({n_runs} training runs; {RULE}): "
    if not bad:
        return head + f"every run settled at {budget}."
    return head + f"not converged at {budget}: " + "; ".join(bad) + "."


def attach(out: Outcome, summaries: Summaries, profile: str,
           figure: str | Sequence[str] | None = None) -> Outcome:
    """``out`` with the convergence note appended to its evidence, the per-run statuses in
    ``details["convergence"]`` (merged with those already there: a check may attach the runs
    of several experiments) and the training-curves figure(s) added to its figures."""
    new = [figure] if isinstance(figure, str) else list(figure or [])
    figs = list(out.figures)
    figs += [f for f in new if f and f not in figs]
    old = out.details.get("convergence") or {}
    slow = list(old.get("not_converged", []))
    slow += [n for n in not_converged(summaries) if n not in slow]
    return dataclasses.replace(
        out, evidence=f"{out.evidence} {note(summaries, profile)}", figures=figs,
        details={**out.details, "convergence": {
            "rule": RULE, "runs": {**old.get("runs", {}), **assess(summaries)},
            "not_converged": slow}})


# ----------------------------------------------------------------------------- figure


def curves_figure(ctx: Context, summaries: Summaries, name: str, title: str) -> str:
    """One PNG per experiment: for each model a panel with the training loss (solid, window
    means) and the held-out loss (dashed) of every seed against the step, the last quarter
    shaded, the panel titled with the convergence status; log-y when the positive losses span
    more than a factor 3."""
    from chasm_theory._figures import legend_below, new_figure

    names = list(summaries)
    ncols = min(4, max(1, len(names)))
    nrows = max(1, math.ceil(len(names) / ncols))
    fig, axes = new_figure(nrows, ncols, width=3.2 * ncols, height=2.6 * nrows + 0.8)
    if nrows == ncols == 1:
        axes = [[axes]]
    a = assess(summaries)
    for i, model in enumerate(names):
        ax = axes[i // ncols][i % ncols]
        vals: list[float] = []
        steps = 1
        for r, s in enumerate(summaries[model]):
            steps = max(steps, int(s.get("steps", 1)))
            for key, ls in (("curve", "-"), ("heldout_curve", "--")):
                pts = [(float(x), float(y)) for x, y in s.get(key) or [] if math.isfinite(float(y))]
                if pts:
                    ax.plot(*zip(*pts), ls=ls, color=f"C{r}", lw=1.1, marker=".", ms=3,
                            label=f"seed {r} {'held-out' if key != 'curve' else 'training'}")
                    vals += [y for _, y in pts]
        ax.axvspan(0.75 * steps, steps, color="0.9", lw=0, label="last quarter")
        if vals and min(vals) > 0 and max(vals) > 3 * min(vals):
            ax.set_yscale("log")  # log only where the losses span a decade-like range
        sts = sorted({row["status"] for row in a[model]})
        ax.set_title(f"{model}: {', '.join(sts)}", fontsize=8,
                     color="black" if sts == ["settled"] else "#cf222e")
        ax.set_xlabel("optimizer step", fontsize=7)
        ax.set_ylabel("loss", fontsize=7)
        ax.tick_params(labelsize=6)
    for j in range(len(names), nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    bad = not_converged(summaries)
    budget = "the papers' budget" if ctx.profile == "full" else f"the {ctx.profile} budget"
    which = ", ".join(bad) if len(bad) <= 3 else f"{len(bad)} of {len(names)} models"
    fig.suptitle(f"{title}: training (solid) and held-out (dashed) loss — "
                 + (f"not converged at {budget}: {which}" if bad
                    else f"every run settled at {budget}"), fontsize=9,
                 color="#cf222e" if bad else "black")
    legend_below(fig, ncol=4)
    return ctx.savefig(fig, name)


def attach_curves(ctx: Context, out: Outcome, summaries: Summaries, figure: str, title: str,
                  drawn: Summaries | None = None) -> Outcome:
    """:func:`attach` for a check: ``out`` with the convergence note of ``summaries`` and the
    experiment's training-curves PNG ``figure`` of ``drawn`` (default ``summaries``: every model
    the experiment trained), drawn once per content (:func:`empirics.engine.figures.once`)."""
    every = summaries if drawn is None else drawn
    curves = once(ctx, figure, every, lambda: curves_figure(ctx, every, figure, title))
    return attach(out, summaries, ctx.profile, curves)
