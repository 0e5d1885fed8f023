"""Regenerate ``reports/``: ``claims.json``, ``REPORT.md`` and the figures the checks draw."""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from chasm_theory._context import Context
from chasm_theory._experiments import git_commit
from chasm_theory._io import atomic_write_json, atomic_write_text
from chasm_theory._record import VERDICTS, Record
from chasm_theory._registry import Claim, all_claims, run_claim

# Paper order of the report's sections (by id prefix); anything else follows alphabetically.
ORDER = [
    "chasm.lemma1", "chasm.lemma2", "chasm.prop1", "chasm.thm2", "chasm.oracle", "chasm.thm3", "chasm.thm4",
    "chasm.cor1", "chasm.defn1", "chasm.thm1", "chasm.params", "chasm.exp1", "chasm.exp2",
    "chasm.exp3", "chasm.exp4", "chasm.exp5", "chasm.exp6", "chasm.exp7", "chasm.exp8",
    "chasm.appD", "bayes", "dcd", "gen",
]


def sort_key(claim_id: str) -> tuple[int, str]:
    for i, p in enumerate(ORDER):
        if claim_id == p or claim_id.startswith(p + "."):
            return (i, claim_id)
    return (len(ORDER), claim_id)


def fmt(v: Any, width: int = 90) -> str:
    """Compact one-line rendering of a measured/predicted value for tables."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return str(v)
        return f"{v:.4g}"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dict):
        s = "; ".join(f"{k}: {fmt(x, width)}" for k, x in v.items())
    elif isinstance(v, (list, tuple)):
        s = "[" + ", ".join(fmt(x, width) for x in v) + "]"
    else:
        s = str(v)
    s = s.replace("|", "\\|").replace("\n", " ")
    return s if len(s) <= width else s[: width - 1] + "…"


def verdict_cell(r: dict[str, Any]) -> str:
    """Bold verdict; for budget-capped records also the verdict the numbers give at this budget."""
    at_budget = (r.get("details") or {}).get("verdict_at_this_budget")
    cell = f"**{r['verdict']}**"
    return cell + (f" (at this budget: {at_budget})" if at_budget else "")


def run_claims(claims: Iterable[Claim], ctx: Context, show_progress: bool = True) -> list[Record]:
    claims = sorted(claims, key=lambda c: sort_key(c.id))
    records: list[Record] = []
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), disable=not show_progress, transient=False,
    ) as progress:
        ctx.progress = progress
        task = progress.add_task("claims", total=len(claims))
        for c in claims:
            progress.update(task, description=f"claims: {c.id}")
            records.append(run_claim(c, ctx))
            progress.advance(task)
        progress.update(task, description="claims")
    ctx.progress = None
    return records


def load_records(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    doc = json.loads(path.read_text())
    return {r["id"]: r for r in doc.get("claims", [])}


def write_reports(records: dict[str, dict[str, Any]], out_dir: Path, profile: str) -> None:
    """Write ``claims.json`` and ``REPORT.md`` under ``out_dir`` from record dicts."""
    recs = [records[k] for k in sorted(records, key=sort_key)]
    counts = {v: sum(r["verdict"] == v for r in recs) for v in VERDICTS}
    meta = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "profile": profile,
        "counts": counts,
    }
    atomic_write_json(out_dir / "claims.json", {"meta": meta, "claims": recs})
    atomic_write_text(out_dir / "REPORT.md", render_markdown(recs, meta, out_dir))


def render_markdown(recs: list[dict[str, Any]], meta: dict[str, Any], out_dir: Path) -> str:
    lines = [
        "# chasm-theory report",
        "",
        f"Generated {meta['generated']} from commit `{meta['commit']}`, profile **{meta['profile']}**.",
        "Every verdict and measured value below was computed by `chasm-theory report`;",
        "nothing is typed by hand. Verdicts: " + ", ".join(f"{k} {v}" for k, v in meta["counts"].items()) + ".",
        "",
        "## All claims",
        "",
        "| id | statement | paper says | we measured | verdict | evidence |",
        "|---|---|---|---|---|---|",
    ]
    for r in recs:
        lines.append(
            f"| `{r['id']}` | {fmt(r['statement'], 120)} | {fmt(r['paper'] or r['predicted'], 80)} | "
            f"{fmt(r['measured'], 80)} | {verdict_cell(r)} | {fmt(r['evidence'], 160)} |"
        )
    sections: dict[str, list[dict[str, Any]]] = {}
    for r in recs:
        sections.setdefault(r.get("section") or r["id"], []).append(r)
    for title, rs in sections.items():
        lines += ["", f"## {title}", ""]
        for r in rs:
            lines += [f"### `{r['id']}` — {verdict_cell(r)}", ""]
            lines.append(f"*Source:* {r['source']}. *Kind:* {r['kind']}. "
                         f"*Statement:* {r['statement']}")
            if r.get("reading"):
                lines.append(f"\n*Reading checked:* {r['reading']}")
            lines.append(f"\n*Paper:* {fmt(r['paper'] or r['predicted'], 400)}  ")
            lines.append(f"*Predicted:* {fmt(r['predicted'], 400)}  ")
            lines.append(f"*Measured:* {fmt(r['measured'], 600)}  ")
            if r.get("tolerance") is not None:
                lines.append(f"*Tolerance:* {fmt(r['tolerance'], 300)}  ")
            if r.get("rule"):
                lines.append(f"*Rule:* {fmt(r['rule'], 400)}")
            lines += ["", r["evidence"]]
            if r.get("counterexample") is not None:
                lines += ["", f"*Counterexample:* `{fmt(r['counterexample'], 600)}`"]
            for f in r.get("figures", []):
                lines += ["", f"![{r['id']}]({f})"]
            lines.append("")
    return "\n".join(lines) + "\n"


def generate(ctx: Context, claims: Iterable[Claim] | None = None, show_progress: bool = True,
             merge: bool = False) -> list[Record]:
    """Run ``claims`` (default: all) and write the reports for ``ctx.profile``.

    With ``merge`` the new records replace only their ids in an existing ``claims.json``.
    """
    claims = list(claims) if claims is not None else list(all_claims().values())
    records = run_claims(claims, ctx, show_progress)
    out_dir = ctx.out_dir
    existing = load_records(out_dir / "claims.json") if merge else {}
    known = all_claims()
    existing = {k: v for k, v in existing.items() if k in known}
    existing.update({r.id: r.to_dict() for r in records})
    write_reports(existing, out_dir, ctx.profile)
    return records
