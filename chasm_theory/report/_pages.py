"""One page per claim, ``claims/<id>.md``: the record's full section, its figures (each once),
the command that reruns it, and links to the check's source, its tests and the run files read.

Links are relative when the page and the target lie in the same checkout; otherwise the
target's path inside the checkout is shown as text, so a report written elsewhere (a temporary
folder) does not depend on where that folder is.
"""
from __future__ import annotations

import importlib
import inspect
import json
import os
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from chasm_theory.report._format import bucket, compact_json, fmt, headline, lean, verdict_cell
from chasm_theory.report._papers import PAPERS, paper_of

DETAILS_MAX_CHARS = 6000


def repo_root() -> Path:
    """The checkout the package was imported from (holds ``tests/`` and ``proofs/``)."""
    return Path(__file__).resolve().parents[2]


def _under(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


class SourceIndex:
    """Where each check lives and which test files name each id; read once per report."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or repo_root()).resolve()

    @cached_property
    def test_texts(self) -> dict[str, str]:
        texts: dict[str, str] = {}
        for sub in ("tests", "proofs"):
            d = self.root / sub
            if d.is_dir():
                for p in sorted(d.glob("test_*.py")):
                    texts[f"{sub}/{p.name}"] = p.read_text(encoding="utf-8", errors="replace")
        return texts

    def check_source(self, ref: str) -> tuple[str, int] | None:
        """``(path inside the checkout, first line)`` of ``module:qualname``, if found."""
        if not ref or ":" not in ref:
            return None
        mod_name, qual = ref.split(":", 1)
        try:
            obj: Any = importlib.import_module(mod_name)
            for part in qual.split("."):
                obj = getattr(obj, part)
            obj = inspect.unwrap(obj)
            path = Path(inspect.getsourcefile(obj) or "")
            line = inspect.getsourcelines(obj)[1]
        except (ImportError, AttributeError, OSError, TypeError):
            return None
        if not _under(path, self.root):
            return None
        return path.resolve().relative_to(self.root).as_posix(), line

    @staticmethod
    def _mentions(text: str, name: str) -> bool:
        return re.search(r"(?<![\w.-])" + re.escape(name) + r"(?![\w-]|\.\w)", text) is not None

    def tests_for(self, claim_id: str, check_ref: str = "") -> list[tuple[str, str]]:
        """``(test file, why)``: files naming the id literally; else those naming its longest
        named prefix (at least two components); plus files importing the check's module."""
        out: list[tuple[str, str]] = []
        parts = claim_id.split(".")
        sub = re.compile(r"(?<![\w.-])" + re.escape(claim_id) + r"\.[\w.-]+")
        for n in range(len(parts), 1, -1):
            name = ".".join(parts[:n])
            hits = [(f, "names this id" if n == len(parts) else f"names the prefix `{name}`")
                    for f, t in self.test_texts.items() if self._mentions(t, name)]
            if n == len(parts):  # tests of the id's own sub-readings
                named = {f for f, _ in hits}
                hits += [(f, f"names `{m.group(0)}`") for f, t in self.test_texts.items()
                         if f not in named and (m := sub.search(t))]
            if hits:
                out += hits
                break
        mod = check_ref.split(":", 1)[0]
        if mod:
            rx = re.compile(r"(from|import)\s+" + re.escape(mod) + r"\b")
            seen = {f for f, _ in out}
            out += [(f, "imports the check's module") for f, t in self.test_texts.items()
                    if f not in seen and rx.search(t)]
        return out


def _link(text: str, target: Path, page_dir: Path, root: Path, anchor: str = "") -> str:
    """A relative Markdown link when page and target share the checkout, else plain code."""
    if _under(page_dir, root) and _under(target, root):
        rel = Path(os.path.relpath(target.resolve(), page_dir.resolve())).as_posix()
        return f"[{text}]({rel}{anchor})"
    return f"`{text}`"


def read_run(reports_dir: Path, file: str) -> dict[str, Any] | None:
    """The run document a record read (``runs/<profile>/<name>-<hash>.json``), if present."""
    p = reports_dir / file
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_device(doc: dict[str, Any] | None) -> str:
    prov = (doc or {}).get("provenance") or {}
    dev = prov.get("device", "?")
    name = prov.get("device_name")
    return f"{dev} ({name})" if name else dev


def _block(text: str, lang: str = "") -> list[str]:
    fence = "````" if "```" in text else "```"
    return [f"{fence}{lang}", text.rstrip("\n"), fence]


def render_page(r: dict[str, Any], *, out_dir: Path, reports_dir: Path, profile: str,
                index: SourceIndex, same_finding: list[str]) -> str:
    """The Markdown page of record ``r`` (floats already rounded)."""
    page_dir = out_dir / "claims"
    cid = r["id"]
    prefix = paper_of(cid)
    paper = f"{PAPERS[prefix][0]} — {PAPERS[prefix][1]}" if prefix in PAPERS else prefix
    lines = [f"# `{cid}` — {verdict_cell(r)}", "",
             f"[← report](../REPORT.md) · paper {paper} · section: {r.get('section', '')}"]
    if r.get("finding") or same_finding:
        others = ", ".join(f"[`{i}`]({i}.md)" for i in same_finding) or "no other id"
        lines[-1] += f" · finding `{r.get('finding') or cid}` (shared with {others})"
    lines += ["", f"**Statement.** {r.get('statement', '')}", "",
              f"**Source.** {r.get('source', '')} · **kind** {r.get('kind', '')}", ""]
    if r.get("quote"):
        lines += ["**The paper writes** (verbatim from the seed text):", ""]
        lines += ["> " + ln for ln in str(r["quote"]).splitlines() or [""]]
        lines.append("")
    if r.get("paper"):
        lines += [f"**Paper's value / claim (registry).** {r['paper']}", ""]
    lines += ["| | |", "|---|---|",
              f"| predicted | {fmt(r.get('predicted'), 400)} |",
              f"| measured (headline) | {headline(r, 200)} |"]
    if r.get("tolerance") is not None:
        lines.append(f"| tolerance | {fmt(r['tolerance'], 300)} |")
    lines.append(f"| verdict | {verdict_cell(r)} |")
    lines.append("")
    b = bucket(r)
    if b == "below-budget":
        lines += [(f"Below the papers' training budget this record is capped at inconclusive; "
                  f"at this budget the numbers say **{lean(r)}**. The full profile decides."), ""]
    if b == "few-seeds":
        lines += [(f"Read from fewer training seeds than planned (the rest are still training), "
                  f"this record is capped at inconclusive; on these seeds the numbers say "
                  f"**{lean(r)}**. The remaining replicates decide."), ""]
    if r.get("to_decide") and r.get("verdict") == "inconclusive":
        lines += [f"**What would decide it.** {r['to_decide']}", ""]
    if b == "error":
        lines += [("The check raised: this is no verdict about the claim. Fix the check (or the "
                  "run it reads) and rerun it."), ""]
    for title, key in (("Reading checked", "reading"), ("Rule", "rule"),
                       ("Evidence", "evidence")):
        if r.get(key):
            lines += [f"## {title}", "", str(r[key]), ""]
    cx = r.get("counterexample")
    cx_budget = (r.get("details") or {}).get("counterexample_at_this_budget")
    if cx is not None:
        lines += ["## Counterexample", ""] + _block(compact_json(cx), "json") + [""]
    elif cx_budget is not None:
        lines += ["## Counterexample at this budget (not a verdict)", ""]
        lines += _block(compact_json(cx_budget), "json") + [""]
    figs = list(dict.fromkeys(r.get("figures") or []))
    if figs:
        lines += ["## Figures", ""]
        for f in figs:
            lines += [f"![{Path(f).stem}](../{f})", ""]
    lines += ["## Measured (all values)", ""]
    lines += _block(compact_json(r.get("measured")), "json") + [""]
    details = {k: v for k, v in (r.get("details") or {}).items()
               if k not in ("verdict_at_this_budget", "counterexample_at_this_budget",
                            "traceback")}
    tb = (r.get("details") or {}).get("traceback")
    if tb:
        lines += ["## Traceback", ""] + _block(str(tb), "text") + [""]
    if details:
        text = compact_json(details)
        lines += ["## Details", ""]
        lines += (_block(text, "json") if len(text) <= DETAILS_MAX_CHARS else
                  [(f"{len(text):,} characters: see this id in `claims.json` "
                   f"(keys: {', '.join(details)}).")])
        lines.append("")
    lines += ["## Reproduce", ""]
    cmd = f"chasm-theory check {cid}" + ("" if profile == "quick" else f" --profile {profile}")
    lines += _block(cmd, "bash") + [""]
    src = index.check_source(r.get("check", ""))
    if src:
        path, line = src
        lines.append("- check: " + _link(f"{path}:{line}", index.root / path, page_dir,
                                         index.root, f"#L{line}") + f" (`{r['check']}`)")
    elif r.get("check"):
        lines.append(f"- check: `{r['check']}`")
    tests = index.tests_for(cid, r.get("check", ""))
    if tests:
        lines.append("- tests: " + "; ".join(
            _link(f, index.root / f, page_dir, index.root) + f" ({why})" for f, why in tests))
    else:
        lines.append("- tests: no test file names this id or its prefix")
    runs = r.get("runs") or []
    for run in runs:
        file = run.get("file", "")
        doc = read_run(reports_dir, file)
        prov = (doc or {}).get("provenance") or {}
        when = f", run of {prov['date'][:10]}" if prov.get("date") else ""
        status = f", status {doc.get('status')}" if doc else ", file missing"
        rel = Path(os.path.relpath(reports_dir / file, page_dir)).as_posix()
        lines.append(f"- run file: [{file}]({rel})"
                     f" (experiment `{run.get('experiment')}`, config hash "
                     f"`{run.get('config_hash')}`{when} on {run_device(doc)}{status})")
    if not runs:
        lines.append("- run files: none (this check reads no experiment run)")
    return "\n".join(lines) + "\n"
