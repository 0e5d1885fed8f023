"""How a record's values are written for a reader: numbers, CIs, the one-number headline, and
the verdict buckets (the three kinds of "no verdict yet" counted apart)."""
from __future__ import annotations

import math
from typing import Any

# The order verdicts are counted and shown in. "inconclusive" is split: below the papers'
# training budget (the record keeps the verdict the numbers give at this budget, the "lean")
# and undecided at this budget (the intervals overlap). "error" is a check that raised.
BUCKETS: tuple[str, ...] = ("holds", "fails", "vacuous", "below-budget", "few-seeds", "undecided",
                            "error", "not-run")
# the buckets of a capped record: its numbers give a verdict (the lean) that a rule withholds
CAPPED_BUCKETS: tuple[str, ...] = ("below-budget", "few-seeds")
BUCKET_LABELS = {
    "holds": "holds",
    "fails": "fails",
    "vacuous": "vacuous",
    "below-budget": "inconclusive: below budget",
    "few-seeds": "inconclusive: seeds still training",
    "undecided": "inconclusive: undecided",
    "error": "check error",
    "not-run": "not-run",
}
BUCKET_MEANING = {
    "holds": "the check confirms the statement (exactly, or within the stated tolerance)",
    "fails": "a counterexample or a measurement contradicts the statement",
    "vacuous": "true only trivially: a premise does not hold, or the bound is infinite",
    "below-budget": "a claim about trained models, measured far below the papers' training "
    "budget; the lean is the verdict the numbers give at this budget, the full profile decides",
    "few-seeds": "a claim about trained models at the papers' budget, measured on fewer training "
    "seeds than planned (the rest are training); the lean is the verdict on the seeds at hand",
    "undecided": "the measurement's interval overlaps both outcomes at this budget, or a "
    "comparison of trained models whose favoured model did not beat its task's baseline (the "
    "learned rule; its lean is kept)",
    "error": "the check raised (or the run it read failed): no measurement, no verdict",
    "not-run": "needs a run this profile does not allow (e.g. a GPU run in the quick profile)",
}


def lean(r: dict[str, Any]) -> str | None:
    """The verdict a budget-capped record's numbers give at this budget, if any."""
    return (r.get("details") or {}).get("verdict_at_this_budget")


def bucket(r: dict[str, Any]) -> str:
    """One of :data:`BUCKETS`. Records written before the ``error`` verdict existed (an
    ``inconclusive`` with a traceback in ``details``) count as check errors too."""
    v = r["verdict"]
    if v == "error" or (v == "inconclusive" and "traceback" in (r.get("details") or {})):
        return "error"
    if v == "inconclusive":
        if not lean(r):
            return "undecided"
        return "few-seeds" if (r.get("details") or {}).get("capped_by") == "seeds" \
            else "below-budget"
    return v


