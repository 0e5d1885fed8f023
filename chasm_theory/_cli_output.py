"""What the CLI prints: suggestions for unknown ids, counterexamples as readable text, what a
command wrote, how long cached runs took. Kept apart from ``cli.py`` (argument parsing and
dispatch) so each stays short."""
from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_CODES = """exit status:
  0    success (fuzz: no counterexample found)
  1    fuzz: a counterexample was found; run: the experiment's run failed;
       train: a training run failed
  2    bad input: unknown id or experiment, bad option or parameter (one line on stderr)
  3    check/report: a check raised (verdict 'error'; the report is still written)
  130  interrupted"""

EXIT_COUNTEREXAMPLE = 1
EXIT_RUN_FAILED = 1
EXIT_CHECK_ERROR = 3


def suggest_ids(pattern: str, ids: Sequence[str], n: int = 4) -> list[str]:
    """Close matches among the ids *and their prefixes*: ``chasm.thm33`` suggests the prefix
    ``chasm.thm3`` (the longest known prefix the pattern starts with) first."""
    prefixes = {".".join(i.split(".")[:k]) for i in ids for k in range(1, i.count(".") + 1)}
    out: list[str] = []
    starts = [p for p in prefixes | set(ids) if pattern.startswith(p) and p != pattern]
    if starts:
        out.append(max(starts, key=len))
    for m in difflib.get_close_matches(pattern, sorted(prefixes | set(ids)), n=n + 1, cutoff=0.6):
        if m not in out:
            out.append(m)
    return out[:n]


# --------------------------------------------------------------------------- fuzz


@dataclasses.dataclass
class FuzzCounter:
    """Counts the property evaluations of a search: how many before the first counterexample
    (the search) and how many after (hypothesis shrinking it)."""

    evaluations: int = 0
    first_failure: int | None = None

    def wrap(self, spec: Any) -> Any:
        def holds(x: Any) -> bool:
            self.evaluations += 1
            ok = bool(spec.holds(x))
            if not ok and self.first_failure is None:
                self.first_failure = self.evaluations
            return ok

        return dataclasses.replace(spec, holds=holds)

    @property
    def shrink_evaluations(self) -> int:
        return 0 if self.first_failure is None else self.evaluations - self.first_failure


def _is_matrix(v: Any) -> bool:
    return (isinstance(v, (list, tuple)) and len(v) > 0
            and all(isinstance(r, (list, tuple)) for r in v)
            and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                    for r in v for x in r))


def readable(v: Any, indent: str = "  ") -> str:
    """A counterexample as text: ``name = value`` lines, matrices as aligned rows."""
    import numpy as np

    def value(x: Any, prefix: str) -> str:
        if isinstance(x, np.ndarray) or _is_matrix(x):
            arr = np.asarray(x, dtype=float)
            return np.array2string(arr, prefix=prefix, precision=6, suppress_small=True)
        if isinstance(x, float):
            return f"{x:.6g}"
        if isinstance(x, dict):
            return "{" + ", ".join(f"{k}: {value(y, '')}" for k, y in x.items()) + "}"
        return str(x)

    if isinstance(v, dict):
        width = max((len(str(k)) for k in v), default=0)
        lines = []
        for k, x in v.items():
            head = f"{indent}{str(k):<{width}} = "
            lines.append(head + value(x, " " * len(head)))
        return "\n".join(lines)
    return indent + value(v, indent)


def jsonable(v: Any) -> Any:
    """``v`` as plain JSON data (numpy arrays to lists, anything else unknown to ``repr``)."""
    from chasm_theory._io import to_json

    try:
        return json.loads(to_json(v))
    except TypeError:
        return repr(v)


# --------------------------------------------------------------------------- files written


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """``relative path -> (mtime_ns, size)`` of the files under ``root`` (empty if absent)."""
    if not root.is_dir():
        return {}
    out = {}
    for p in root.rglob("*"):
        if p.is_file():
            st = p.stat()
            out[p.relative_to(root).as_posix()] = (st.st_mtime_ns, st.st_size)
    return out


def written(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """Files new or changed between two snapshots, sorted."""
    return sorted(p for p, s in after.items() if before.get(p) != s)


# --------------------------------------------------------------------------- run costs


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def cached_cost(reports_dir: Path, exp: Any, profile: str, seed: int) -> str:
    """Wall time of the cached run of ``exp`` whose config hash is current, else of the newest
    stale one (marked; a run on the replicates trained so far says how many), else "–"."""
    from chasm_theory._experiments import config_hash, result_path

    try:
        h = config_hash(exp, exp.config(profile), seed)
    except Exception:  # noqa: BLE001 - a config that cannot be built has no cost to show
        return "–"
    current = result_path(reports_dir, exp, profile, h)
    files = [current] if current.exists() else list(
        (reports_dir / "runs" / profile).glob(f"{exp.name}-*.json"))
    docs = []
    for f in files:
        try:
            docs.append(json.loads(f.read_text()))
        except (OSError, ValueError):
            continue
    if not docs:
        return "–"
    newest = max(docs, key=lambda d: str((d.get("provenance") or {}).get("date", "")))
    text = duration((newest.get("provenance") or {}).get("wall_s"))
    if current.exists():
        return text
    short = newest.get("seeds")  # evaluated on the replicates trained so far
    return f"{text} ({short['used']} of {short['planned']} seeds)" if short else \
        f"{text} (stale config)"
