"""Figure helpers shared by every check that draws: figures a reader understands alone.

Rules the helpers enforce (issue 10):

- the verdict is in the title (:func:`verdict_title`), coloured like the report's verdicts;
- the paper's values are marked beside ours (:func:`mark_paper`), with one legend entry;
- a confidence interval with an infinite end is drawn to the axis edge and marked with an arrow
  and "∞" (:func:`ci_bars`, :func:`ci_band`); no non-finite number reaches ``errorbar`` or
  ``fill_between`` (that is what raised ``RuntimeWarning: invalid value encountered in add``);
- a model at chance says so on the figure (:func:`at_chance`);
- a log axis never spans rounding noise (:func:`log_floor`: values below the floor are drawn at
  the floor and the floor is labelled);
- titles and legends do not overlap (:func:`new_figure` uses constrained layout,
  :func:`legend_below` puts a long legend under the axes);
- the PNG bytes depend only on the figure (:func:`png_bytes`: no software/version tag, fixed
  dpi), so the same data give the same file.

Only matplotlib and numpy are used; ``Agg`` is selected on first use.
"""
from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

VERDICT_COLORS = {"holds": "#1a7f37", "fails": "#cf222e", "vacuous": "#9a6700",
                  "inconclusive": "#8250df", "not-run": "#6e7781", "error": "#6e7781"}
PAPER_STYLE = {"marker": "x", "color": "black", "ms": 8, "mew": 1.6, "ls": "none"}
DPI = 110


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 5.5, height: float = 3.6,
               **kw: Any) -> tuple[Any, Any]:
    """``(fig, axes)`` with constrained layout (titles, labels and legends never overlap).
    ``axes`` is a single Axes when ``nrows == ncols == 1``, else a 2-D array."""
    plt = _plt()
    squeeze = nrows == ncols == 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained",
                             squeeze=squeeze, **kw)
    return fig, axes


def verdict_label(verdict: str, at_budget: str | None = None,
                  where: str = "at this budget") -> str:
    """``"fails"``, or for a capped record ``"inconclusive (at this budget: fails)"`` (``where``
    says what caps it, e.g. ``"on these seeds"`` for the seed rule)."""
    return f"{verdict} ({where}: {at_budget})" if at_budget else verdict


def verdict_title(target: Any, title: str, verdict: str, at_budget: str | None = None,
                  fontsize: float = 9, where: str = "at this budget") -> None:
    """Title ``"<title> — <verdict>"`` on an Axes (``set_title``) or a Figure (``suptitle``),
    coloured by the verdict. ``at_budget`` is ``details.verdict_at_this_budget`` when the
    record is capped (below the training budget, or on fewer seeds than planned)."""
    text = f"{title} — {verdict_label(verdict, at_budget, where)}"
    color = VERDICT_COLORS.get(at_budget or verdict, "black")
    if hasattr(target, "suptitle"):
        target.suptitle(text, fontsize=fontsize + 1, color=color)
    else:
        target.set_title(text, fontsize=fontsize, color=color)


def finite_or_none(v: Any) -> float | None:
    """``float(v)`` when it is a finite number (numbers stored as "inf"/"nan" strings included),
    else ``None``."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _as_float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def ci_bars(ax: Any, x: Sequence[float], est: Sequence[Any], lo: Sequence[Any],
            hi: Sequence[Any], *, color: str | None = None, label: str | None = None,
            marker: str = "o", log: bool | None = None) -> None:
    """Point estimates with vertical CI bars. Infinite (or non-finite) ends are drawn to the
    axis edge and marked with an arrow and "∞"; a non-finite estimate is not drawn. Call after
    the axis scale is set (``log`` defaults to ``ax.get_yscale() == 'log'``); on a log axis a
    non-positive lower end is drawn to the axis edge the same way."""
    log = ax.get_yscale() == "log" if log is None else log
    xs = np.asarray(x, dtype=float)
    e = np.array([_as_float(v) for v in est])
    lo_a = np.array([_as_float(v) for v in lo])
    hi_a = np.array([_as_float(v) for v in hi])
    ok_e = np.isfinite(e) & ((e > 0) if log else True)
    line = ax.plot(xs[ok_e], e[ok_e], marker=marker, ls="none", color=color, label=label, ms=5)
    color = line[0].get_color() if line else color
    finite_vals = np.concatenate([v[np.isfinite(v) & ((v > 0) if log else True)]
                                  for v in (e, lo_a, hi_a)])
    if finite_vals.size == 0:
        return
    y_min, y_max = float(finite_vals.min()), float(finite_vals.max())
    if log:
        top, bottom = y_max * 10, y_min / 10
    else:
        span = (y_max - y_min) or max(abs(y_max), 1.0)
        top, bottom = y_max + 0.25 * span, y_min - 0.25 * span
    for xi, lo_i, hi_i in zip(xs, lo_a, hi_a):
        lo_open = not math.isfinite(lo_i) or (log and lo_i <= 0)
        hi_open = not math.isfinite(hi_i)
        a = bottom if lo_open else lo_i
        b = top if hi_open else hi_i
        if not (math.isfinite(a) and math.isfinite(b)):
            continue
        ax.vlines(xi, a, b, color=color, lw=1.4)
        if hi_open:
            ax.plot(xi, b, marker="^", color=color, ms=6)
            ax.annotate("∞", (xi, b), textcoords="offset points", xytext=(4, -2), fontsize=7,
                        color=color)
        if lo_open:
            ax.plot(xi, a, marker="v", color=color, ms=6)
            ax.annotate("−∞" if not log or not math.isfinite(lo_i) else "≤0", (xi, a),
                        textcoords="offset points", xytext=(4, -2), fontsize=7, color=color)


def ci_band(ax: Any, x: Sequence[float], lo: Sequence[Any], hi: Sequence[Any], *,
            color: str | None = None, alpha: float = 0.25, label: str | None = None) -> bool:
    """A shaded CI band drawn only where both ends are finite (and positive on a log axis);
    returns True when some part was left out, so the caller can say so in the legend."""
    log = ax.get_yscale() == "log"
    xs = np.asarray(x, dtype=float)
    lo_a = np.array([_as_float(v) for v in lo])
    hi_a = np.array([_as_float(v) for v in hi])
    ok = np.isfinite(lo_a) & np.isfinite(hi_a)
    if log:
        ok &= (lo_a > 0) & (hi_a > 0)
    if ok.any():
        ax.fill_between(xs, np.where(ok, lo_a, 0.0), np.where(ok, hi_a, 0.0), where=ok,
                        color=color, alpha=alpha, lw=0, label=label)
    return bool((~ok).any())


def mark_paper(ax: Any, x: Sequence[float] | float, y: Sequence[Any] | Any,
               label: str = "paper", **style: Any) -> None:
    """The paper's values as black crosses beside ours; non-numeric or missing values (the
    paper's "–", "✘") are skipped."""
    xs = np.atleast_1d(np.asarray(x, dtype=float))
    ys = np.array([_as_float(v) for v in np.atleast_1d(np.asarray(y, dtype=object))])
    ok = np.isfinite(ys)
    if ok.any():
        ax.plot(xs[ok], ys[ok], label=label, **{**PAPER_STYLE, **style})