def seeds_short(r: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs a record read on fewer training seeds than planned (later replicates still
    training)."""
    return [x for x in r.get("runs") or []
            if x.get("seeds_used", 0) < x.get("seeds_planned", 0)]


def is_pending(r: dict[str, Any]) -> bool:
    """Whether ``report --pending`` reruns the record: not-run, a check error, or read from
    runs on fewer training seeds than planned (whatever its verdict on those seeds)."""
    return bucket(r) in ("not-run", "few-seeds", "error") or bool(seeds_short(r))


def verdict_cell(r: dict[str, Any]) -> str:
    """Bold verdict; for budget-capped records also the lean."""
    b = bucket(r)
    if b == "error":
        return "**check error**"
    if b == "below-budget":
        return f"**inconclusive** (below budget; lean: {lean(r)})"
    if b == "few-seeds":
        return f"**inconclusive** (seeds still training; lean: {lean(r)})"
    if b == "undecided" and (r.get("details") or {}).get("verdict_if_learned") in ("holds",
                                                                                    "fails"):
        return ("**inconclusive** (a favoured model did not learn its task; lean: "
                f"{r['details']['verdict_if_learned']})")
    if b == "undecided":
        short = seeds_short(r)
        return "**inconclusive** (undecided" + (
            f" on {min(x['seeds_used'] for x in short)} of "
            f"{max(x['seeds_planned'] for x in short)} seeds)" if short else ")")
    return f"**{r['verdict']}**"


# --------------------------------------------------------------------------- numbers


def as_number(v: Any) -> float | None:
    """A float for numbers and for the strings "inf", "-inf", "nan"; else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and v in ("inf", "-inf", "nan"):
        return float(v)
    try:  # numpy scalars
        import numpy as np

        if isinstance(v, np.generic):
            return float(v)
    except ImportError:  # pragma: no cover
        pass
    return None


def num(v: Any, digits: int = 4) -> str:
    """A number in ``digits`` significant digits; ∞ for infinities; integers as they are."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    f = as_number(v)
    if f is None:
        return str(v)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "∞" if f > 0 else "−∞"
    if f == int(f) and abs(f) < 1e15:
        return str(int(f))
    return f"{f:.{digits}g}"


def is_ci(v: Any) -> bool:
    return isinstance(v, dict) and {"est", "lo", "hi"} <= set(v)


def ci_text(est: Any, lo: Any, hi: Any, digits: int = 3) -> str:
    return f"{num(est, digits)} [{num(lo, digits)}, {num(hi, digits)}]"


def fmt(v: Any, width: int = 90) -> str:
    """Compact one-line rendering of any value (Markdown-table safe)."""
    if v is None:
        s = "–"
    elif isinstance(v, bool):
        s = str(v)
    elif as_number(v) is not None:
        s = num(v)
    elif is_ci(v):
        s = ci_text(v["est"], v["lo"], v["hi"])
    elif isinstance(v, dict):
        s = "; ".join(f"{k}: " + ("{" + fmt(x, width) + "}" if isinstance(x, dict) and not is_ci(x)
                                  else fmt(x, width)) for k, x in v.items())
    elif isinstance(v, (list, tuple)):
        s = "[" + ", ".join(fmt(x, width) for x in v) + "]"
    else:
        s = str(v)
    return clip(s, width)


def clip(s: str, width: int) -> str:
    s = " ".join(str(s).split()).replace("|", "\\|")
    return s if len(s) <= width else s[: width - 1].rstrip() + "…"


# --------------------------------------------------------------------------- headline

_NAMES = {"are": "ARE", "ssm_excess": "SSM excess"}
_PREFERRED = ("ours", "value", "est", "ratio", "slope", "median", "pooled_excess", "spearman",
              "slope_tail")


def headline(r: dict[str, Any], width: int = 60) -> str:
    """The one number a table shows for a record: its ``headline`` when the check gave one,
    else the main number picked from ``measured``."""
    if r.get("headline"):
        return clip(r["headline"], width)
    return clip(main_number(r.get("measured")), width)


def main_number(m: Any) -> str:
    """The main number of a ``measured`` value, with its CI when it has one."""
    if m is None:
        return "–"
    if isinstance(m, (bool, str)) or as_number(m) is not None:
        return fmt(m, 200)
    if is_ci(m):
        return ci_text(m["est"], m["lo"], m["hi"])
    if isinstance(m, (list, tuple)):
        if len(m) <= 4:
            return fmt(m, 200)
        return f"[{fmt(m[0])}, {fmt(m[1])}, … {len(m)} values]"
    if not isinstance(m, dict):
        return fmt(m, 200)
    if "counterexample_found" in m:
        n = m.get("examples", m.get("fuzz_examples"))
        found = "counterexample found" if m["counterexample_found"] else "no counterexample"
        return found + (f" in {n} examples" if n is not None else "")
    for key, v in m.items():  # a CI of a named quantity (are_ci, ssm_excess_ci, ...)
        if is_ci(v) and key.endswith("_ci"):
            name = _NAMES.get(key[:-3], key[:-3])
            return f"{name} {ci_text(v['est'], v['lo'], v['hi'])}"
    ci = m.get("ci") or m.get("ci95")
    for key in _PREFERRED:
        if key in m and (as_number(m[key]) is not None or is_ci(m[key])):
            v = m[key]
            if is_ci(v):
                return (f"{key} " if key != "ours" else "") + ci_text(v["est"], v["lo"], v["hi"])
            if isinstance(ci, (list, tuple)) and len(ci) == 2:
                return f"{key} {ci_text(v, ci[0], ci[1])}"
            extra = ""
            if key == "ours" and isinstance(m.get("matching"), list):
                extra = f" ({len(m['matching'])} readings match)" if m["matching"] else \
                    " (no reading matches)"
            return (f"{key} " if key != "ours" else "") + num(v) + extra
    leaves = list(_leaves(m))
    if not leaves:
        return "–"
    path, v = next(((p, x) for p, x in leaves if not isinstance(x, str)), leaves[0])
    text = f"{path}: {fmt(v, 40)}"
    return text + (f" (+{len(leaves) - 1} more)" if len(leaves) > 1 else "")


def _leaves(m: Any, prefix: str = "") -> Any:
    """(path, value) of the scalar leaves of a nested dict; a CI dict is one leaf."""
    if isinstance(m, dict) and not is_ci(m):
        for k, v in m.items():
            yield from _leaves(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(m, (list, tuple)) and len(m) > 4:
        yield prefix, f"{len(m)} values"
    else:
        yield prefix, m


def compact_json(obj: Any, width: int = 96, indent: int = 0) -> str:
    """JSON (non-finite floats as strings, like ``claims.json``) with every container that fits
    in ``width`` characters on one line."""
    import json

    from chasm_theory._io import to_json

    plain = json.loads(to_json(obj))
    return _compact(plain, width, indent)


def _compact(v: Any, width: int, indent: int) -> str:
    import json

    one = json.dumps(v, ensure_ascii=False)
    if len(one) + indent <= width or not isinstance(v, (dict, list)) or not v:
        return one
    pad = " " * (indent + 2)
    if isinstance(v, dict):
        items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {_compact(x, width, indent + 2)}"
                 for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + _compact(x, width, indent + 2) for x in v]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
