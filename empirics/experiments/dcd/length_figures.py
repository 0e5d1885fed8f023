"""Figures and convergence of the ``dcd_length`` records (002's length-generalisation tables):
the accuracy-against-length figure, the rule that says a model is at chance, and the
convergence note (with the training-curves figure) every record of the experiment carries.

The claims and the experiment live in :mod:`empirics.experiments.dcd.length` and
:mod:`empirics.experiments.dcd.length_rows`; this module takes the table's constants as
arguments, so it imports neither.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chasm_theory._context import Context
from chasm_theory._record import Outcome
from chasm_theory.oracles.groups import get_group
from empirics.engine import convergence
from empirics.engine.figures import once

__all__ = ["CHANCE_TOL", "at_chance", "accuracy_figure", "summaries", "finish",
           "without_training"]

CHANCE_TOL = 0.05  # at chance: every window up to the training length within 0.05 of 1/|G|
CURVES = ("dcd_length_training_curves", "002 group-tracking models")  # figure name, title


def at_chance(curve: Mapping[str, Any], order: int, train_len: int) -> bool:
    """The model did not learn the task: every accuracy window that ends within the training
    length lies within :data:`CHANCE_TOL` of chance, 1/|G| (``order`` = |G|)."""
    from chasm_theory._figures import is_at_chance

    inside = [a for e, a in zip(curve["lengths"], curve["accuracy"]) if e <= train_len]
    return is_at_chance(inside, 1.0 / order, CHANCE_TOL)


def accuracy_figure(ctx: Context, res: Mapping[str, Any], *, models: Sequence[str],
                    paper: Mapping[str, Mapping[str, int | None]], thresh: float,
                    train_len: int, title: str) -> str:
    """Accuracy against length, one panel per group (the table's columns ``models``, one line
    per training seed, ``accuracy``: (seeds, windows)): the
    threshold line, the training length, chance 1/|G| and the paper's longest length per model
    (crosses on the threshold line; ✘ cells have none); the models at chance
    (:func:`at_chance`) are named in their panel. ``title`` carries the verdict."""
    from chasm_theory._figures import at_chance as say_at_chance
    from chasm_theory._figures import legend_below, mark_paper, new_figure

    order_of_groups = list(next(iter(paper.values())))
    groups = sorted({k.split("/")[0] for k in res["cells"]}, key=order_of_groups.index)
    ncols = min(4, len(groups))
    nrows = -(-len(groups) // ncols)
    fig, axes = new_figure(nrows, ncols, width=3.6 * ncols, height=3.0 * nrows + 1.0,
                           sharey=True)
    flat = [axes] if nrows == ncols == 1 else [ax for row in axes for ax in row]
    for ax, g in zip(flat, groups):
        order = get_group(g).order
        chance = []
        for i, m in enumerate(models):
            c = res["cells"].get(f"{g}/{m}")
            if not c:
                continue
            for s, acc in enumerate(c["accuracy"]):  # one line per training seed
                ax.plot(c["lengths"], acc, color=f"C{i}", lw=1.2 if s == 0 else 0.8,
                        label=m if s == 0 else None)
            mark_paper(ax, [paper[m].get(g) or float("nan")], [thresh], color=f"C{i}",
                       label="paper: longest length > 90 %")
            if all(at_chance({"lengths": c["lengths"], "accuracy": acc}, order, train_len)
                   for acc in c["accuracy"]):
                chance.append(m)
        ax.axhline(1.0 / order, color="0.4", ls=":", lw=1, label="chance 1/|G|")
        if chance:
            say_at_chance(ax, "at chance (did not learn):\n" + ", ".join(chance))
        ax.set_title(f"{g} (|G| = {order})", fontsize=8)
    for ax in flat[:len(groups)]:
        ax.axhline(thresh, color="k", ls="--", lw=0.8, label=f"{thresh:.0%} threshold")
        ax.axvline(train_len, color="0.6", lw=0.8, label="training length")
        ax.set_xlabel("length (windows of 20 positions)", fontsize=7)
    for ax in flat[len(groups):]:
        ax.set_visible(False)
    flat[0].set_ylabel("accuracy")
    fig.suptitle(title, fontsize=9)
    legend_below(fig, ncol=4)
    return ctx.savefig(fig, "dcd_length_accuracy")


def _runs(res: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {**res.get("cells", {}),
            **{f"ablation/{k}": v for k, v in (res.get("ablation") or {}).items()}}


def summaries(res: Mapping[str, Any], keys: Sequence[str] | None = None
              ) -> dict[str, list[dict[str, Any]]]:
    """run name -> [its training summary per seed] for the runs ``keys`` (all if None): table
    cells as
    "<group>/<model>", ablation cells as "ablation/<group>/<model>"; runs whose results carry
    no summary are left out."""
    return {k: list(v["training"]) for k, v in _runs(res).items()
            if (keys is None or k in keys) and v.get("training")}


def without_training(cells: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``cells`` without their training summaries (a record's details keep the accuracy
    curves; the training curves are in the convergence details and figure)."""
    return {k: {f: v for f, v in c.items() if f != "training"} for k, c in cells.items()}


def finish(ctx: Context, res: Mapping[str, Any], out: Outcome, keys: Sequence[str]) -> Outcome:
    """A dcd_length record: the convergence note of the runs ``keys`` it reads (names as in
    :func:`summaries`) and the experiment's training-curves figure (every run, drawn once per
    results)."""
    every = summaries(res)
    if not every:
        out.evidence += " Convergence: these results carry no training summaries."
        return out
    name, title = CURVES
    curves = once(ctx, name, every, lambda: convergence.curves_figure(ctx, every, name, title))
    return convergence.attach(out, summaries(res, keys), ctx.profile, curves)