def at_chance(ax: Any, text: str = "at chance: the model did not learn this task",
              level: float | None = None, *, label: str = "chance") -> None:
    """Say on the figure that a model performs at chance; with ``level`` also draw the chance
    line."""
    if level is not None:
        ax.axhline(level, color="0.4", ls=":", lw=1, label=label)
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=8,
            color="#9a6700", bbox={"boxstyle": "round", "fc": "#fff8c5", "ec": "#9a6700",
                                   "alpha": 0.9})


def is_at_chance(values: Iterable[Any], chance: float, tol: float) -> bool:
    """True when every finite value lies within ``tol`` of the chance level."""
    vals = [f for f in (finite_or_none(v) for v in values) if f is not None]
    return bool(vals) and all(abs(v - chance) <= tol for v in vals)


def log_floor(ax: Any, floor: float, *, axis: str = "y", note: bool = True) -> None:
    """Keep a log axis above ``floor`` (e.g. the float64 rounding floor 1e-12 of a difference):
    the axis starts at ``floor``, and a note says that smaller values are rounding noise.
    Draw the data through :func:`clip_floor` first."""
    if axis == "y":
        lo, hi = ax.get_ylim()
        ax.set_ylim(max(lo, floor), max(hi, floor * 10))
    else:
        lo, hi = ax.get_xlim()
        ax.set_xlim(max(lo, floor), max(hi, floor * 10))
    if note:
        ax.text(0.99, 0.01, f"values < {floor:.0e} (rounding) drawn at {floor:.0e}",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=6, color="0.4")


def clip_floor(values: Sequence[Any], floor: float) -> np.ndarray:
    """``|values|`` with everything below ``floor`` (and non-finite) set to ``floor``."""
    a = np.abs(np.array([_as_float(v) for v in values]))
    return np.where(np.isfinite(a) & (a >= floor), a, floor)


def legend_below(ax_or_fig: Any, ncol: int = 3, fontsize: float = 7, **kw: Any) -> Any:
    """A legend under the axes (outside the data, so it covers nothing). Works on an Axes or a
    Figure made by :func:`new_figure` (constrained layout leaves room for it)."""
    if hasattr(ax_or_fig, "suptitle"):  # a Figure: gather the axes' handles, without repeats
        handles, labels = [], []
        for ax in ax_or_fig.axes:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        return ax_or_fig.legend(handles, labels, loc="outside lower center", ncol=ncol,
                                fontsize=fontsize, frameon=False, **kw)
    return ax_or_fig.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=ncol,
                            fontsize=fontsize, frameon=False, **kw)


def png_bytes(fig: Any, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes that depend only on what is drawn (no "Software" tag with the
    matplotlib version, fixed dpi); the figure is closed."""
    plt = _plt()
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight",
                    metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()


__all__ = [
    "VERDICT_COLORS",
    "at_chance",
    "ci_band",
    "ci_bars",
    "clip_floor",
    "finite_or_none",
    "is_at_chance",
    "legend_below",
    "log_floor",
    "mark_paper",
    "new_figure",
    "png_bytes",
    "verdict_label",
    "verdict_title",
]
