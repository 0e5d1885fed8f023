"""Run the claims and write ``claims.json``, ``REPORT.md`` and ``claims/<id>.md``.

Reproducible by construction: the commit is read before anything is written (and the report's
own output folder does not make it ``+dirty``), ``claims.json`` holds no wall-clock field and
its floats are rounded to :data:`SIG_DIGITS` significant digits, pages are rendered from the
rounded records, and the only line that changes between two runs on the same commit is the date.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from chasm_theory import _git
from chasm_theory._context import Context
from chasm_theory._io import atomic_write_json, atomic_write_text, round_sig
from chasm_theory._record import VERDICTS, Record
from chasm_theory._registry import Claim, all_claims, run_claim
from chasm_theory._training_status import training_summary
from chasm_theory.report._format import BUCKETS, bucket, lean
from chasm_theory.report._front import counts, findings, render_front
from chasm_theory.report._pages import SourceIndex, read_run, render_page, repo_root, run_device
from chasm_theory.report._papers import sort_key

SIG_DIGITS = 6


def source_commit(exclude: Path | None = None) -> str:
    """``HEAD`` of the checkout the package comes from, ``+dirty`` when a tracked file differs —
    not counting files under ``exclude`` (the reports folder being regenerated). Call it before
    writing anything."""
    return _git.source_commit(repo_root(), exclude)


def run_claims(claims: Iterable[Claim], ctx: Context, show_progress: bool = True) -> list[Record]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    claims = sorted(claims, key=lambda c: sort_key(c.id))
    records: list[Record] = []
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), disable=not show_progress, transient=True,
    ) as progress:
        ctx.progress = progress
        task = progress.add_task("claims", total=len(claims))
        for c in claims:
            progress.update(task, description=f"claims: {c.id}")
            records.append(run_claim(c, ctx))
            progress.advance(task)
    ctx.progress = None
    return records


def load_records(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    doc = json.loads(path.read_text())
    return {r["id"]: r for r in doc.get("claims", [])}


def load_meta(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    return json.loads(path.read_text()).get("meta", {})


def _run_devices(recs: list[dict[str, Any]], reports_dir: Path) -> str:
    seen: dict[str, set[str]] = {}
    for r in recs:
        for run in r.get("runs") or []:
            f = run.get("file", "")
            seen.setdefault(run_device(read_run(reports_dir, f)), set()).add(f)
    return ", ".join(f"{d} ({len(fs)} run file{'s' if len(fs) > 1 else ''})"
                     for d, fs in sorted(seen.items()))


def write_reports(records: dict[str, dict[str, Any]], out_dir: Path, profile: str, *,
                  commit: str | None = None, device: str = "cpu",
                  reports_dir: Path | None = None, generated: str | None = None) -> dict[str, Any]:
    """Write ``claims.json``, ``REPORT.md`` and one page per claim under ``out_dir``; return
    the ``meta`` written. ``commit`` should be read (:func:`source_commit`) before any check
    ran; ``reports_dir`` is where the run files live (default: ``out_dir`` for quick, its
    parent otherwise)."""
    out_dir = Path(out_dir)
    reports_dir = Path(reports_dir) if reports_dir is not None else (
        out_dir if profile == "quick" else out_dir.parent)
    if commit is None:
        commit = source_commit(out_dir)
    recs = [round_sig(records[k], SIG_DIGITS) for k in sorted(records, key=sort_key)]
    for r in recs:
        r.pop("seconds", None)  # records stored by older versions
    c = counts(recs)
    training, training_total = training_summary(profile, reports_dir)
    meta = {
        "generated": generated or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "profile": profile,
        "device": device,
        "run_devices": _run_devices(recs, reports_dir),
        "counts": {v: sum(r["verdict"] == v for r in recs) for v in VERDICTS},
        "buckets": {b: c[b] for b in BUCKETS},
        "findings": len(findings(recs)),
        "training": training,
        "training_total": training_total,
        "versus_quick": (versus_quick(recs, load_records(reports_dir / "claims.json"))
                         if profile != "quick" else []),
        "notes": "counts: by the verdict field. buckets: inconclusive split into below-budget "
        "(trained-model claims below the papers' budget; details.verdict_at_this_budget is the "
        "lean), few-seeds (trained-model claims at the papers' budget read from fewer training "
        "replicates than planned, details.capped_by = 'seeds'; same lean) and undecided; "
        "error = the check raised (no verdict). findings: refuted or vacuous ids grouped by "
        "root cause (finding key).",
    }
    atomic_write_json(out_dir / "claims.json", {"meta": meta, "claims": recs}, sig=SIG_DIGITS)
    atomic_write_text(out_dir / "REPORT.md", render_front(recs, meta))
    write_pages(recs, out_dir, reports_dir, profile)
    return meta


def versus_quick(recs: list[dict[str, Any]], quick: dict[str, dict[str, Any]]
                 ) -> list[dict[str, str]]:
    """The ids whose outcome here differs from the quick profile's: each side's verdict, its
    lean when capped (``"lean fails"``), or ``"undecided"``; ids not run here are left out."""
    def word(r: dict[str, Any]) -> str:
        if lean(r):
            return f"lean {lean(r)}"
        return "undecided" if bucket(r) == "undecided" else r["verdict"]

    return [{"id": r["id"], "quick": word(quick[r["id"]]), "here": word(r)} for r in recs
            if r["verdict"] != "not-run" and r["id"] in quick
            and word(quick[r["id"]]) != word(r)]


def write_pages(recs: list[dict[str, Any]], out_dir: Path, reports_dir: Path,
                profile: str) -> None:
    """``claims/<id>.md`` for every record; pages of ids no longer reported are removed."""
    index = SourceIndex()
    by_finding: dict[str, list[str]] = {}
    for r in recs:
        if r.get("finding"):
            by_finding.setdefault(r["finding"], []).append(r["id"])
    page_dir = out_dir / "claims"
    for r in recs:
        same = [i for i in by_finding.get(r.get("finding") or "", []) if i != r["id"]]
        text = render_page(r, out_dir=out_dir, reports_dir=reports_dir, profile=profile,
                           index=index, same_finding=same)
        path = page_dir / f"{r['id']}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            atomic_write_text(path, text)
    keep = {f"{r['id']}.md" for r in recs}
    for old in page_dir.glob("*.md"):
        if old.name not in keep:
            old.unlink()


def render_from_json(out_dir: Path, profile: str, reports_dir: Path | None = None) -> int:
    """Rewrite ``REPORT.md`` and the claim pages from an existing ``claims.json`` without
    running any check (after a change to the report's layout). ``claims.json`` is left as it
    is, and the front page keeps its commit and date. Returns the number of records."""
    out_dir = Path(out_dir)
    reports_dir = Path(reports_dir) if reports_dir is not None else (
        out_dir if profile == "quick" else out_dir.parent)
    path = out_dir / "claims.json"
    if not path.exists():
        from chasm_theory.errors import ValidationError

        raise ValidationError("--render-only", "needs an existing claims.json", str(path))
    records = load_records(path)
    recs = [round_sig(records[k], SIG_DIGITS) for k in sorted(records, key=sort_key)]
    meta = {"device": "cpu", **load_meta(path), "profile": profile}
    meta.setdefault("run_devices", _run_devices(recs, reports_dir))
    meta.setdefault("commit", "unknown")
    meta.setdefault("generated", "unknown")
    atomic_write_text(out_dir / "REPORT.md", render_front(recs, meta))
    write_pages(recs, out_dir, reports_dir, profile)
    return len(recs)


def generate(ctx: Context, claims: Iterable[Claim] | None = None, show_progress: bool = True,
             merge: bool = False) -> list[Record]:
    """Run ``claims`` (default: all) and write the reports for ``ctx.profile``.

    With ``merge`` the new records replace only their ids in an existing ``claims.json``.
    The commit is read before any check runs (checks write figures and run files).
    """
    commit = source_commit(ctx.reports_dir)
    claims = list(claims) if claims is not None else list(all_claims().values())
    records = run_claims(claims, ctx, show_progress)
    out_dir = ctx.out_dir
    existing = load_records(out_dir / "claims.json") if merge else {}
    known = all_claims()
    existing = {k: v for k, v in existing.items() if k in known}
    existing.update({r.id: r.to_dict() for r in records})
    write_reports(existing, out_dir, ctx.profile, commit=commit, device=ctx.device,
                  reports_dir=ctx.reports_dir)
    return records


__all__ = ["SIG_DIGITS", "bucket", "generate", "load_meta", "load_records", "render_from_json",
           "run_claims", "source_commit", "write_pages", "write_reports"]
